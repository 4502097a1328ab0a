package agent_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"gatewarden/cpe-agent/internal/acstest"
	"gatewarden/protocol/cwmp"
)

func gpn(path string, nextLevel bool) *cwmp.GetParameterNames {
	return &cwmp.GetParameterNames{ParameterPath: path, NextLevel: nextLevel}
}

func names(list []cwmp.ParameterInfoStruct) []string {
	out := make([]string, len(list))
	for i, p := range list {
		out[i] = p.Name
	}
	return out
}

func wantFault(t *testing.T, f *cwmp.Fault, code cwmp.FaultCode) {
	t.Helper()
	if f.FaultCode != code {
		t.Fatalf("fault %d %q, want %d", f.FaultCode, f.FaultString, code)
	}
}

// TestE2ECase28GPNNextLevel — §8 case 28: GPN on a partial path with
// NextLevel=true returns only the direct children; the path itself is not
// listed.
func TestE2ECase28GPNNextLevel(t *testing.T) {
	d := newDevice(t, deviceOpts{})
	s, _ := d.bootstrap()
	for _, c := range []struct {
		path string
		must []string
	}{
		{"Device.", []string{"Device.DeviceInfo.", "Device.ManagementServer.", "Device.IP.", "Device.WiFi.", "Device.RootDataModelVersion"}},
		{"Device.DeviceInfo.", []string{"Device.DeviceInfo.UpTime", "Device.DeviceInfo.SerialNumber", "Device.DeviceInfo.MemoryStatus."}},
		{"Device.IP.Interface.", []string{"Device.IP.Interface.1.", "Device.IP.Interface.2."}},
		{"Device.IP.Interface.1.", []string{"Device.IP.Interface.1.Enable", "Device.IP.Interface.1.IPv4Address."}},
	} {
		got := names(callOK[*cwmp.GetParameterNamesResponse](d, s, gpn(c.path, true)).ParameterList)
		if slices.Contains(got, c.path) {
			t.Errorf("GPN %s NextLevel=true lists the path itself", c.path)
		}
		for _, want := range c.must {
			if !slices.Contains(got, want) {
				t.Errorf("GPN %s NextLevel=true lacks %s: %v", c.path, want, got)
			}
		}
		for _, n := range got {
			rest, ok := strings.CutPrefix(n, c.path)
			if !ok || rest == "" || strings.Contains(strings.TrimSuffix(rest, "."), ".") {
				t.Errorf("GPN %s NextLevel=true lists %s, not a direct child", c.path, n)
			}
		}
	}
	d.end(s)
}

// TestE2ECase29GPNSubtree — §8 case 29: GPN on a partial path with
// NextLevel=false returns the object itself and the whole subtree.
func TestE2ECase29GPNSubtree(t *testing.T) {
	d := newDevice(t, deviceOpts{})
	s, _ := d.bootstrap()
	got := names(callOK[*cwmp.GetParameterNamesResponse](d, s, gpn("Device.WiFi.", false)).ParameterList)
	if len(got) == 0 || got[0] != "Device.WiFi." {
		t.Fatalf("GPN Device.WiFi. NextLevel=false starts with %v, want the object itself", got[:min(1, len(got))])
	}
	for _, want := range []string{"Device.WiFi.Radio.", "Device.WiFi.Radio.1.", "Device.WiFi.Radio.1.Channel",
		"Device.WiFi.SSID.1.SSID", "Device.WiFi.AccessPoint.1.Security.", "Device.WiFi.AccessPoint.1.Security.KeyPassphrase",
		"Device.WiFi.SSID.1.Stats.BytesSent"} {
		if !slices.Contains(got, want) {
			t.Errorf("subtree lacks %s", want)
		}
	}
	// Every parameter of the subtree is listed: the same set GPV returns.
	var params []string
	for _, n := range got {
		if !strings.HasPrefix(n, "Device.WiFi.") {
			t.Errorf("%s is outside the subtree", n)
		}
		if !strings.HasSuffix(n, ".") {
			params = append(params, n)
		}
	}
	pv := callOK[*cwmp.GetParameterValuesResponse](d, s, gpv("Device.WiFi."))
	gpvNames := make([]string, len(pv.ParameterList))
	for i, p := range pv.ParameterList {
		gpvNames[i] = p.Name
	}
	slices.Sort(params)
	slices.Sort(gpvNames)
	if !slices.Equal(params, gpvNames) {
		t.Errorf("GPN lists %d parameters, GPV returns %d", len(params), len(gpvNames))
	}
	d.end(s)
}

