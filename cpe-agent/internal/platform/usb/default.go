//go:build !usb

package usb

import "path/filepath"

// Default is the source the agent uses: sysfs below sysRoot ("/sys").
// The `usb` build tag swaps in libusb.
func Default(sysRoot string) Source {
	return &Sysfs{Dir: filepath.Join(sysRoot, "bus", "usb", "devices")}
}
