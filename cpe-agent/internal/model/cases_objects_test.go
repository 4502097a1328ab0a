package model_test

import (
	"testing"

	"gatewarden/protocol/cwmp"
)

// Case 39: AddObject on Device.IP.Interface. returns a new InstanceNumber
// >= 1 that differs from every earlier one, even after a DeleteObject.
// AddObject on a non-table gives 9005.
func TestCase39AddObject(t *testing.T) {
	f := newFixture(t)
	seen := map[uint32]bool{1: true, 2: true} // the factory LAN and WAN
	add := func(key string) uint32 {
		t.Helper()
		n, status, err := f.tree.AddObject(f.ctx, "Device.IP.Interface.", key)
		if err != nil || status != 0 {
			t.Fatalf("AddObject: %d %d %v", n, status, err)
		}
		if n < 1 || seen[n] {
			t.Fatalf("instance %d reused or invalid (seen %v)", n, seen)
		}
		seen[n] = true
		if v := f.value("Device.ManagementServer.ParameterKey"); v != key {
			t.Fatalf("ParameterKey %q, want %q", v, key)
		}
		return n
	}
	a := add("add-1")
	// New instances start from the schema's defaults.
	base := "Device.IP.Interface." + itoa(a) + "."
	for p, want := range map[string]string{"Enable": "false", "Status": "Down", "Alias": "cpe-" + itoa(a), "LowerLayers": "", "MaxMTUSize": "1500", "IPv4AddressNumberOfEntries": "0"} {
		if v := f.value(base + p); v != want {
			t.Errorf("%s%s = %q, want %q", base, p, v, want)
		}
	}
	if _, err := f.tree.DeleteObject(f.ctx, base, "del-1"); err != nil {
		t.Fatal(err)
	}
	b := add("add-2")
	if b <= a {
		t.Fatalf("after delete got %d, earlier %d", b, a)
	}
	// Numbers survive a restart: the deleted one is not handed out again.
	if _, err := f.tree.DeleteObject(f.ctx, "Device.IP.Interface."+itoa(b)+".", "del-2"); err != nil {
		t.Fatal(err)
	}
	f.reopen()
	c := add("add-3")
	if c <= b {
		t.Fatalf("after restart got %d, earlier %d", c, b)
	}
	// Nested managed tables count on their own.
	n, _, err := f.tree.AddObject(f.ctx, "Device.IP.Interface."+itoa(c)+".IPv4Address.", "k")
	if err != nil || n != 1 {
		t.Fatalf("nested AddObject: %d %v", n, err)
	}
	for _, bad := range []string{"Device.DeviceInfo.", "Device.Ethernet.Interface.", "Device.IP.Interface.1.", "Device.IP.Interface", "Device.Nope.", "Device.IP.Interface.99.IPv4Address.", "Device.DeviceInfo.UpTime"} {
		_, _, err := f.tree.AddObject(f.ctx, bad, "bad")
		fault(t, err, cwmp.FaultInvalidParameterName)
	}
	if v := f.value("Device.ManagementServer.ParameterKey"); v != "k" {
		t.Errorf("a failed AddObject changed ParameterKey to %q", v)
	}
}

// Case 40: DeleteObject on an instance removes the whole subtree, so a
// later GPV on it gives 9005. Deleting a nonexistent instance gives 9005.
func TestCase40DeleteObject(t *testing.T) {
	f := newFixture(t)
	n, _, err := f.tree.AddObject(f.ctx, "Device.IP.Interface.", "k1")
	if err != nil {
		t.Fatal(err)
	}
	base := "Device.IP.Interface." + itoa(n) + "."
	if _, _, err := f.tree.AddObject(f.ctx, base+"IPv4Address.", "k2"); err != nil {
		t.Fatal(err)
	}
	f.spv("k3", base+"IPv4Address.1.IPAddress", "10.1.2.3", base+"Enable", "true")
	if err := f.tree.SetParameterAttributes(f.ctx, []cwmp.SetParameterAttributesStruct{{Name: base + "Enable", NotificationChange: true, Notification: 1}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.tree.DeleteObject(f.ctx, base, "k4"); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{base, base + "Enable", base + "IPv4Address.1.IPAddress", base + "IPv4Address."} {
		_, err := f.tree.GetParameterValues(f.ctx, []string{p})
		fault(t, err, cwmp.FaultInvalidParameterName)
	}
	if v := f.value("Device.ManagementServer.ParameterKey"); v != "k4" {
		t.Errorf("ParameterKey %q", v)
	}
	for _, bad := range []string{base, "Device.IP.Interface.77.", "Device.Ethernet.Interface.1.", "Device.IP.Interface.", "Device.DeviceInfo.", "Device.Hosts.Host.1."} {
		_, err := f.tree.DeleteObject(f.ctx, bad, "bad")
		fault(t, err, cwmp.FaultInvalidParameterName)
	}
	// Nothing of the subtree survives a restart either.
	f.reopen()
	_, err = f.tree.GetParameterValues(f.ctx, []string{base})
	fault(t, err, cwmp.FaultInvalidParameterName)
	attrs, err := f.tree.GetParameterAttributes(f.ctx, []string{"Device.IP."})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range attrs {
		if a.Notification != 0 {
			t.Errorf("attribute survived: %+v", a)
		}
	}
	// Deleting a factory instance works and it stays deleted.
	if _, err := f.tree.DeleteObject(f.ctx, "Device.IP.Interface.2.", "k5"); err != nil {
		t.Fatal(err)
	}
	f.reopen()
	got, err := f.tree.GetParameterNames(f.ctx, "Device.IP.Interface.", true)
	if err != nil || len(got) != 1 || got[0].Name != "Device.IP.Interface.1." {
		t.Fatalf("after deleting the WAN: %v %v", got, err)
	}
}

func itoa(n uint32) string {
	const digits = "0123456789"
	if n < 10 {
		return digits[n : n+1]
	}
	return itoa(n/10) + digits[n%10:n%10+1]
}