// TestE2ECase30GPNFaults — §8 case 30: GPN on a full parameter name with
// NextLevel=true gives fault 9003. GPN on a nonexistent path gives 9005.
func TestE2ECase30GPNFaults(t *testing.T) {
	d := newDevice(t, deviceOpts{})
	s, _ := d.bootstrap()
	wantFault(t, d.callFault(s, gpn("Device.DeviceInfo.UpTime", true)), cwmp.FaultInvalidArguments)
	for _, p := range []string{"Device.Nonexistent.", "Device.IP.Interface.99.", "Device.DeviceInfo.Nope", "InternetGatewayDevice."} {
		wantFault(t, d.callFault(s, gpn(p, false)), cwmp.FaultInvalidParameterName)
		wantFault(t, d.callFault(s, gpn(p, true)), cwmp.FaultInvalidParameterName)
	}
	// The full name with NextLevel=false is fine: itself, read-only.
	got := callOK[*cwmp.GetParameterNamesResponse](d, s, gpn("Device.DeviceInfo.UpTime", false)).ParameterList
	if len(got) != 1 || got[0] != (cwmp.ParameterInfoStruct{Name: "Device.DeviceInfo.UpTime"}) {
		t.Fatalf("GPN of a full name, NextLevel=false: %+v", got)
	}
	d.end(s)
}

// TestE2ECase31GPNRoot — §8 case 31: GPN with ParameterPath="" and
// NextLevel=true returns exactly Device..
func TestE2ECase31GPNRoot(t *testing.T) {
	d := newDevice(t, deviceOpts{})
	s, _ := d.bootstrap()
	got := callOK[*cwmp.GetParameterNamesResponse](d, s, gpn("", true)).ParameterList
	if len(got) != 1 || got[0].Name != "Device." {
		t.Fatalf("GPN \"\" NextLevel=true: %+v, want exactly Device.", got)
	}
	// The whole tree, as a sanity check that the answer fits a session.
	all := callOK[*cwmp.GetParameterNamesResponse](d, s, gpn("", false)).ParameterList
	if len(all) < 300 || all[0].Name != "Device." {
		t.Fatalf("GPN \"\" NextLevel=false: %d entries", len(all))
	}
	d.end(s)
}

// TestE2ECase32GPNWritable — §8 case 32: GPN Writable is true for
// Device.IP.Interface. (AddObject allowed) and false for a read-only table
// such as Device.Ethernet.Interface..
func TestE2ECase32GPNWritable(t *testing.T) {
	d := newDevice(t, deviceOpts{})
	s, _ := d.bootstrap()
	w := map[string]bool{}
	for _, path := range []string{"Device.IP.", "Device.Ethernet.", "Device.WiFi.SSID.1."} {
		for _, p := range callOK[*cwmp.GetParameterNamesResponse](d, s, gpn(path, false)).ParameterList {
			w[p.Name] = p.Writable
		}
	}
	for name, want := range map[string]bool{
		"Device.IP.Interface.":         true,
		"Device.IP.Interface.1.":       true,
		"Device.Ethernet.Interface.":   false,
		"Device.Ethernet.Interface.1.": false,
		"Device.WiFi.SSID.1.SSID":      true,
		"Device.WiFi.SSID.1.BSSID":     false,
	} {
		got, ok := w[name]
		switch {
		case !ok:
			t.Errorf("%s not listed", name)
		case got != want:
			t.Errorf("%s Writable=%v, want %v", name, got, want)
		}
	}
	// What GPN says is what AddObject does.
	callOK[*cwmp.AddObjectResponse](d, s, &cwmp.AddObject{ObjectName: "Device.IP.Interface.", ParameterKey: "k32"})
	d.callFault(s, &cwmp.AddObject{ObjectName: "Device.Ethernet.Interface.", ParameterKey: "k32"})
	d.end(s)
}

