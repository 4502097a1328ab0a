package agent_test

import (
	"slices"
	"strconv"
	"testing"

	"gatewarden/protocol/cwmp"
)

// TestE2EDiagnosticsComplete: the ACS requests an IPPing in one session;
// the agent runs it after that session and opens a new one with
// 8 DIAGNOSTICS COMPLETE, where the results are readable (TR-143).
func TestE2EDiagnosticsComplete(t *testing.T) {
	d := newDevice(t, deviceOpts{})
	s, _ := d.bootstrap()
	const p = "Device.IP.Diagnostics.IPPing."
	req := &cwmp.SetParameterValues{ParameterKey: "diag-1", ParameterList: []cwmp.ParameterValueStruct{
		{Name: p + "Host", Value: "127.0.0.1", Type: "xsd:string"},
		{Name: p + "NumberOfRepetitions", Value: "2", Type: "xsd:unsignedInt"},
		{Name: p + "Timeout", Value: "2000", Type: "xsd:unsignedInt"},
		{Name: p + "DiagnosticsState", Value: "Requested", Type: "xsd:string"},
	}}
	callOK[*cwmp.SetParameterValuesResponse](d, s, req)
	got := values(callOK[*cwmp.GetParameterValuesResponse](d, s, gpv(p+"DiagnosticsState")).ParameterList)
	if got[p+"DiagnosticsState"] != "Requested" {
		t.Fatalf("state in the requesting session: %v", got)
	}
	d.end(s)

	s, ex, inf := d.inform()
	if !slices.Contains(events(inf), string(cwmp.EventDiagnosticsComplete)) {
		t.Fatalf("next session's events %v lack 8 DIAGNOSTICS COMPLETE", events(inf))
	}
	d.open(s, ex)
	got = values(callOK[*cwmp.GetParameterValuesResponse](d, s, gpv(p)).ParameterList)
	if got[p+"DiagnosticsState"] != "Complete" || got[p+"SuccessCount"] != "2" || got[p+"FailureCount"] != "0" {
		t.Fatalf("results: %v", got)
	}
	if n, err := strconv.Atoi(got[p+"MaximumResponseTimeDetailed"]); err != nil || n <= 0 {
		t.Fatalf("MaximumResponseTimeDetailed %q", got[p+"MaximumResponseTimeDetailed"])
	}
	d.end(s)
}
