package model_test

import (
	"slices"
	"testing"

	"gatewarden/protocol/cwmp"
)

func spa(name string, n cwmp.Notification) cwmp.SetParameterAttributesStruct {
	return cwmp.SetParameterAttributesStruct{Name: name, NotificationChange: true, Notification: n}
}

// Case 41: SPA setting Notification=2 on a canDeny parameter (e.g.
// Device.DeviceInfo.UpTime) gives 9009. Notification=1 on the same
// parameter succeeds.
func TestCase41CanDeny(t *testing.T) {
	f := newFixture(t)
	err := f.tree.SetParameterAttributes(f.ctx, []cwmp.SetParameterAttributesStruct{spa("Device.DeviceInfo.UpTime", 2)})
	fault(t, err, cwmp.FaultNotificationRejected)
	// The whole request is refused: the good entry next to it is not applied.
	err = f.tree.SetParameterAttributes(f.ctx, []cwmp.SetParameterAttributesStruct{spa("Device.WiFi.SSID.1.SSID", 1), spa("Device.DeviceInfo.UpTime", 2)})
	fault(t, err, cwmp.FaultNotificationRejected)
	if err := f.tree.SetParameterAttributes(f.ctx, []cwmp.SetParameterAttributesStruct{spa("Device.DeviceInfo.UpTime", 1)}); err != nil {
		t.Fatal(err)
	}
	got, err := f.tree.GetParameterAttributes(f.ctx, []string{"Device.DeviceInfo.UpTime", "Device.WiFi.SSID.1.SSID"})
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Notification != 1 || got[1].Notification != 0 {
		t.Fatalf("attributes %+v", got)
	}
	// Passive on UpTime: the poll reports the clock moving it.
	f.clk.Advance(60e9)
	if err := f.tree.Poll(f.ctx); err != nil {
		t.Fatal(err)
	}
	if c := f.changes(); !slices.Equal(c, []bool{false}) {
		t.Fatalf("OnValueChange calls %v, want one passive", c)
	}
	// Notification values outside 0-6 are invalid arguments; unknown names 9005.
	fault(t, f.tree.SetParameterAttributes(f.ctx, []cwmp.SetParameterAttributesStruct{spa("Device.DeviceInfo.UpTime", 7)}), cwmp.FaultInvalidArguments)
	fault(t, f.tree.SetParameterAttributes(f.ctx, []cwmp.SetParameterAttributesStruct{spa("Device.Nope", 1)}), cwmp.FaultInvalidParameterName)
	// forceEnabled: active cannot be switched off by name.
	fault(t, f.tree.SetParameterAttributes(f.ctx, []cwmp.SetParameterAttributesStruct{spa("Device.DeviceInfo.SoftwareVersion", 0)}), cwmp.FaultNotificationRejected)
	// Through a partial path, refused values are skipped and the rest applies.
	if err := f.tree.SetParameterAttributes(f.ctx, []cwmp.SetParameterAttributesStruct{spa("Device.DeviceInfo.", 2)}); err != nil {
		t.Fatal(err)
	}
	got, err = f.tree.GetParameterAttributes(f.ctx, []string{"Device.DeviceInfo.UpTime", "Device.DeviceInfo.ModelName", "Device.DeviceInfo.SoftwareVersion"})
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Notification != 1 || got[1].Notification != 2 || got[2].Notification != 2 {
		t.Fatalf("after partial-path SPA: %+v", got)
	}
}

// Case 42: After SPA Notification=2 on Device.WiFi.SSID.1.SSID, a change
// from the local UI starts a session with 4 VALUE CHANGE and the new value.
// A change through SPV from the ACS causes no notification.
func TestCase42ActiveNotification(t *testing.T) {
	f := newFixture(t)
	const ssid = "Device.WiFi.SSID.1.SSID"
	if err := f.tree.SetParameterAttributes(f.ctx, []cwmp.SetParameterAttributesStruct{spa(ssid, 2)}); err != nil {
		t.Fatal(err)
	}
	if err := f.sim.LocalChange(f.ctx, ssid, "changed-locally"); err != nil {
		t.Fatal(err)
	}
	if c := f.changes(); !slices.Equal(c, []bool{true}) {
		t.Fatalf("OnValueChange calls %v, want one active", c)
	}
	if !f.tree.HasPendingChanges() {
		t.Fatal("no pending change")
	}
	pv, err := f.tree.InformParameters(f.ctx, []cwmp.EventCode{"4 VALUE CHANGE"})
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := valueMap(pv)[ssid]; !ok || v != "changed-locally" {
		t.Fatalf("Inform lacks the change: %v", pv)
	}
	if err := f.tree.InformDelivered(f.ctx); err != nil {
		t.Fatal(err)
	}
	if f.tree.HasPendingChanges() {
		t.Fatal("change still pending after delivery")
	}
	// The ACS's own change is not reported back, by Notify or by the poll.
	f.spv("k", ssid, "set-by-acs")
	if err := f.tree.Notify(f.ctx, ssid); err != nil {
		t.Fatal(err)
	}
	if err := f.tree.Poll(f.ctx); err != nil {
		t.Fatal(err)
	}
	if c := f.changes(); len(c) != 0 || f.tree.HasPendingChanges() {
		t.Fatalf("ACS change notified: %v pending=%v", c, f.tree.HasPendingChanges())
	}
	pv, err = f.tree.InformParameters(f.ctx, []cwmp.EventCode{"4 VALUE CHANGE"})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := valueMap(pv)[ssid]; ok {
		t.Fatal("ACS change reported in the Inform")
	}
}