// TestE2ECase33GPVInvalidName — §8 case 33: GPV with one valid and one
// invalid name gives 9005, with no partial results.
func TestE2ECase33GPVInvalidName(t *testing.T) {
	d := newDevice(t, deviceOpts{})
	s, _ := d.bootstrap()
	for _, bad := range []string{"Device.DeviceInfo.Nope", "Device.IP.Interface.7.Name", "Device.Bogus."} {
		ans := d.call(s, gpv("Device.DeviceInfo.UpTime", bad))
		f := ans.Fault()
		if f == nil {
			t.Fatalf("GPV with %s answered with %s", bad, ans.RPC())
		}
		wantFault(t, f, cwmp.FaultInvalidParameterName)
		if strings.Contains(string(ans.Body), "ParameterValueStruct") {
			t.Fatalf("the fault carries values:\n%s", ans.Body)
		}
	}
	d.end(s)
}

// TestE2ECase34GPVHiddenSecured — §8 case 34: GPV on
// Device.ManagementServer. returns Password and ConnectionRequestPassword
// as empty strings. WiFi.AccessPoint.1.Security.KeyPassphrase is also
// empty.
func TestE2ECase34GPVHiddenSecured(t *testing.T) {
	d := newDevice(t, deviceOpts{})
	s, _ := d.bootstrap() // sets ConnectionRequestPassword
	callOK[*cwmp.SetParameterValuesResponse](d, s, spv("k34",
		"Device.ManagementServer.Password", "acs-secret",
		"Device.WiFi.AccessPoint.1.Security.KeyPassphrase", "correct horse battery"))
	ans := d.call(s, gpv("Device.ManagementServer.", "Device.WiFi.AccessPoint.1.Security."))
	got := values(ans.Envelope.Body.(*cwmp.GetParameterValuesResponse).ParameterList)
	for _, p := range []string{"Device.ManagementServer.Password", "Device.ManagementServer.ConnectionRequestPassword", "Device.WiFi.AccessPoint.1.Security.KeyPassphrase"} {
		if v, ok := got[p]; !ok || v != "" {
			t.Errorf("%s = %q (listed %v), want listed and empty", p, v, ok)
		}
	}
	for _, secret := range []string{"acs-secret", "correct horse battery", crPass} {
		if strings.Contains(string(ans.Body), secret) {
			t.Errorf("a secret is on the wire: %q", secret)
		}
	}
	if got["Device.ManagementServer.ConnectionRequestUsername"] != crUser {
		t.Errorf("ConnectionRequestUsername %q", got["Device.ManagementServer.ConnectionRequestUsername"])
	}
	d.end(s)
	// The agent itself still uses the real password: the connection
	// request authenticates with it.
	s, _ = d.kick()
	d.end(s)
}

// TestE2ECase35SPVReadOnly — §8 case 35: SPV with one good and one
// read-only parameter gives fault 9003, which contains a
// SetParameterValuesFault with 9008 for the read-only one. Neither value
// changes and ParameterKey stays the same.
func TestE2ECase35SPVReadOnly(t *testing.T) {
	d := newDevice(t, deviceOpts{})
	s, _ := d.bootstrap()
	before := values(callOK[*cwmp.GetParameterValuesResponse](d, s, gpv("Device.ManagementServer.PeriodicInformInterval", "Device.ManagementServer.ParameterKey", "Device.DeviceInfo.ProvisioningCode")).ParameterList)
	f := d.callFault(s, spv("k35",
		"Device.ManagementServer.PeriodicInformInterval", "77",
		"Device.DeviceInfo.UpTime", "5"))
	wantFault(t, f, cwmp.FaultInvalidArguments)
	if len(f.SetParameterValuesFault) != 1 || f.SetParameterValuesFault[0].ParameterName != "Device.DeviceInfo.UpTime" ||
		f.SetParameterValuesFault[0].FaultCode != cwmp.FaultNonWritableParameter {
		t.Fatalf("SetParameterValuesFault %+v, want one 9008 for UpTime", f.SetParameterValuesFault)
	}
	after := values(callOK[*cwmp.GetParameterValuesResponse](d, s, gpv("Device.ManagementServer.PeriodicInformInterval", "Device.ManagementServer.ParameterKey", "Device.DeviceInfo.ProvisioningCode")).ParameterList)
	for k, v := range before {
		if after[k] != v {
			t.Errorf("%s changed from %q to %q", k, v, after[k])
		}
	}
	if after["Device.ManagementServer.ParameterKey"] != "bootstrap" {
		t.Errorf("ParameterKey %q, want the bootstrap SPV's", after["Device.ManagementServer.ParameterKey"])
	}
	d.end(s)
}

