package usb

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Sysfs reads /sys/bus/usb/devices (Dir; tests point it at a fixture
// tree).
type Sysfs struct {
	Dir string
}

var _ Source = (*Sysfs)(nil)

// Enumerate implements Source. Entries are read one file at a time, so a
// device unplugged in the middle is simply left out; interface entries
// ("1-1:1.0") are skipped. A missing Dir is a device without USB.
func (s *Sysfs) Enumerate() (Snapshot, error) {
	ents, err := os.ReadDir(s.Dir)
	if errors.Is(err, fs.ErrNotExist) {
		return Snapshot{}, nil
	}
	if err != nil {
		return Snapshot{}, fmt.Errorf("usb: %w", err)
	}
	var snap Snapshot
	for _, e := range ents {
		name := e.Name()
		if strings.ContainsRune(name, ':') {
			continue
		}
		attrs, ok := readAttrs(filepath.Join(s.Dir, name))
		if !ok {
			continue
		}
		if bus, ok := strings.CutPrefix(name, "usb"); ok {
			if h, ok := parseHost(bus, attrs); ok {
				snap.Hosts = append(snap.Hosts, h)
			}
			continue
		}
		if d, ok := ParseDevice(name, attrs); ok {
			snap.Devices = append(snap.Devices, d)
		}
	}
	sortSnapshot(&snap)
	return snap, nil
}

// attrFiles are the sysfs attributes the parsers use.
var attrFiles = []string{"busnum", "devnum", "version", "bDeviceClass", "bDeviceSubClass", "bDeviceProtocol",
	"idVendor", "idProduct", "bcdDevice", "manufacturer", "product", "serial", "speed", "maxchild",
	"bmAttributes", "power/runtime_status"}

// readAttrs reads a device directory's attributes; ok is false when the
// device vanished (its busnum is gone).
func readAttrs(dir string) (map[string]string, bool) {
	out := make(map[string]string, len(attrFiles))
	for _, f := range attrFiles {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			if f == "busnum" {
				return nil, false
			}
			continue
		}
		out[f] = strings.TrimSpace(string(b))
	}
	return out, true
}

func parseHost(bus string, a map[string]string) (Host, bool) {
	n, err := strconv.Atoi(bus)
	if err != nil || n <= 0 || strconv.Itoa(n) != bus {
		return Host{}, false
	}
	return Host{Bus: n, Name: "usb" + bus, Type: hostTypeOf(a["product"]), USBVersion: specVersion(a["version"])}, true
}

// ParseDevice builds a Device from the attributes of sysfs entry name
// (file name -> trimmed contents). Attributes that are missing or
// malformed read as zero; ok is false when the entry is no device (no
// valid bus number, a name that is not a port path).
func ParseDevice(name string, a map[string]string) (Device, bool) {
	bus, err := strconv.Atoi(a["busnum"])
	if err != nil || bus <= 0 {
		return Device{}, false
	}
	prefix, path, ok := strings.Cut(name, "-")
	if !ok || prefix != strconv.Itoa(bus) || path == "" {
		return Device{}, false
	}
	d := Device{
		Bus:           bus,
		Key:           name,
		DeviceNumber:  dec32(a["devnum"]),
		USBVersion:    specVersion(a["version"]),
		Class:         hex8(a["bDeviceClass"]),
		SubClass:      hex8(a["bDeviceSubClass"]),
		Protocol:      hex8(a["bDeviceProtocol"]),
		DeviceVersion: hex32(a["bcdDevice"]),
		VendorID:      hex32(a["idVendor"]),
		ProductID:     hex32(a["idProduct"]),
		Manufacturer:  a["manufacturer"],
		Product:       a["product"],
		Serial:        a["serial"],
		Port:          portOf(name),
		Rate:          rateOf(a["speed"]),
		MaxChildren:   dec32(a["maxchild"]),
		Suspended:     a["power/runtime_status"] == "suspended",
		SelfPowered:   hex8(a["bmAttributes"])&0x40 != 0,
	}
	return d, true
}

func dec32(s string) uint32 {
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return 0
	}
	return uint32(n)
}

func hex32(s string) uint32 {
	n, err := strconv.ParseUint(s, 16, 32)
	if err != nil {
		return 0
	}
	return uint32(n)
}

func hex8(s string) uint8 {
	n, err := strconv.ParseUint(s, 16, 8)
	if err != nil {
		return 0
	}
	return uint8(n)
}
