package model_test

import (
	"testing"

	"gatewarden/cpe-agent/internal/model"
	"gatewarden/cpe-agent/internal/platform"
	"gatewarden/protocol/cwmp"
)

// Case 33: GPV with one valid and one invalid name gives 9005, with no
// partial results.
func TestCase33GPVInvalidName(t *testing.T) {
	f := newFixture(t)
	for _, bad := range []string{"Device.DeviceInfo.Nope", "Device.IP.Interface.7.Name", "Device.Bogus.", "Device.DeviceInfo.UpTime."} {
		pv, err := f.tree.GetParameterValues(f.ctx, []string{"Device.DeviceInfo.UpTime", bad})
		fault(t, err, cwmp.FaultInvalidParameterName)
		if pv != nil {
			t.Errorf("%s: partial result %v", bad, pv)
		}
	}
	// Wildcards match instances; a wildcard path of an unknown shape is
	// still 9005, a known one with no instances is empty.
	pv, err := f.tree.GetParameterValues(f.ctx, []string{"Device.Ethernet.Interface.*.Status"})
	if err != nil || len(pv) != 4 {
		t.Fatalf("wildcard: %v %v", pv, err)
	}
	_, err = f.tree.GetParameterValues(f.ctx, []string{"Device.Ethernet.Interface.*.Nope"})
	fault(t, err, cwmp.FaultInvalidParameterName)
	pv, err = f.tree.GetParameterValues(f.ctx, []string{"Device.ManagementServer.InformParameter.*.Enable"})
	if err != nil || len(pv) != 0 {
		t.Fatalf("wildcard on an empty table: %v %v", pv, err)
	}
}

// Case 34: GPV on Device.ManagementServer. returns Password and
// ConnectionRequestPassword as empty strings.
// WiFi.AccessPoint.1.Security.KeyPassphrase is also empty.
func TestCase34GPVHiddenSecured(t *testing.T) {
	f := newFixture(t)
	f.spv("k", "Device.ManagementServer.Password", "s3cret", "Device.ManagementServer.ConnectionRequestPassword", "cr-pass",
		"Device.WiFi.AccessPoint.1.Security.KeyPassphrase", "correct horse battery")
	pv, err := f.tree.GetParameterValues(f.ctx, []string{"Device.ManagementServer.", "Device.WiFi.AccessPoint.1.Security."})
	if err != nil {
		t.Fatal(err)
	}
	got := valueMap(pv)
	for _, p := range []string{"Device.ManagementServer.Password", "Device.ManagementServer.ConnectionRequestPassword", "Device.WiFi.AccessPoint.1.Security.KeyPassphrase"} {
		v, ok := got[p]
		if !ok || v != "" {
			t.Errorf("%s = %q, %v; want listed and empty", p, v, ok)
		}
	}
	if got["Device.WiFi.AccessPoint.1.Security.Reset"] != "false" {
		t.Errorf("command parameter reads %q, want false", got["Device.WiFi.AccessPoint.1.Security.Reset"])
	}
	// The agent itself reads the real values.
	for p, want := range map[string]string{"Device.ManagementServer.Password": "s3cret", "Device.WiFi.AccessPoint.1.Security.KeyPassphrase": "correct horse battery"} {
		if v, err := f.tree.Value(f.ctx, p); err != nil || v != want {
			t.Errorf("Value(%s) = %q, %v", p, v, err)
		}
	}
	// Types come from the schema.
	for _, p := range pv {
		if p.Name == "Device.ManagementServer.PeriodicInformInterval" && p.Type != "unsignedInt" ||
			p.Name == "Device.ManagementServer.EnableCWMP" && p.Type != "boolean" {
			t.Errorf("%s has type %s", p.Name, p.Type)
		}
	}
}