// TestE2ECase36SPVDuplicate — §8 case 36: SPV listing the same parameter
// twice gives 9003.
func TestE2ECase36SPVDuplicate(t *testing.T) {
	d := newDevice(t, deviceOpts{})
	s, _ := d.bootstrap()
	wantFault(t, d.callFault(s, spv("k36",
		"Device.ManagementServer.PeriodicInformInterval", "60",
		"Device.ManagementServer.PeriodicInformInterval", "70")), cwmp.FaultInvalidArguments)
	got := values(callOK[*cwmp.GetParameterValuesResponse](d, s, gpv("Device.ManagementServer.PeriodicInformInterval", "Device.ManagementServer.ParameterKey")).ParameterList)
	if got["Device.ManagementServer.PeriodicInformInterval"] != "3600" || got["Device.ManagementServer.ParameterKey"] != "bootstrap" {
		t.Fatalf("after the refused SPV: %v", got)
	}
	d.end(s)
}

// TestE2ECase37SPVStatusAndKey — §8 case 37: A successful SPV sets
// ManagementServer.ParameterKey to the request's key and returns Status 0,
// or 1 if a reboot is needed. The device gets one parameter whose change
// takes effect only after a reboot (DeviceInfo.HostName, bound
// RebootRequired over the sim).
func TestE2ECase37SPVStatusAndKey(t *testing.T) {
	d := newDevice(t, deviceOpts{wrap: withRebootParam})
	s, _ := d.bootstrap()
	resp := callOK[*cwmp.SetParameterValuesResponse](d, s, spv("key-37a",
		"Device.ManagementServer.PeriodicInformInterval", "1800",
		"Device.WiFi.SSID.1.SSID", "home-37"))
	if resp.Status != 0 {
		t.Fatalf("status %d, want 0", resp.Status)
	}
	got := values(callOK[*cwmp.GetParameterValuesResponse](d, s, gpv("Device.ManagementServer.ParameterKey", "Device.WiFi.SSID.1.SSID")).ParameterList)
	if got["Device.ManagementServer.ParameterKey"] != "key-37a" || got["Device.WiFi.SSID.1.SSID"] != "home-37" {
		t.Fatalf("after SPV: %v", got)
	}
	resp = callOK[*cwmp.SetParameterValuesResponse](d, s, spv("key-37b",
		rebootParam, "gw-37",
		"Device.ManagementServer.PeriodicInformInterval", "1700"))
	if resp.Status != 1 {
		t.Fatalf("status %d with a reboot-only parameter, want 1", resp.Status)
	}
	d.end(s)

	// The key is a forced Inform parameter: the next Inform reports it,
	// after a restart too.
	d.restart()
	s, inf := d.kick()
	if k := values(inf.ParameterList)["Device.ManagementServer.ParameterKey"]; k != "key-37b" {
		t.Fatalf("Inform's ParameterKey %q, want key-37b", k)
	}
	d.end(s)
}

