//go:build !usb

package usb

import "testing"

// Without the usb tag the agent reads sysfs: no cgo, no libusb.
func TestDefaultIsSysfs(t *testing.T) {
	s, ok := Default("/sysroot").(*Sysfs)
	if !ok || s.Dir != "/sysroot/bus/usb/devices" {
		t.Fatalf("Default = %#v", Default("/sysroot"))
	}
}
