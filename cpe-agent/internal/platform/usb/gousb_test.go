//go:build usb

package usb

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/google/gousb"
)

func TestFromDescs(t *testing.T) {
	descs := []*gousb.DeviceDesc{
		{Bus: 1, Address: 4, Speed: gousb.SpeedHigh, Port: 4, Path: []int{1, 4}, Spec: gousb.Version(2, 10),
			Device: 0x0100, Vendor: 0x0781, Product: 0x5583,
			Configs: map[int]gousb.ConfigDesc{1: {Number: 1, SelfPowered: true}}},
		{Bus: 1, Address: 1, Speed: gousb.SpeedHigh, Spec: gousb.Version(2, 0), Vendor: 0x1d6b, Product: 2},
		{Bus: 2, Address: 1, Speed: gousb.SpeedSuper, Spec: gousb.Version(3, 10), Vendor: 0x1d6b, Product: 3},
		{Bus: 1, Address: 2, Speed: gousb.SpeedHigh, Port: 1, Path: []int{1}, Spec: gousb.Version(2, 0),
			Class: gousb.ClassHub, Protocol: 2, Vendor: 0x05e3, Product: 0x0608},
	}
	snap := FromDescs(descs, map[string][3]string{"1-1.4": {"SanDisk", "Ultra Fit", "4C530001"}})
	// DeepEqual: Host and Device are not comparable (see their markers).
	if !reflect.DeepEqual(snap.Hosts, []Host{{Bus: 1, Name: "usb1", Type: "EHCI", USBVersion: "2.0"},
		{Bus: 2, Name: "usb2", Type: "xHCI", USBVersion: "3.1"}}) {
		t.Errorf("hosts %+v", snap.Hosts)
	}
	want := []Device{
		{Bus: 1, Key: "1-1", DeviceNumber: 2, USBVersion: "2.0", Class: 9, Protocol: 2, VendorID: 0x05e3,
			ProductID: 0x0608, Port: 1, Rate: "High"},
		{Bus: 1, Key: "1-1.4", DeviceNumber: 4, USBVersion: "2.1", DeviceVersion: 0x100, VendorID: 0x0781,
			ProductID: 0x5583, Manufacturer: "SanDisk", Product: "Ultra Fit", Serial: "4C530001", Port: 4,
			Rate: "High", SelfPowered: true},
	}
	if !reflect.DeepEqual(snap.Devices, want) {
		t.Errorf("devices\n got %+v\nwant %+v", snap.Devices, want)
	}
}

// The tagged build's Default is libusb. Without usbfs (a container, a
// board without USB) it reports no bus rather than failing; with usbfs
// it must enumerate.
func TestLibUSBEnumerate(t *testing.T) {
	if _, ok := Default("/sys").(LibUSB); !ok {
		t.Fatalf("Default with the usb tag is %T", Default("/sys"))
	}
	snap, err := LibUSB{USBFS: filepath.Join(t.TempDir(), "none")}.Enumerate()
	if err != nil || len(snap.Hosts)+len(snap.Devices) != 0 {
		t.Fatalf("no usbfs: %+v, %v", snap, err)
	}
	if _, err := os.Stat("/dev/bus/usb"); errors.Is(err, fs.ErrNotExist) {
		t.Log("no /dev/bus/usb here: only the absent-bus path ran")
		return
	}
	if _, err := (LibUSB{}).Enumerate(); err != nil {
		t.Fatalf("libusb enumeration with /dev/bus/usb present: %v", err)
	}
}