// TestE2ECase38SPVBadValues — §8 case 38: SPV of
// PeriodicInformInterval=0 gives 9007, because the allowed range is [1:].
// SPV of a string value into a boolean gives 9006 or 9007.
func TestE2ECase38SPVBadValues(t *testing.T) {
	d := newDevice(t, deviceOpts{})
	s, _ := d.bootstrap()
	for _, c := range []struct {
		pv    cwmp.ParameterValueStruct
		codes []cwmp.FaultCode
	}{
		{cwmp.ParameterValueStruct{Name: "Device.ManagementServer.PeriodicInformInterval", Value: "0", Type: "unsignedInt"}, []cwmp.FaultCode{9007}},
		{cwmp.ParameterValueStruct{Name: "Device.ManagementServer.EnableCWMP", Value: "sometimes", Type: "string"}, []cwmp.FaultCode{9006, 9007}},
		{cwmp.ParameterValueStruct{Name: "Device.WiFi.SSID.1.Enable", Value: "maybe", Type: "string"}, []cwmp.FaultCode{9006, 9007}},
	} {
		req := &cwmp.SetParameterValues{ParameterList: []cwmp.ParameterValueStruct{c.pv}, ParameterKey: "k38"}
		f := d.callFault(s, req)
		wantFault(t, f, cwmp.FaultInvalidArguments)
		if len(f.SetParameterValuesFault) != 1 || f.SetParameterValuesFault[0].ParameterName != c.pv.Name ||
			!slices.Contains(c.codes, f.SetParameterValuesFault[0].FaultCode) {
			t.Errorf("SPV %s=%q: %+v, want one of %v", c.pv.Name, c.pv.Value, f.SetParameterValuesFault, c.codes)
		}
	}
	got := values(callOK[*cwmp.GetParameterValuesResponse](d, s, gpv("Device.ManagementServer.PeriodicInformInterval", "Device.ManagementServer.EnableCWMP", "Device.ManagementServer.ParameterKey")).ParameterList)
	if got["Device.ManagementServer.PeriodicInformInterval"] != "3600" || got["Device.ManagementServer.EnableCWMP"] != "true" || got["Device.ManagementServer.ParameterKey"] != "bootstrap" {
		t.Fatalf("after refused SPVs: %v", got)
	}
	d.end(s)
}

// TestE2ECase39AddObject — §8 case 39: AddObject on Device.IP.Interface.
// returns a new InstanceNumber ≥ 1 that differs from every earlier one,
// even after a DeleteObject. AddObject on a non-table gives 9005. The
// numbers are not reused after an agent restart or a reboot either.
func TestE2ECase39AddObject(t *testing.T) {
	d := newDevice(t, deviceOpts{})
	s, _ := d.bootstrap()
	seen := map[uint32]bool{}
	for _, n := range names(callOK[*cwmp.GetParameterNamesResponse](d, s, gpn("Device.IP.Interface.", true)).ParameterList) {
		i, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimPrefix(n, "Device.IP.Interface."), "."), 10, 32)
		if err != nil {
			t.Fatal(err)
		}
		seen[uint32(i)] = true
	}
	add := func(s *acstest.Session, key string) uint32 {
		t.Helper()
		r := callOK[*cwmp.AddObjectResponse](d, s, &cwmp.AddObject{ObjectName: "Device.IP.Interface.", ParameterKey: key})
		if r.InstanceNumber < 1 || seen[r.InstanceNumber] || r.Status != 0 {
			t.Fatalf("AddObject: instance %d status %d (seen %v)", r.InstanceNumber, r.Status, seen)
		}
		seen[r.InstanceNumber] = true
		return r.InstanceNumber
	}
	del := func(s *acstest.Session, n uint32) {
		t.Helper()
		callOK[*cwmp.DeleteObjectResponse](d, s, &cwmp.DeleteObject{ObjectName: "Device.IP.Interface." + strconv.Itoa(int(n)) + ".", ParameterKey: "del"})
	}
	a := add(s, "add-1")
	del(s, a)
	b := add(s, "add-2")
	del(s, b)
	for _, bad := range []string{"Device.DeviceInfo.", "Device.IP.Interface.1.", "Device.Nope."} {
		wantFault(t, d.callFault(s, &cwmp.AddObject{ObjectName: bad, ParameterKey: "bad"}), cwmp.FaultInvalidParameterName)
	}
	d.end(s)

	d.restart()
	s, _ = d.kick()
	add(s, "add-3")
	callOK[*cwmp.RebootResponse](d, s, &cwmp.Reboot{CommandKey: "r39"})
	d.end(s)
	s, ex, _ := d.inform()
	d.open(s, ex)
	add(s, "add-4")
	d.end(s)
}

