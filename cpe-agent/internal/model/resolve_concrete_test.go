package model_test

import (
	"strings"
	"testing"

	"gatewarden/protocol/cwmp"
)

// Concrete names take resolve's short path; every parameter and object of
// the sim tree must read the same through it as through the whole-tree
// listing, and near-miss names must still be 9005.
func TestConcreteNamesMatchTheListing(t *testing.T) {
	f := newFixture(t)
	all, err := f.tree.GetParameterValues(f.ctx, []string{"Device."})
	if err != nil {
		t.Fatal(err)
	}
	objects := map[string]int{}
	for _, pv := range all {
		got, err := f.tree.GetParameterValues(f.ctx, []string{pv.Name})
		if err != nil || len(got) != 1 || got[0].Name != pv.Name {
			t.Errorf("GetParameterValues(%q) = %v, %v", pv.Name, got, err)
		}
		for i := range len(pv.Name) {
			if pv.Name[i] == '.' {
				objects[pv.Name[:i+1]]++
			}
		}
	}
	for obj, n := range objects {
		got, err := f.tree.GetParameterValues(f.ctx, []string{obj})
		if err != nil || len(got) != n {
			t.Errorf("GetParameterValues(%q): %d values, %v; the listing has %d", obj, len(got), err, n)
			continue
		}
		for _, pv := range got {
			if !strings.HasPrefix(pv.Name, obj) {
				t.Errorf("GetParameterValues(%q) returned %s", obj, pv.Name)
			}
		}
	}
	if len(objects) < 10 {
		t.Fatalf("the sim tree has only %d objects", len(objects))
	}
	for _, name := range []string{
		"Device.IP.Interface.01.Name", "Device.IP.Interface.999.Name", "Device.IP.Interface.Name",
		"Device.DeviceInfo.UpTime.", "Device.DeviceInfo", "Device.DeviceInfo.UpTime.X",
		"Device.DeviceInfo.1.", "Device.IP.Interface.1", "InternetGatewayDevice.DeviceInfo.", "Device.Nope.",
		"Device..", "Device.IP.Interface.-1.",
	} {
		_, err := f.tree.GetParameterValues(f.ctx, []string{name})
		fault(t, err, cwmp.FaultInvalidParameterName)
	}
}
