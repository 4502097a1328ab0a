//go:build usb

package usb

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"

	"github.com/google/gousb"
)

// Default is the source the agent uses when built with the `usb` tag:
// libusb through gousb. sysRoot is unused; libusb finds usbfs itself.
func Default(string) Source { return LibUSB{} }

// LibUSB enumerates through libusb. It opens each device briefly to read
// its string descriptors; a device it may not open (permissions, a
// driver holding it) is reported without them.
type LibUSB struct {
	// USBFS is where libusb's device nodes live; empty means
	// /dev/bus/usb. Without it the device has no USB bus to report.
	USBFS string
}

var _ Source = LibUSB{}

// Enumerate implements Source.
func (l LibUSB) Enumerate() (snap Snapshot, err error) {
	dir := l.USBFS
	if dir == "" {
		dir = "/dev/bus/usb"
	}
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return Snapshot{}, nil
	}
	// gousb panics when libusb cannot start; an agent reports it instead.
	defer func() {
		if p := recover(); p != nil {
			snap, err = Snapshot{}, fmt.Errorf("usb: libusb: %v", p)
		}
	}()
	ctx := gousb.NewContext()
	defer ctx.Close()
	var descs []*gousb.DeviceDesc
	devs, err := ctx.OpenDevices(func(desc *gousb.DeviceDesc) bool {
		descs = append(descs, desc)
		return len(desc.Path) > 0 // root hubs carry no strings worth a read
	})
	strs := map[string][3]string{}
	for _, d := range devs {
		var s [3]string
		s[0], _ = d.Manufacturer()
		s[1], _ = d.Product()
		s[2], _ = d.SerialNumber()
		strs[DescKey(d.Desc)] = s
		d.Close()
	}
	if err != nil && len(descs) == 0 {
		return Snapshot{}, fmt.Errorf("usb: libusb: %w", err)
	}
	snap = FromDescs(descs, strs)
	return snap, nil
}

// DescKey names a device as sysfs does ("1-1.4") from its descriptor.
func DescKey(d *gousb.DeviceDesc) string {
	parts := make([]string, len(d.Path))
	for i, p := range d.Path {
		parts[i] = strconv.Itoa(p)
	}
	return strconv.Itoa(d.Bus) + "-" + strings.Join(parts, ".")
}

// FromDescs turns libusb's descriptors (and the string descriptors read,
// by DescKey: manufacturer, product, serial) into a Snapshot. Root hubs
// (an empty port path) become hosts.
func FromDescs(descs []*gousb.DeviceDesc, strs map[string][3]string) Snapshot {
	var snap Snapshot
	for _, d := range descs {
		if len(d.Path) == 0 {
			snap.Hosts = append(snap.Hosts, Host{Bus: d.Bus, Name: "usb" + strconv.Itoa(d.Bus),
				Type: rootHubType(d), USBVersion: bcdVersion(d.Spec)})
			continue
		}
		key := DescKey(d)
		s := strs[key]
		dev := Device{
			Bus: d.Bus, Key: key, DeviceNumber: uint32(d.Address), USBVersion: bcdVersion(d.Spec),
			Class: uint8(d.Class), SubClass: uint8(d.SubClass), Protocol: uint8(d.Protocol),
			DeviceVersion: uint32(d.Device), VendorID: uint32(d.Vendor), ProductID: uint32(d.Product),
			Manufacturer: s[0], Product: s[1], Serial: s[2], Port: uint32(d.Port), Rate: speedRate(d.Speed),
		}
		for _, c := range d.Configs {
			dev.SelfPowered = dev.SelfPowered || c.SelfPowered
		}
		snap.Devices = append(snap.Devices, dev)
	}
	sortSnapshot(&snap)
	return snap
}

// bcdVersion prints a BCD release number as TR-181 wants: "2.0", "3.1".
func bcdVersion(b gousb.BCD) string { return specVersion(b.String()) }

// rootHubType reads the controller type off the Linux root hub's product
// ID (vendor 1d6b): 1 full-speed (OHCI or UHCI; OHCI is the embedded
// norm), 2 EHCI, 3 xHCI.
func rootHubType(d *gousb.DeviceDesc) string {
	if d.Vendor != 0x1d6b {
		return ""
	}
	switch d.Product {
	case 1:
		return "OHCI"
	case 2:
		return "EHCI"
	case 3:
		return "xHCI"
	}
	return ""
}

func speedRate(s gousb.Speed) string {
	switch s {
	case gousb.SpeedLow:
		return "Low"
	case gousb.SpeedFull:
		return "Full"
	case gousb.SpeedHigh:
		return "High"
	case gousb.SpeedSuper:
		return "Super"
	}
	return ""
}
