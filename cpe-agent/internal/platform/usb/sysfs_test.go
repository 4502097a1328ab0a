package usb

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"gatewarden/cpe-agent/internal/model"
	"gatewarden/cpe-agent/internal/store"
)

func TestSysfsFixture(t *testing.T) {
	snap, err := (&Sysfs{Dir: "testdata/devices"}).Enumerate()
	if err != nil {
		t.Fatal(err)
	}
	wantHosts := []Host{
		{Bus: 1, Name: "usb1", Type: "EHCI", USBVersion: "2.0"},
		{Bus: 2, Name: "usb2", Type: "xHCI", USBVersion: "3.1"},
	}
	if len(snap.Hosts) != 2 || !reflect.DeepEqual(snap.Hosts, wantHosts) {
		t.Errorf("hosts %+v", snap.Hosts)
	}
	// The interface entry, the half-gone 2-1 (no busnum) and the entry
	// whose name is no port path are left out.
	wantDevs := []Device{
		{Bus: 1, Key: "1-1", DeviceNumber: 2, USBVersion: "2.0", Class: 9, Protocol: 2, DeviceVersion: 0x8537,
			VendorID: 0x05e3, ProductID: 0x0608, Product: "USB2.0 Hub", Port: 1, Rate: "High", MaxChildren: 4,
			Suspended: true, SelfPowered: true},
		{Bus: 1, Key: "1-1.4", DeviceNumber: 5, USBVersion: "2.1", DeviceVersion: 0x100, VendorID: 0x0781,
			ProductID: 0x5583, Manufacturer: "SanDisk", Product: "Ultra Fit", Serial: "4C530001", Port: 4, Rate: "High"},
	}
	if len(snap.Devices) != len(wantDevs) {
		t.Fatalf("devices %+v", snap.Devices)
	}
	for i := range wantDevs {
		if !reflect.DeepEqual(snap.Devices[i], wantDevs[i]) {
			t.Errorf("device %d:\n got %+v\nwant %+v", i, snap.Devices[i], wantDevs[i])
		}
	}
	if s, err := (&Sysfs{Dir: "testdata/none"}).Enumerate(); err != nil || len(s.Hosts)+len(s.Devices) != 0 {
		t.Errorf("no USB at all: %+v, %v", s, err)
	}
}

func TestParseDeviceOdd(t *testing.T) {
	for _, c := range []struct {
		name  string
		attrs map[string]string
		ok    bool
	}{
		{"1-1", map[string]string{"busnum": "1"}, true},
		{"1-1", map[string]string{"busnum": "2"}, false}, // name and bus disagree
		{"1-", map[string]string{"busnum": "1"}, false},
		{"usb1", map[string]string{"busnum": "1"}, false},
		{"1-1", map[string]string{"busnum": "-1"}, false},
		{"1-1", map[string]string{"busnum": "1", "idVendor": "zzzz", "devnum": "99999999999", "bmAttributes": "1ff"}, true},
	} {
		d, ok := ParseDevice(c.name, c.attrs)
		if ok != c.ok {
			t.Errorf("ParseDevice(%q, %v) ok=%v, want %v", c.name, c.attrs, ok, c.ok)
		}
		if ok && (d.VendorID != 0 || d.DeviceNumber != 0 || d.SelfPowered) {
			t.Errorf("malformed attributes read as %+v", d)
		}
	}
}

func TestVersionsAndRates(t *testing.T) {
	for in, want := range map[string]string{" 2.00": "2.0", "3.10": "3.1", "1.10": "1.1", "3.20": "3.2", "2.01": "2.01", "x": "x"} {
		if got := specVersion(in); got != want {
			t.Errorf("specVersion(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"1.5": "Low", "12": "Full", "480": "High", "5000": "Super", "10000": "Super", "": "", "53": ""} {
		if got := rateOf(in); got != want {
			t.Errorf("rateOf(%q) = %q, want %q", in, got, want)
		}
	}
}

// Bind through a real tree: the fixture's bus shows as Host/Device
// instances, and a device unplugged between two reads disappears.
func TestBindTree(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("testdata/devices")); err != nil {
		t.Fatal(err)
	}
	r := model.NewRegistry()
	Bind(r, &Sysfs{Dir: dir})
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(filepath.Join(t.TempDir(), "s.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	tree, err := model.New(ctx, r, model.Options{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	defer tree.Close()
	get := func(names ...string) map[string]string {
		t.Helper()
		vals, err := tree.GetParameterValues(ctx, names)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for _, v := range vals {
			m[v.Name] = v.Value
		}
		return m
	}
	got := get("Device.USB.USBHosts.")
	for name, want := range map[string]string{
		"Device.USB.USBHosts.HostNumberOfEntries":           "2",
		"Device.USB.USBHosts.Host.1.Type":                   "EHCI",
		"Device.USB.USBHosts.Host.1.DeviceNumberOfEntries":  "2",
		"Device.USB.USBHosts.Host.1.Device.2.VendorID":      "1921",
		"Device.USB.USBHosts.Host.1.Device.2.SerialNumber":  "4C530001",
		"Device.USB.USBHosts.Host.1.Device.1.DeviceClass":   "09",
		"Device.USB.USBHosts.Host.1.Device.1.IsSelfPowered": "true",
		"Device.USB.USBHosts.Host.2.DeviceNumberOfEntries":  "0",
	} {
		if got[name] != want {
			t.Errorf("%s = %q, want %q", name, got[name], want)
		}
	}
	if err := os.RemoveAll(filepath.Join(dir, "1-1.4")); err != nil {
		t.Fatal(err)
	}
	got = get("Device.USB.USBHosts.Host.1.")
	if got["Device.USB.USBHosts.Host.1.DeviceNumberOfEntries"] != "1" {
		t.Errorf("after unplugging: %v", got)
	}
	if _, ok := got["Device.USB.USBHosts.Host.1.Device.2.VendorID"]; ok {
		t.Error("the unplugged device is still listed")
	}
}
