package model_test

import (
	"slices"
	"strings"
	"testing"

	"gatewarden/protocol/cwmp"
)

// Case 28: GPN on a partial path with NextLevel=true returns only the
// direct children; the path itself is not listed.
func TestCase28GPNNextLevel(t *testing.T) {
	f := newFixture(t)
	got, err := f.tree.GetParameterNames(f.ctx, "Device.DeviceInfo.", true)
	if err != nil {
		t.Fatal(err)
	}
	n := names(got)
	if slices.Contains(n, "Device.DeviceInfo.") {
		t.Error("the path itself is listed")
	}
	for _, want := range []string{"Device.DeviceInfo.UpTime", "Device.DeviceInfo.MemoryStatus.", "Device.DeviceInfo.SerialNumber"} {
		if !slices.Contains(n, want) {
			t.Errorf("missing %s in %v", want, n)
		}
	}
	for _, name := range n {
		rest := strings.TrimSuffix(strings.TrimPrefix(name, "Device.DeviceInfo."), ".")
		if strings.Contains(rest, ".") {
			t.Errorf("%s is not a direct child", name)
		}
	}
	// A table lists its instances; an instance its children.
	got, err = f.tree.GetParameterNames(f.ctx, "Device.IP.Interface.", true)
	if err != nil {
		t.Fatal(err)
	}
	if n := names(got); !slices.Equal(n, []string{"Device.IP.Interface.1.", "Device.IP.Interface.2."}) {
		t.Errorf("table children = %v", n)
	}
	got, err = f.tree.GetParameterNames(f.ctx, "Device.IP.Interface.1.", true)
	if err != nil {
		t.Fatal(err)
	}
	n = names(got)
	for _, want := range []string{"Device.IP.Interface.1.Enable", "Device.IP.Interface.1.IPv4Address.", "Device.IP.Interface.1.Stats."} {
		if !slices.Contains(n, want) {
			t.Errorf("instance children lack %s: %v", want, n)
		}
	}
	if slices.Contains(n, "Device.IP.Interface.1.IPv4Address.1.") {
		t.Error("grandchild listed")
	}
}

// Case 29: GPN on a partial path with NextLevel=false returns the object
// itself and the whole subtree.
func TestCase29GPNSubtree(t *testing.T) {
	f := newFixture(t)
	got, err := f.tree.GetParameterNames(f.ctx, "Device.IP.", false)
	if err != nil {
		t.Fatal(err)
	}
	n := names(got)
	if n[0] != "Device.IP." {
		t.Fatalf("first entry %s, want the object itself", n[0])
	}
	for _, want := range []string{"Device.IP.Interface.", "Device.IP.Interface.2.", "Device.IP.Interface.2.IPv4Address.1.", "Device.IP.Interface.2.IPv4Address.1.IPAddress", "Device.IP.Interface.1.Stats.BytesSent"} {
		if !slices.Contains(n, want) {
			t.Errorf("subtree lacks %s", want)
		}
	}
	// Every parameter below is listed: the same set as GPV returns.
	pv, err := f.tree.GetParameterValues(f.ctx, []string{"Device.IP."})
	if err != nil {
		t.Fatal(err)
	}
	var params []string
	for _, name := range n {
		if !strings.HasSuffix(name, ".") {
			params = append(params, name)
		}
	}
	if len(params) != len(pv) {
		t.Errorf("GPN lists %d parameters, GPV %d", len(params), len(pv))
	}
}

// Case 30: GPN on a full parameter name with NextLevel=true gives fault
// 9003. GPN on a nonexistent path gives 9005.
func TestCase30GPNFaults(t *testing.T) {
	f := newFixture(t)
	_, err := f.tree.GetParameterNames(f.ctx, "Device.DeviceInfo.UpTime", true)
	fault(t, err, cwmp.FaultInvalidArguments)
	got, err := f.tree.GetParameterNames(f.ctx, "Device.DeviceInfo.UpTime", false)
	if err != nil || len(got) != 1 || got[0].Name != "Device.DeviceInfo.UpTime" || got[0].Writable {
		t.Fatalf("full name, NextLevel=false: %v %v", got, err)
	}
	for _, p := range []string{
		"Device.Nonexistent.", "Device.IP.Interface.9.", "Device.DeviceInfo.UpTime.", "Device.DeviceInfo",
		"Device.DeviceInfo.Nope", "InternetGatewayDevice.", "Device.IP.Interface.[cpe-lan].",
		"Device.USB.",                        // in the schema, not supported by the sim
		"Device.DSL.Line.1.UpstreamCurrRate", // rates live on the channel
		"Device..", "Device.IP.Interface.{i}.",
	} {
		_, err := f.tree.GetParameterNames(f.ctx, p, false)
		fault(t, err, cwmp.FaultInvalidParameterName)
	}
}

// Case 31: GPN with ParameterPath="" and NextLevel=true returns exactly
// Device.
func TestCase31GPNRoot(t *testing.T) {
	f := newFixture(t)
	got, err := f.tree.GetParameterNames(f.ctx, "", true)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Name != "Device." || got[0].Writable {
		t.Fatalf("got %v", got)
	}
	all, err := f.tree.GetParameterNames(f.ctx, "", false)
	if err != nil {
		t.Fatal(err)
	}
	if all[0].Name != "Device." || len(all) < 300 {
		t.Fatalf("whole tree: %d entries starting %v", len(all), all[0])
	}
}

// Case 32: GPN Writable is true for Device.IP.Interface. (AddObject
// allowed) and false for a read-only table such as
// Device.Ethernet.Interface..
func TestCase32GPNWritable(t *testing.T) {
	f := newFixture(t)
	got, err := f.tree.GetParameterNames(f.ctx, "Device.", false)
	if err != nil {
		t.Fatal(err)
	}
	w := map[string]bool{}
	for _, p := range got {
		w[p.Name] = p.Writable
	}
	for name, want := range map[string]bool{
		"Device.IP.Interface.":                     true, // AddObject
		"Device.IP.Interface.1.":                   true, // DeleteObject
		"Device.IP.Interface.1.IPv4Address.":       true,
		"Device.Ethernet.Interface.":               false, // the system's ports
		"Device.Ethernet.Interface.1.":             false,
		"Device.WiFi.SSID.":                        false, // writable in TR-181, but the sim's SSIDs are fixed
		"Device.DeviceInfo.":                       false,
		"Device.ManagementServer.InformParameter.": true,
		"Device.WiFi.SSID.1.SSID":                  true,
		"Device.WiFi.SSID.1.Status":                false,
		"Device.ManagementServer.ParameterKey":     false,
		"Device.ManagementServer.URL":              true,
		"Device.IP.Interface.1.Alias":              true, // writeOnceReadOnly
		"Device.IP.Interface.1.Reset":              false,
	} {
		got, ok := w[name]
		if name == "Device.IP.Interface.1.Reset" {
			if ok {
				t.Errorf("unbound command parameter %s is listed", name)
			}
			continue
		}
		if !ok {
			t.Errorf("%s not listed", name)
		} else if got != want {
			t.Errorf("%s Writable=%v, want %v", name, got, want)
		}
	}
}
