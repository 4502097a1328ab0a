// Package usb reports the USB host controllers of the device and what is
// plugged into them as Device.USB.USBHosts.Host.{i} and
// Host.{i}.Device.{i}.
//
// Where the facts come from is a Source. The default build reads
// /sys/bus/usb/devices (Sysfs): no cgo, nothing to link, and every
// parameter TR-181 asks for is there. Built with the `usb` tag, Default
// returns a libusb source through github.com/google/gousb instead (cgo,
// libusb-1.0), for boards whose kernel hides sysfs or that want libusb's
// view; leaving the tag out removes gousb and cgo from the binary
// entirely. The sysfs reader stays compiled either way, so its fixture
// tests run in both builds.
//
// Hosts are keyed by bus ("usb1") and devices by their sysfs port path
// ("1-1.4"), so a device keeps its instance number while it stays in the
// same port, across agent restarts too (the tree persists the keys).
package usb

import (
	"strconv"
	"strings"
)

// Host is one host controller (one USB bus).
type Host struct {
	_ [0]func() // not comparable: spares the binary an equality function
	// Bus number; Name is "usb<Bus>".
	Bus  int
	Name string
	// Type is the TR-181 controller type: OHCI, EHCI, UHCI or xHCI; ""
	// when the source cannot tell.
	Type string
	// USBVersion the root hub complies with, "2.0".
	USBVersion string
}

// Device is one device on a bus, hubs included, root hubs excluded.
type Device struct {
	_   [0]func() // not comparable: spares the binary an equality function
	Bus int
	// Key names the device by its port path, as sysfs does ("1-1.4").
	Key          string
	DeviceNumber uint32
	USBVersion   string
	// Class, SubClass and Protocol are the device descriptor's codes.
	Class, SubClass, Protocol uint8
	// DeviceVersion is bcdDevice as a number.
	DeviceVersion                 uint32
	VendorID, ProductID           uint32
	Manufacturer, Product, Serial string
	// Port on the parent hub (1-based).
	Port uint32
	// Rate is TR-181's name for the negotiated speed: Low, Full, High or
	// Super; "" when unknown.
	Rate        string
	MaxChildren uint32
	Suspended   bool
	SelfPowered bool
}

// Snapshot is one enumeration.
type Snapshot struct {
	Hosts   []Host
	Devices []Device
}

// Source enumerates the USB buses.
type Source interface {
	Enumerate() (Snapshot, error)
}

// specVersion turns a descriptor's bcdUSB as sysfs prints it (" 2.00",
// "3.10") into TR-181's "2.0", "3.1".
func specVersion(s string) string {
	s = strings.TrimSpace(s)
	maj, min, ok := strings.Cut(s, ".")
	if !ok {
		return s
	}
	if len(min) == 2 && min[1] == '0' {
		min = min[:1]
	}
	return maj + "." + min
}

// rateOf maps a speed in Mbit/s as sysfs prints it to TR-181's Rate.
func rateOf(mbps string) string {
	switch strings.TrimSpace(mbps) {
	case "1.5":
		return "Low"
	case "12":
		return "Full"
	case "480":
		return "High"
	case "5000", "10000", "20000":
		return "Super"
	}
	return ""
}

// hostTypeOf guesses a controller type from the root hub's product
// string ("EHCI Host Controller", "xHCI Host Controller").
func hostTypeOf(product string) string {
	p := strings.ToUpper(product)
	for _, t := range []string{"XHCI", "EHCI", "OHCI", "UHCI"} {
		if strings.Contains(p, t) {
			if t == "XHCI" {
				return "xHCI"
			}
			return t
		}
	}
	return ""
}

// portOf returns the last port of a sysfs device name: 4 for "1-1.4".
func portOf(key string) uint32 {
	_, path, ok := strings.Cut(key, "-")
	if !ok {
		return 0
	}
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		path = path[i+1:]
	}
	n, err := strconv.ParseUint(path, 10, 32)
	if err != nil {
		return 0
	}
	return uint32(n)
}

// hex2 formats a descriptor code as TR-181 hexBinary.
func hex2(v uint8) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[v>>4], digits[v&0xf]})
}