// Case 35: SPV with one good and one read-only parameter gives fault 9003,
// which contains a SetParameterValuesFault with 9008 for the read-only one.
// Neither value changes and ParameterKey stays the same.
func TestCase35SPVReadOnly(t *testing.T) {
	f := newFixture(t)
	f.spv("before")
	_, err := f.tree.SetParameterValues(f.ctx, pvs(
		"Device.ManagementServer.PeriodicInformInterval", "60",
		"Device.DeviceInfo.UpTime", "5",
	), "after")
	flt := fault(t, err, cwmp.FaultInvalidArguments)
	if len(flt.SetParameterValuesFault) != 1 || flt.SetParameterValuesFault[0].ParameterName != "Device.DeviceInfo.UpTime" ||
		flt.SetParameterValuesFault[0].FaultCode != cwmp.FaultNonWritableParameter {
		t.Fatalf("faults = %+v", flt.SetParameterValuesFault)
	}
	if v := f.value("Device.ManagementServer.PeriodicInformInterval"); v != "3600" {
		t.Errorf("interval changed to %s", v)
	}
	if v := f.value("Device.ManagementServer.ParameterKey"); v != "before" {
		t.Errorf("ParameterKey = %q", v)
	}
	// Every bad parameter gets its own entry; a provider-backed one too.
	_, err = f.tree.SetParameterValues(f.ctx, pvs(
		"Device.WiFi.SSID.1.SSID", "fine",
		"Device.WiFi.SSID.1.BSSID", "02:00:00:00:00:01",
		"Device.Nope", "x",
		"Device.ManagementServer.ParameterKey", "k",
	), "after")
	flt = fault(t, err, cwmp.FaultInvalidArguments)
	codes := map[string]cwmp.FaultCode{}
	for _, e := range flt.SetParameterValuesFault {
		codes[e.ParameterName] = e.FaultCode
	}
	want := map[string]cwmp.FaultCode{"Device.WiFi.SSID.1.BSSID": 9008, "Device.Nope": 9005, "Device.ManagementServer.ParameterKey": 9008}
	if len(codes) != len(want) {
		t.Fatalf("faults = %v", codes)
	}
	for k, v := range want {
		if codes[k] != v {
			t.Errorf("%s: %d, want %d", k, codes[k], v)
		}
	}
	if v := f.value("Device.WiFi.SSID.1.SSID"); v != "Gatewarden-3456" {
		t.Errorf("SSID changed to %q", v)
	}
}

// Case 36: SPV listing the same parameter twice gives 9003.
func TestCase36SPVDuplicate(t *testing.T) {
	f := newFixture(t)
	_, err := f.tree.SetParameterValues(f.ctx, pvs(
		"Device.ManagementServer.PeriodicInformInterval", "60",
		"Device.ManagementServer.PeriodicInformInterval", "70",
	), "k")
	fault(t, err, cwmp.FaultInvalidArguments)
	if v := f.value("Device.ManagementServer.PeriodicInformInterval"); v != "3600" {
		t.Errorf("interval changed to %s", v)
	}
	if v := f.value("Device.ManagementServer.ParameterKey"); v != "" {
		t.Errorf("ParameterKey = %q", v)
	}
}

