package model_test

import (
	"slices"
	"strconv"
	"testing"

	"gatewarden/protocol/cwmp"
	"gatewarden/protocol/datamodel"
)

// Case 24: Every Inform contains the 7 forced-inform parameters of TR-181,
// e.g. Device.ManagementServer.ConnectionRequestURL and
// Device.DeviceInfo.SoftwareVersion.
func TestCase24ForcedInformParameters(t *testing.T) {
	f := newFixture(t)
	want := []string{
		"Device.RootDataModelVersion",
		"Device.DeviceInfo.HardwareVersion",
		"Device.DeviceInfo.SoftwareVersion",
		"Device.DeviceInfo.ProvisioningCode",
		"Device.ManagementServer.ParameterKey",
		"Device.ManagementServer.ConnectionRequestURL",
		"Device.ManagementServer.AliasBasedAddressing",
	}
	// The schema must agree with the digest's list: the tree takes it from
	// the schema.
	var schemaForced []string
	for _, n := range datamodel.TR181().ForcedInform() {
		schemaForced = append(schemaForced, n.Path())
	}
	if !sameSet(schemaForced, want) {
		t.Fatalf("schema forced inform = %v", schemaForced)
	}
	if err := f.tree.SetLocal(f.ctx, map[string]string{"Device.ManagementServer.ConnectionRequestURL": "http://10.0.0.1:7547/abc"}); err != nil {
		t.Fatal(err)
	}
	for _, events := range [][]cwmp.EventCode{{"0 BOOTSTRAP", "1 BOOT"}, {"2 PERIODIC"}, {"6 CONNECTION REQUEST"}} {
		pv, err := f.tree.InformParameters(f.ctx, events)
		if err != nil {
			t.Fatal(err)
		}
		got := valueMap(pv)
		for _, w := range want {
			if _, ok := got[w]; !ok {
				t.Errorf("events %v: Inform lacks %s", events, w)
			}
		}
		if len(pv) != len(want) {
			t.Errorf("events %v: %d parameters, want %d: %v", events, len(pv), len(want), pv)
		}
		if got["Device.ManagementServer.ConnectionRequestURL"] != "http://10.0.0.1:7547/abc" || got["Device.DeviceInfo.SoftwareVersion"] != "1.0.0" {
			t.Errorf("values: %v", got)
		}
	}
	id, err := f.tree.DeviceID(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if id != (cwmp.DeviceIdStruct{Manufacturer: "Gatewarden", OUI: "02A0C5", ProductClass: "GW-SIM", SerialNumber: "SIM123456"}) {
		t.Fatalf("DeviceID = %+v", id)
	}
}

// Case 27: An InformParameter.{i} with an empty EventList adds its
// parameter to a PERIODIC Inform. One whose EventList is "2 PERIODIC" does
// not add it to a BOOT-only Inform.
func TestCase27InformParameterEventList(t *testing.T) {
	f := newFixture(t)
	add := func(name, events string) string {
		n, _, err := f.tree.AddObject(f.ctx, "Device.ManagementServer.InformParameter.", "")
		if err != nil {
			t.Fatal(err)
		}
		base := "Device.ManagementServer.InformParameter." + strconv.Itoa(int(n)) + "."
		f.spv("k", base+"Enable", "true", base+"ParameterName", name, base+"EventList", events)
		return base
	}
	add("Device.DeviceInfo.UpTime", "")
	add("Device.DeviceInfo.MemoryStatus.Free", "2 PERIODIC")
	add("Device.Ethernet.Interface.*.Status", "1 BOOT")
	disabled := add("Device.WiFi.SSID.1.SSID", "")
	f.spv("k", disabled+"Enable", "false")
	add("Device.DeviceInfo.HardwareVersion", "") // forced anyway: listed once

	names := func(events ...cwmp.EventCode) []string {
		pv, err := f.tree.InformParameters(f.ctx, events)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, p := range pv {
			if slices.Contains(out, p.Name) {
				t.Errorf("%s listed twice", p.Name)
			}
			out = append(out, p.Name)
		}
		return out
	}
	periodic := names("2 PERIODIC")
	for _, want := range []string{"Device.DeviceInfo.UpTime", "Device.DeviceInfo.MemoryStatus.Free"} {
		if !slices.Contains(periodic, want) {
			t.Errorf("PERIODIC Inform lacks %s: %v", want, periodic)
		}
	}
	boot := names("1 BOOT")
	if slices.Contains(boot, "Device.DeviceInfo.MemoryStatus.Free") {
		t.Errorf("BOOT Inform carries a 2 PERIODIC-only parameter")
	}
	if !slices.Contains(boot, "Device.DeviceInfo.UpTime") || !slices.Contains(boot, "Device.Ethernet.Interface.4.Status") {
		t.Errorf("BOOT Inform = %v", boot)
	}
	if slices.Contains(boot, "Device.WiFi.SSID.1.SSID") || slices.Contains(periodic, "Device.WiFi.SSID.1.SSID") {
		t.Errorf("a disabled InformParameter was used")
	}
	// An empty EventList does not match an Inform whose only event is
	// 4 VALUE CHANGE.
	if vc := names("4 VALUE CHANGE"); slices.Contains(vc, "Device.DeviceInfo.UpTime") {
		t.Errorf("VALUE CHANGE-only Inform = %v", vc)
	}
	// "4 VALUE CHANGE" is not allowed in an EventList; a pattern must be a
	// name with * for instances.
	_, err := f.tree.SetParameterValues(f.ctx, pvs(
		"Device.ManagementServer.InformParameter.1.EventList", "4 VALUE CHANGE",
		"Device.ManagementServer.InformParameter.1.ParameterName", "Device.Nope.*.X"), "k2")
	flt := fault(t, err, cwmp.FaultInvalidArguments)
	if len(flt.SetParameterValuesFault) != 2 || flt.SetParameterValuesFault[0].FaultCode != cwmp.FaultInvalidParameterValue {
		t.Fatalf("faults = %+v", flt.SetParameterValuesFault)
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