// Case 43: After SPA Notification=1, a local change starts no session. The
// change shows up in the next periodic Inform with 4 VALUE CHANGE.
func TestCase43PassiveNotification(t *testing.T) {
	f := newFixture(t)
	const ssid = "Device.WiFi.SSID.1.SSID"
	if err := f.tree.SetParameterAttributes(f.ctx, []cwmp.SetParameterAttributesStruct{spa(ssid, 1)}); err != nil {
		t.Fatal(err)
	}
	if err := f.sim.LocalChange(f.ctx, ssid, "first"); err != nil {
		t.Fatal(err)
	}
	if err := f.sim.LocalChange(f.ctx, ssid, "second"); err != nil {
		t.Fatal(err)
	}
	if c := f.changes(); !slices.Equal(c, []bool{false}) {
		t.Fatalf("OnValueChange calls %v, want one passive", c)
	}
	// A kill -9 before the Inform does not lose the change.
	f.reopen()
	if !f.tree.HasPendingChanges() {
		t.Fatal("pending change lost across restart")
	}
	pv, err := f.tree.InformParameters(f.ctx, []cwmp.EventCode{"2 PERIODIC", "4 VALUE CHANGE"})
	if err != nil {
		t.Fatal(err)
	}
	if v := valueMap(pv)[ssid]; v != "second" {
		t.Fatalf("Inform carries %q, want the latest value", v)
	}
	// Without 4 VALUE CHANGE the Inform does not carry it.
	pv, err = f.tree.InformParameters(f.ctx, []cwmp.EventCode{"2 PERIODIC"})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := valueMap(pv)[ssid]; ok {
		t.Fatal("carried without 4 VALUE CHANGE")
	}
	// Delivery of an Inform without it clears nothing.
	if err := f.tree.InformDelivered(f.ctx); err != nil || !f.tree.HasPendingChanges() {
		t.Fatalf("pending cleared by an Inform that did not carry it: %v", err)
	}
	// A new boot discards pending changes.
	if err := f.tree.DiscardPendingChanges(f.ctx); err != nil || f.tree.HasPendingChanges() {
		t.Fatalf("discard: %v", err)
	}
	f.reopen()
	if f.tree.HasPendingChanges() {
		t.Fatal("discarded change came back")
	}
}

// Case 44: GPA returns Notification and AccessList as set, and they
// survive a reboot.
func TestCase44AttributesPersist(t *testing.T) {
	f := newFixture(t)
	err := f.tree.SetParameterAttributes(f.ctx, []cwmp.SetParameterAttributesStruct{
		spa("Device.WiFi.SSID.1.SSID", 2),
		{Name: "Device.ManagementServer.PeriodicInformInterval", NotificationChange: true, Notification: 1, AccessListChange: true, AccessList: []string{"Subscriber"}},
		{Name: "Device.IP.Interface.1.", AccessListChange: true, AccessList: []string{"Subscriber", "X_UNKNOWN"}},
		spa("Device.ManagementServer.ConnectionRequestURL", 0), // forceDefaultEnabled: may be switched off
	})
	if err != nil {
		t.Fatal(err)
	}
	check := func(when string) {
		t.Helper()
		got, err := f.tree.GetParameterAttributes(f.ctx, []string{
			"Device.WiFi.SSID.1.SSID", "Device.ManagementServer.PeriodicInformInterval",
			"Device.IP.Interface.1.MaxMTUSize", "Device.ManagementServer.ConnectionRequestURL", "Device.DeviceInfo.SoftwareVersion",
		})
		if err != nil {
			t.Fatal(err)
		}
		want := []cwmp.ParameterAttributeStruct{
			{Name: "Device.WiFi.SSID.1.SSID", Notification: 2},
			{Name: "Device.ManagementServer.PeriodicInformInterval", Notification: 1, AccessList: []string{"Subscriber"}},
			{Name: "Device.IP.Interface.1.MaxMTUSize", Notification: 0, AccessList: []string{"Subscriber", "X_UNKNOWN"}},
			{Name: "Device.ManagementServer.ConnectionRequestURL", Notification: 0},
			{Name: "Device.DeviceInfo.SoftwareVersion", Notification: 2},
		}
		for i := range want {
			if got[i].Name != want[i].Name || got[i].Notification != want[i].Notification || !slices.Equal(got[i].AccessList, want[i].AccessList) {
				t.Errorf("%s: %+v, want %+v", when, got[i], want[i])
			}
		}
	}
	check("at once")
	f.reopen()
	check("after an agent restart")
	if err := f.sim.Reboot(f.ctx); err != nil {
		t.Fatal(err)
	}
	f.reopen()
	check("after a reboot")
	// The switched-off forceDefaultEnabled parameter no longer notifies.
	if err := f.tree.SetLocal(f.ctx, map[string]string{"Device.ManagementServer.ConnectionRequestURL": "http://x:7547/"}); err != nil {
		t.Fatal(err)
	}
	if c := f.changes(); len(c) != 0 {
		t.Fatalf("OnValueChange %v", c)
	}
	// A factory reset restores the defaults.
	if err := f.st.Wipe(nil); err != nil {
		t.Fatal(err)
	}
	if err := f.sim.FactoryReset(f.ctx); err != nil {
		t.Fatal(err)
	}
	f.reopen()
	got, err := f.tree.GetParameterAttributes(f.ctx, []string{"Device.WiFi.SSID.1.SSID", "Device.ManagementServer.ConnectionRequestURL", "Device.IP.Interface.1.Enable"})
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Notification != 0 || got[1].Notification != 2 || got[2].AccessList != nil {
		t.Fatalf("after factory reset: %+v", got)
	}
}