// TestE2ECase40DeleteObject — §8 case 40: DeleteObject on an instance
// removes the whole subtree, so a later GPV on it gives 9005. Deleting a
// nonexistent instance gives 9005.
func TestE2ECase40DeleteObject(t *testing.T) {
	d := newDevice(t, deviceOpts{})
	s, _ := d.bootstrap()
	n := callOK[*cwmp.AddObjectResponse](d, s, &cwmp.AddObject{ObjectName: "Device.IP.Interface.", ParameterKey: "k1"}).InstanceNumber
	base := "Device.IP.Interface." + strconv.Itoa(int(n)) + "."
	callOK[*cwmp.AddObjectResponse](d, s, &cwmp.AddObject{ObjectName: base + "IPv4Address.", ParameterKey: "k2"})
	callOK[*cwmp.SetParameterValuesResponse](d, s, spv("k3", base+"IPv4Address.1.IPAddress", "10.40.0.1", base+"Enable", "true"))
	if r := callOK[*cwmp.DeleteObjectResponse](d, s, &cwmp.DeleteObject{ObjectName: base, ParameterKey: "k4"}); r.Status != 0 {
		t.Fatalf("DeleteObject status %d", r.Status)
	}
	for _, p := range []string{base, base + "Enable", base + "IPv4Address.", base + "IPv4Address.1.IPAddress"} {
		wantFault(t, d.callFault(s, gpv(p)), cwmp.FaultInvalidParameterName)
	}
	for _, bad := range []string{base, "Device.IP.Interface.77.", "Device.Ethernet.Interface.1."} {
		f := d.callFault(s, &cwmp.DeleteObject{ObjectName: bad, ParameterKey: "bad"})
		wantFault(t, f, cwmp.FaultInvalidParameterName)
	}
	key := values(callOK[*cwmp.GetParameterValuesResponse](d, s, gpv("Device.ManagementServer.ParameterKey")).ParameterList)
	if key["Device.ManagementServer.ParameterKey"] != "k4" {
		t.Fatalf("ParameterKey %q, want k4", key["Device.ManagementServer.ParameterKey"])
	}
	d.end(s)
	// Gone after a restart too.
	d.restart()
	s, _ = d.kick()
	wantFault(t, d.callFault(s, gpv(base)), cwmp.FaultInvalidParameterName)
	d.end(s)
}

func spa(name string, n cwmp.Notification) *cwmp.SetParameterAttributes {
	return &cwmp.SetParameterAttributes{ParameterList: []cwmp.SetParameterAttributesStruct{{Name: name, NotificationChange: true, Notification: n}}}
}

// TestE2ECase41CanDeny — §8 case 41: SPA setting Notification=2 on a
// canDeny parameter (e.g. Device.DeviceInfo.UpTime) gives 9009.
// Notification=1 on the same parameter succeeds.
func TestE2ECase41CanDeny(t *testing.T) {
	d := newDevice(t, deviceOpts{})
	s, _ := d.bootstrap()
	wantFault(t, d.callFault(s, spa("Device.DeviceInfo.UpTime", cwmp.NotificationActive)), cwmp.FaultNotificationRejected)
	callOK[*cwmp.SetParameterAttributesResponse](d, s, spa("Device.DeviceInfo.UpTime", cwmp.NotificationPassive))
	got := callOK[*cwmp.GetParameterAttributesResponse](d, s, &cwmp.GetParameterAttributes{ParameterNames: []string{"Device.DeviceInfo.UpTime"}}).ParameterList
	if len(got) != 1 || got[0].Notification != cwmp.NotificationPassive {
		t.Fatalf("GPA after SPA: %+v", got)
	}
	d.end(s)
}

