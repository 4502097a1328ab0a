package session

import (
	"errors"
	"slices"
	"testing"

	"gatewarden/cpe-agent/internal/acstest"
	"gatewarden/protocol/cwmp"
)

func gpvUpTime() *cwmp.GetParameterValues {
	return &cwmp.GetParameterValues{ParameterNames: []string{"Device.DeviceInfo.UpTime"}}
}

// established runs a session up to the CPE's empty POST and returns it.
func (h *harness) established() (*acstest.Session, *acstest.Exchange) {
	h.t.Helper()
	s, ex, _ := h.inform()
	if err := ex.Reply(acstest.InformResponse()); err != nil {
		h.t.Fatal(err)
	}
	empty, err := s.ExpectEmpty(h.ctx())
	if err != nil {
		h.t.Fatal(err)
	}
	return s, empty
}

// TestParameterRPCsDelegate: parameter RPCs go to the model; its
// *cwmp.Fault goes to the ACS as it is, any other error becomes 9002.
func TestParameterRPCsDelegate(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.start()
	s, ex := h.established()
	ex, _, err := acstest.CallFor[*cwmp.SetParameterValuesResponse](h.ctx(), s, ex, &cwmp.SetParameterValues{
		ParameterList: []cwmp.ParameterValueStruct{{Name: "Device.WiFi.SSID.1.SSID", Value: "new", Type: "string"}},
		ParameterKey:  "pk1",
	})
	if err != nil {
		t.Fatal(err)
	}
	if h.model.get("Device.WiFi.SSID.1.SSID") != "new" || h.model.get("Device.ManagementServer.ParameterKey") != "pk1" {
		t.Fatal("SetParameterValues did not reach the model")
	}
	ex, err = s.Call(h.ctx(), ex, &cwmp.SetParameterValues{
		ParameterList: []cwmp.ParameterValueStruct{{Name: "Device.DeviceInfo.UpTime", Value: "1"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	f := ex.Fault()
	if f == nil || f.FaultCode != cwmp.FaultInvalidArguments || len(f.SetParameterValuesFault) != 1 || f.SetParameterValuesFault[0].FaultCode != cwmp.FaultNonWritableParameter {
		t.Fatalf("SPV of a read-only parameter: %+v", f)
	}
	ex, names, err := acstest.CallFor[*cwmp.GetParameterNamesResponse](h.ctx(), s, ex, &cwmp.GetParameterNames{ParameterPath: "Device.WiFi.", NextLevel: true})
	if err != nil || len(names.ParameterList) == 0 {
		t.Fatalf("GPN: %v %v", names, err)
	}
	ex, _, err = acstest.CallFor[*cwmp.SetParameterAttributesResponse](h.ctx(), s, ex, &cwmp.SetParameterAttributes{
		ParameterList: []cwmp.SetParameterAttributesStruct{{Name: "Device.WiFi.SSID.1.SSID", NotificationChange: true, Notification: 2}},
	})
	if err != nil {
		t.Fatal(err)
	}
	ex, attrs, err := acstest.CallFor[*cwmp.GetParameterAttributesResponse](h.ctx(), s, ex, &cwmp.GetParameterAttributes{ParameterNames: []string{"Device.WiFi.SSID.1.SSID"}})
	if err != nil || len(attrs.ParameterList) != 1 {
		t.Fatalf("GPA: %v %v", attrs, err)
	}
	ex, add, err := acstest.CallFor[*cwmp.AddObjectResponse](h.ctx(), s, ex, &cwmp.AddObject{ObjectName: "Device.IP.Interface."})
	if err != nil || add.InstanceNumber == 0 {
		t.Fatalf("AddObject: %+v %v", add, err)
	}
	ex, _, err = acstest.CallFor[*cwmp.DeleteObjectResponse](h.ctx(), s, ex, &cwmp.DeleteObject{ObjectName: "Device.IP.Interface.1."})
	if err != nil {
		t.Fatal(err)
	}
	h.model.mu.Lock()
	h.model.failNext = errors.New("provider exploded with a secret value")
	h.model.mu.Unlock()
	ex, err = s.Call(h.ctx(), ex, gpvUpTime())
	if err != nil {
		t.Fatal(err)
	}
	if f := ex.Fault(); f == nil || f.FaultCode != cwmp.FaultInternalError || f.FaultString != cwmp.FaultInternalError.Text() {
		t.Fatalf("internal model error: %+v, want 9002 with the standard text only", f)
	}
	h.finish(s, ex)
	if r := h.result(); r.Err != nil {
		t.Fatal(r.Err)
	}
}

// TestUnsupportedMethods: methods the agent does not implement, and
// methods this codec does not even know, get 9000 with the request's ID.
func TestUnsupportedMethods(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.start()
	s, ex := h.established()
	for _, req := range []cwmp.Body{
		&cwmp.SetVouchers{VoucherList: [][]byte{[]byte("v")}},
		&cwmp.GetOptions{OptionName: "x"},
		&cwmp.ChangeDUState{CommandKey: "c", Operations: []cwmp.Operation{&cwmp.UninstallOpStruct{UUID: "u"}}},
		&cwmp.Inform{MaxEnvelopes: 1},
	} {
		var err error
		ex, err = s.Call(h.ctx(), ex, req)
		if err != nil {
			t.Fatal(err)
		}
		if code := faultCode(t, ex); code != cwmp.FaultMethodNotSupported {
			t.Fatalf("%s: fault %d, want 9000", req.Method(), code)
		}
	}
	raw := []byte(`<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:cwmp="urn:dslforum-org:cwmp-1-2">` +
		`<soap:Header><cwmp:ID soap:mustUnderstand="1">weird-1</cwmp:ID></soap:Header>` +
		`<soap:Body><cwmp:X_000000_Frobnicate/></soap:Body></soap:Envelope>`)
	if err := ex.Reply(acstest.Reply{Raw: raw}); err != nil {
		t.Fatal(err)
	}
	ex, err := s.Next(h.ctx())
	if err != nil {
		t.Fatal(err)
	}
	if code := faultCode(t, ex); code != cwmp.FaultMethodNotSupported || ex.ID() != "weird-1" {
		t.Fatalf("unknown method: fault %d ID %q, want 9000 with ID weird-1", code, ex.ID())
	}
	h.finish(s, ex)
	if r := h.result(); r.Err != nil {
		t.Fatal(r.Err)
	}
}

// TestFactoryReset: the response goes first; after the session the
// platform resets and Run ends; the next start bootstraps again.
func TestFactoryReset(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.boot()
	h.client.ConnectionRequest()
	s, ex := h.established()
	ex, _, err := acstest.CallFor[*cwmp.FactoryResetResponse](h.ctx(), s, ex, &cwmp.FactoryReset{})
	if err != nil {
		t.Fatal(err)
	}
	if _, resets := h.plat.counts(); resets != 0 {
		t.Fatal("reset during the session")
	}
	ex.Reply(acstest.Empty())
	if err := h.exited(); !errors.Is(err, ErrFactoryReset) {
		t.Fatalf("Run returned %v", err)
	}
	if _, resets := h.plat.counts(); resets != 1 {
		t.Fatal("platform not reset")
	}
	h.restart("") // the fake platform wiped nothing; the session's own record says bootstrap
	s, ex, inf := h.inform()
	wantEvents(t, inf, "0 BOOTSTRAP")
	h.finish(s, ex)
}

// TestGetRPCMethodsIsTheTruth: every method listed is answered with its
// response (not 9000).
func TestGetRPCMethodsIsTheTruth(t *testing.T) {
	for _, m := range methodsFor(cwmp.NamespaceCWMP12) {
		if !slices.ContainsFunc(cpeMethods, func(x struct{ name, since string }) bool { return x.name == m }) {
			t.Fatalf("%s listed but not in cpeMethods", m)
		}
	}
	h := newHarness(t, harnessOpts{})
	h.start()
	s, ex := h.established()
	probes := map[string]cwmp.Body{
		"GetRPCMethods":          &cwmp.GetRPCMethods{},
		"SetParameterValues":     &cwmp.SetParameterValues{ParameterList: []cwmp.ParameterValueStruct{{Name: "Device.WiFi.SSID.1.SSID", Value: "x"}}},
		"GetParameterValues":     gpvUpTime(),
		"GetParameterNames":      &cwmp.GetParameterNames{ParameterPath: "Device."},
		"SetParameterAttributes": &cwmp.SetParameterAttributes{ParameterList: []cwmp.SetParameterAttributesStruct{{Name: "Device.WiFi.SSID.1.SSID"}}},
		"GetParameterAttributes": &cwmp.GetParameterAttributes{ParameterNames: []string{"Device.WiFi.SSID.1.SSID"}},
		"AddObject":              &cwmp.AddObject{ObjectName: "Device.IP.Interface."},
		"DeleteObject":           &cwmp.DeleteObject{ObjectName: "Device.IP.Interface.1."},
		"Reboot":                 &cwmp.Reboot{},
		"Download":               &cwmp.Download{FileType: cwmp.FileTypeWebContent, URL: "http://f.example/a"},
		"Upload":                 &cwmp.Upload{FileType: cwmp.UploadFileTypeVendorLogFile, URL: "http://f.example/u"},
		"FactoryReset":           &cwmp.FactoryReset{},
		"ScheduleInform":         &cwmp.ScheduleInform{DelaySeconds: 5},
		"GetQueuedTransfers":     &cwmp.GetQueuedTransfers{},
		"GetAllQueuedTransfers":  &cwmp.GetAllQueuedTransfers{},
		"ScheduleDownload": &cwmp.ScheduleDownload{FileType: cwmp.FileTypeWebContent, URL: "http://f.example/s",
			TimeWindowList: []cwmp.TimeWindowStruct{{WindowStart: 10, WindowEnd: 20, WindowMode: cwmp.WindowModeAtAnyTime}}},
		"CancelTransfer": &cwmp.CancelTransfer{CommandKey: ""},
	}
	for _, m := range methodsFor(cwmp.NamespaceCWMP12) {
		req, ok := probes[m]
		if !ok {
			t.Fatalf("no probe for %s", m)
		}
		var err error
		ex, err = s.Call(h.ctx(), ex, req)
		if err != nil {
			t.Fatal(err)
		}
		if ex.RPC() != m+"Response" {
			t.Fatalf("%s answered with %s", m, ex.RPC())
		}
	}
	ex.Reply(acstest.Empty())
	// Reboot and FactoryReset were both asked for: the reset wins.
	if err := h.exited(); !errors.Is(err, ErrFactoryReset) {
		t.Fatalf("Run returned %v", err)
	}
}