// Case 37: A successful SPV sets ManagementServer.ParameterKey to the
// request's key and returns Status 0, or 1 if a reboot is needed.
func TestCase37SPVStatusAndKey(t *testing.T) {
	f := newFixture(t)
	if st := f.spv("key-1", "Device.ManagementServer.PeriodicInformInterval", "600", "Device.WiFi.SSID.1.SSID", "home"); st != 0 {
		t.Fatalf("status %d", st)
	}
	if v := f.value("Device.ManagementServer.ParameterKey"); v != "key-1" {
		t.Fatalf("ParameterKey = %q", v)
	}
	// Persisted: a restart keeps the values and the key.
	f.reopen()
	for p, want := range map[string]string{
		"Device.ManagementServer.ParameterKey":           "key-1",
		"Device.ManagementServer.PeriodicInformInterval": "600",
		"Device.WiFi.SSID.1.SSID":                        "home",
	} {
		if v := f.value(p); v != want {
			t.Errorf("after restart %s = %q, want %q", p, v, want)
		}
	}
	// A binding that needs a reboot makes the status 1.
	r, err := platform.Registry(f.sim, model.ManagementDefaults{})
	if err != nil {
		t.Fatal(err)
	}
	r.Param("Device.DeviceInfo.HostName", model.Stored("gateway").RebootRequired())
	f.tree.Close()
	tree, err := model.New(f.ctx, r, model.Options{Store: f.st, Clock: f.clk})
	if err != nil {
		t.Fatal(err)
	}
	f.tree = tree
	if st := f.spv("key-2", "Device.DeviceInfo.HostName", "gw2", "Device.ManagementServer.PeriodicInformInterval", "700"); st != 1 {
		t.Fatalf("status %d, want 1", st)
	}
	if st := f.spv("key-3", "Device.ManagementServer.PeriodicInformInterval", "800"); st != 0 {
		t.Fatalf("status %d, want 0", st)
	}
}

// Case 38: SPV of PeriodicInformInterval=0 gives 9007, because the allowed
// range is [1:]. SPV of a string value into a boolean gives 9006 or 9007.
func TestCase38SPVBadValues(t *testing.T) {
	f := newFixture(t)
	for _, c := range []struct {
		pv   cwmp.ParameterValueStruct
		code cwmp.FaultCode
	}{
		{cwmp.ParameterValueStruct{Name: "Device.ManagementServer.PeriodicInformInterval", Value: "0", Type: "unsignedInt"}, 9007},
		{cwmp.ParameterValueStruct{Name: "Device.ManagementServer.PeriodicInformInterval", Value: "-5"}, 9007},
		{cwmp.ParameterValueStruct{Name: "Device.ManagementServer.PeriodicInformInterval", Value: "abc", Type: "string"}, 9006},
		{cwmp.ParameterValueStruct{Name: "Device.ManagementServer.EnableCWMP", Value: "yes", Type: "string"}, 9006},
		{cwmp.ParameterValueStruct{Name: "Device.ManagementServer.EnableCWMP", Value: "true", Type: "int"}, 9006},
		{cwmp.ParameterValueStruct{Name: "Device.WiFi.SSID.1.SSID", Value: "true", Type: "boolean"}, 9006},
		{cwmp.ParameterValueStruct{Name: "Device.WiFi.SSID.1.SSID", Value: "012345678901234567890123456789012"}, 9007},
		{cwmp.ParameterValueStruct{Name: "Device.WiFi.Radio.1.Channel", Value: "0"}, 9007},
		{cwmp.ParameterValueStruct{Name: "Device.ManagementServer.CWMPRetryIntervalMultiplier", Value: "999"}, 9007},
	} {
		_, err := f.tree.SetParameterValues(f.ctx, []cwmp.ParameterValueStruct{c.pv}, "k")
		flt := fault(t, err, cwmp.FaultInvalidArguments)
		if len(flt.SetParameterValuesFault) != 1 || flt.SetParameterValuesFault[0].FaultCode != c.code {
			t.Errorf("%+v: faults %+v, want %d", c.pv, flt.SetParameterValuesFault, c.code)
		}
	}
	// Declared as string (or not declared) is fine when the value parses.
	f.spv("k", "Device.ManagementServer.EnableCWMP", "1")
	if _, err := f.tree.SetParameterValues(f.ctx, []cwmp.ParameterValueStruct{{Name: "Device.ManagementServer.PeriodicInformInterval", Value: "30", Type: "string"}}, "k"); err != nil {
		t.Fatal(err)
	}
	if v := f.value("Device.ManagementServer.ParameterKey"); v != "k" {
		t.Errorf("ParameterKey %q", v)
	}
}
