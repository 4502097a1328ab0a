package loadgen

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"gatewarden/protocol/cwmp"
	"gatewarden/protocol/datamodel"
	"gatewarden/protocol/digest"
)

// Every simulated device shares these; only the serial number differs.
// 00005E is IANA's OUI, used here because it belongs to no vendor's
// products.
const (
	Manufacturer = "Gatewarden Testbench"
	OUI          = "00005E"
	ProductClass = "TB"
	serialPrefix = "TB"
)

// Serial is the serial number of device number n (1-based): TB000001 and
// on, wider once six digits do not suffice.
func Serial(n int) string {
	return fmt.Sprintf("%s%06d", serialPrefix, n)
}

// connReqURL is the connection-request URL a device reports. It points at
// the discard port on loopback, where nothing listens: an ACS that tries a
// connection request keeps its traffic on this machine and fails at once.
func connReqURL(serial string) string {
	return "http://127.0.0.1:9/cr/" + serial
}

// device is one identity of the fleet. A device is in at most one session
// at a time (the runner hands devices out through a queue), so its fields
// need no lock.
type device struct {
	serial   string
	password string
	pwDone   bool
	// auth carries the last Digest challenge into the device's next
	// session (only with Config.ReuseNonce).
	auth *digest.Client
	// set holds what the ACS wrote with SetParameterValues; nil until it
	// wrote something, which keeps an untouched device on the fast path
	// of the Inform template.
	set *cpeState
}

// cpeState is what a dumb CPE remembers of the ACS's writes: the values
// (read back by GetParameterValues, and reported in Informs when they are
// forced-inform parameters) and the ParameterKey, which the ACS reads from
// the next Inform to learn that its write took effect.
type cpeState struct {
	parameterKey string
	values       map[string]cwmp.ParameterValueStruct
}

// informParam is a parameter every Inform carries, with the local name of
// its type and how to fill its value.
type informParam struct {
	name string
	typ  string
	// value returns the value for a device; nil means the parameter is
	// the ParameterKey, which comes from the device's state.
	value func(serial string) string
}

var (
	informParamsOnce sync.Once
	informParamsList []informParam
	informParamsErr  error
)

// informParams lists the forced-inform parameters of TR-181 as the
// generated schema has them (names and types are not retyped here), each
// with a value a real gateway could report.
func informParams() ([]informParam, error) {
	informParamsOnce.Do(func() {
		s := datamodel.TR181()
		for _, n := range s.ForcedInform() {
			p := informParam{name: n.Path(), typ: strings.TrimPrefix(n.XSDType(), "xsd:")}
			switch n.Name() {
			case "RootDataModelVersion":
				v := s.Version().String()
				p.value = func(string) string { return v }
			case "HardwareVersion":
				p.value = func(string) string { return "TB-HW1" }
			case "SoftwareVersion":
				p.value = func(string) string { return "1.0.0-tb" }
			case "ConnectionRequestURL":
				p.value = connReqURL
			case "ParameterKey":
			default:
				zero := zeroValue(p.typ)
				p.value = func(string) string { return zero }
			}
			informParamsList = append(informParamsList, p)
		}
		if len(informParamsList) == 0 {
			informParamsErr = fmt.Errorf("the TR-181 schema lists no forced-inform parameters")
		}
	})
	return informParamsList, informParamsErr
}

func zeroValue(typ string) string {
	switch typ {
	case "boolean", "int", "long", "unsignedInt", "unsignedLong":
		return "0"
	case "dateTime":
		return string(cwmp.UnknownTime)
	}
	return ""
}

// identityParams are the DeviceInfo parameters that repeat the Inform's
// DeviceId; a dumb CPE answers GetParameterValues for them too.
func identityParams(serial string) []cwmp.ParameterValueStruct {
	return []cwmp.ParameterValueStruct{
		{Name: "Device.DeviceInfo.Manufacturer", Value: Manufacturer, Type: "string"},
		{Name: "Device.DeviceInfo.ManufacturerOUI", Value: OUI, Type: "string"},
		{Name: "Device.DeviceInfo.ProductClass", Value: ProductClass, Type: "string"},
		{Name: "Device.DeviceInfo.SerialNumber", Value: serial, Type: "string"},
	}
}

// knownParams is everything the dumb CPE can read back: the ACS's writes
// first, then the Inform parameters, then the identity.
func (d *device) knownParams() []cwmp.ParameterValueStruct {
	params, _ := informParams() // the runner checked the error at start
	out := make([]cwmp.ParameterValueStruct, 0, len(params)+8)
	seen := make(map[string]bool, len(params)+8)
	add := func(p cwmp.ParameterValueStruct) {
		if !seen[p.Name] {
			seen[p.Name] = true
			out = append(out, p)
		}
	}
	if d.set != nil {
		for _, name := range slices.Sorted(maps.Keys(d.set.values)) {
			add(d.set.values[name])
		}
	}
	for _, p := range d.informValues() {
		add(p)
	}
	for _, p := range identityParams(d.serial) {
		add(p)
	}
	return out
}

// informValues are the Inform's parameters with this device's values,
// the ACS's writes included.
func (d *device) informValues() []cwmp.ParameterValueStruct {
	params, _ := informParams()
	out := make([]cwmp.ParameterValueStruct, len(params))
	for i, p := range params {
		v := cwmp.ParameterValueStruct{Name: p.name, Type: p.typ}
		if p.value != nil {
			v.Value = p.value(d.serial)
		} else if d.set != nil {
			v.Value = d.set.parameterKey
		}
		if d.set != nil {
			if w, ok := d.set.values[p.name]; ok {
				v.Value = w.Value
			}
		}
		out[i] = v
	}
	return out
}

func (d *device) passwordFrom(fn func(serial string) string) string {
	if !d.pwDone {
		d.password, d.pwDone = fn(d.serial), true
	}
	return d.password
}