// TestE2ECase42ActiveNotification — §8 case 42: After SPA Notification=2
// on Device.WiFi.SSID.1.SSID, a change from the local UI starts a session
// with 4 VALUE CHANGE and the new value. A change through SPV from the ACS
// causes no notification.
func TestE2ECase42ActiveNotification(t *testing.T) {
	d := newDevice(t, deviceOpts{})
	const ssid = "Device.WiFi.SSID.1.SSID"
	s, _ := d.bootstrap()
	callOK[*cwmp.SetParameterAttributesResponse](d, s, spa(ssid, cwmp.NotificationActive))
	d.end(s)

	d.localChange(ssid, "changed-on-the-box")
	s, ex, inf := d.inform()
	wantEvents(t, inf, "4 VALUE CHANGE")
	if v, ok := values(inf.ParameterList)[ssid]; !ok || v != "changed-on-the-box" {
		t.Fatalf("Inform carries %s=%q (%v), want the new value", ssid, v, ok)
	}
	d.finish(s, ex)

	// The ACS's own change is not reported back, nor is it by the poll.
	s, _ = d.kick()
	callOK[*cwmp.SetParameterValuesResponse](d, s, spv("k42", ssid, "set-by-acs"))
	d.end(s)
	d.clk.Advance(d.pollInterval())
	d.noSession()
	s, inf = d.kick()
	wantEvents(t, inf, "6 CONNECTION REQUEST")
	if _, ok := values(inf.ParameterList)[ssid]; ok {
		t.Fatal("the ACS's change is reported in the Inform")
	}
	d.end(s)
}

// TestE2EActiveChangeWhileInformInFlight — §8 case 42 again, with the
// second change made after the Inform carrying the first was built and
// before the ACS answered it: the new value must still start a session.
func TestE2EActiveChangeWhileInformInFlight(t *testing.T) {
	d := newDevice(t, deviceOpts{})
	const ssid = "Device.WiFi.SSID.1.SSID"
	s, _ := d.bootstrap()
	callOK[*cwmp.SetParameterAttributesResponse](d, s, spa(ssid, cwmp.NotificationActive))
	d.end(s)
	d.localChange(ssid, "v1")
	s, ex, inf := d.inform()
	if v := values(inf.ParameterList)[ssid]; v != "v1" {
		t.Fatalf("first Inform carries %q", v)
	}
	d.localChange(ssid, "v2") // the Inform is built, not yet answered
	d.open(s, ex)
	d.end(s)
	s, ex, inf = d.inform()
	wantEvents(t, inf, "4 VALUE CHANGE")
	if v := values(inf.ParameterList)[ssid]; v != "v2" {
		t.Fatalf("second Inform carries %q, want v2", v)
	}
	d.finish(s, ex)
}

// TestE2ECase43PassiveNotification — §8 case 43: After SPA
// Notification=1, a local change starts no session. The change shows up in
// the next periodic Inform with 4 VALUE CHANGE.
//
// It also survives an agent restart; the restart itself then reports it,
// since the session package opens a session when it starts with events
// queued (its doc.go, "When sessions happen").
func TestE2ECase43PassiveNotification(t *testing.T) {
	d := newDevice(t, deviceOpts{})
	const ssid = "Device.WiFi.SSID.1.SSID"
	s, _ := d.bootstrap()
	callOK[*cwmp.SetParameterAttributesResponse](d, s, spa(ssid, cwmp.NotificationPassive))
	d.end(s)

	d.localChange(ssid, "first")
	d.localChange(ssid, "second")
	d.noSession()

	// The periodic interval is an hour (factory default), its phase
	// random: within an hour one periodic Inform is due.
	d.clk.Advance(d.cfg.PeriodicInformInterval)
	s, ex, inf := d.inform()
	wantEvents(t, inf, "2 PERIODIC", "4 VALUE CHANGE")
	if v := values(inf.ParameterList)[ssid]; v != "second" {
		t.Fatalf("Inform carries %s=%q, want the latest value", ssid, v)
	}
	d.finish(s, ex)
	// Delivered: the next Inform does not carry it again.
	s, inf = d.kick()
	wantEvents(t, inf, "6 CONNECTION REQUEST")
	if _, ok := values(inf.ParameterList)[ssid]; ok {
		t.Fatal("a delivered change is reported again")
	}
	d.end(s)

	// A change pending across an agent restart is not lost.
	d.localChange(ssid, "third")
	d.noSession()
	d.restart()
	s, ex, inf = d.inform()
	wantEvents(t, inf, "4 VALUE CHANGE")
	if v := values(inf.ParameterList)[ssid]; v != "third" {
		t.Fatalf("after a restart the Inform carries %s=%q, want third", ssid, v)
	}
	d.finish(s, ex)
}

// TestE2ECase44AttributesPersist — §8 case 44: GPA returns Notification
// and AccessList as set, and they survive a reboot: an agent restart, a
// power cycle and a Reboot RPC.
func TestE2ECase44AttributesPersist(t *testing.T) {
	d := newDevice(t, deviceOpts{})
	s, _ := d.bootstrap()
	callOK[*cwmp.SetParameterAttributesResponse](d, s, &cwmp.SetParameterAttributes{ParameterList: []cwmp.SetParameterAttributesStruct{
		{Name: "Device.WiFi.SSID.1.SSID", NotificationChange: true, Notification: cwmp.NotificationActive},
		{Name: "Device.ManagementServer.PeriodicInformInterval", NotificationChange: true, Notification: cwmp.NotificationPassive, AccessListChange: true, AccessList: []string{"Subscriber"}},
		{Name: "Device.IP.Interface.1.MaxMTUSize", AccessListChange: true, AccessList: []string{"Subscriber"}},
	}})
	want := []cwmp.ParameterAttributeStruct{
		{Name: "Device.WiFi.SSID.1.SSID", Notification: cwmp.NotificationActive},
		{Name: "Device.ManagementServer.PeriodicInformInterval", Notification: cwmp.NotificationPassive, AccessList: []string{"Subscriber"}},
		{Name: "Device.IP.Interface.1.MaxMTUSize", Notification: cwmp.NotificationOff, AccessList: []string{"Subscriber"}},
	}
	check := func(s *acstest.Session, when string) {
		t.Helper()
		req := &cwmp.GetParameterAttributes{}
		for _, w := range want {
			req.ParameterNames = append(req.ParameterNames, w.Name)
		}
		got := callOK[*cwmp.GetParameterAttributesResponse](d, s, req).ParameterList
		if len(got) != len(want) {
			t.Fatalf("%s: GPA %+v", when, got)
		}
		for i := range want {
			if got[i].Name != want[i].Name || got[i].Notification != want[i].Notification || !slices.Equal(got[i].AccessList, want[i].AccessList) {
				t.Errorf("%s: %+v, want %+v", when, got[i], want[i])
			}
		}
	}
	check(s, "in the same session")
	d.end(s)

	d.restart()
	s, _ = d.kick()
	check(s, "after an agent restart")
	callOK[*cwmp.RebootResponse](d, s, &cwmp.Reboot{CommandKey: "r44"})
	d.end(s)

	s, ex, inf := d.inform()
	wantEvents(t, inf, "1 BOOT", "M Reboot/r44")
	d.open(s, ex)
	check(s, "after the Reboot RPC")
	d.end(s)

	d.stop()
	if err := d.sim().Reboot(d.ctx()); err != nil {
		t.Fatal(err)
	}
	d.start()
	s, ex, _ = d.inform()
	d.open(s, ex)
	check(s, "after a power cycle")
	d.end(s)

	// And the attribute still works: a local change notifies at once.
	d.localChange("Device.WiFi.SSID.1.SSID", "after-reboots")
	s, ex, inf = d.inform()
	wantEvents(t, inf, "4 VALUE CHANGE")
	d.finish(s, ex)
}
