package loadgen

import (
	"strings"

	"gatewarden/protocol/cwmp"
	"gatewarden/protocol/datamodel"
)

// The simulated devices are dumb CPEs: they answer what an ACS commonly
// sends during a session with the smallest valid response, so that any
// ACS's sessions run to their end, without modelling a device.
//
//   - GetParameterValues: the Inform parameters, the DeviceInfo identity
//     and whatever the ACS wrote; partial paths select by prefix; any other
//     name faults 9005 for the whole request, as TR-069 prescribes.
//   - SetParameterValues: Status 0; the values are kept for the device's
//     later reads and Informs, and the ParameterKey is reported in every
//     later Inform, so an ACS sees its write took effect.
//   - GetParameterNames, GetParameterAttributes: over the same names.
//   - GetRPCMethods, SetParameterAttributes, Reboot, ScheduleInform: the
//     empty or fixed response; nothing reboots.
//   - FactoryReset: the response, and the device forgets the ACS's writes.
//   - Anything else the ACS may send (Download, AddObject, ...): fault
//     9000 Method not supported.

// cpeMethods is what GetRPCMethods reports: the methods answered above.
var cpeMethods = []string{
	"GetRPCMethods", "GetParameterNames", "GetParameterValues", "SetParameterValues",
	"GetParameterAttributes", "SetParameterAttributes", "Reboot", "FactoryReset", "ScheduleInform",
}

// isRequest tells an ACS request from a response or fault, which an ACS
// may only send in answer to a CPE request (a testbench device sends none
// besides the Inform).
func isRequest(b cwmp.Body) bool {
	m := b.Method()
	return m != "Fault" && !strings.HasSuffix(m, "Response")
}

// answerRequest returns the CPE's response to an ACS request, and whether
// it is a fault.
func (d *device) answerRequest(req cwmp.Body) (cwmp.Body, bool) {
	switch r := req.(type) {
	case *cwmp.GetRPCMethods:
		return &cwmp.GetRPCMethodsResponse{MethodList: cpeMethods}, false
	case *cwmp.GetParameterValues:
		return d.getValues(r.ParameterNames)
	case *cwmp.SetParameterValues:
		d.setValues(r)
		return &cwmp.SetParameterValuesResponse{Status: 0}, false
	case *cwmp.GetParameterNames:
		return d.getNames(r)
	case *cwmp.GetParameterAttributes:
		return d.getAttributes(r.ParameterNames)
	case *cwmp.SetParameterAttributes:
		return &cwmp.SetParameterAttributesResponse{}, false
	case *cwmp.Reboot:
		return &cwmp.RebootResponse{}, false
	case *cwmp.FactoryReset:
		d.set = nil
		return &cwmp.FactoryResetResponse{}, false
	case *cwmp.ScheduleInform:
		return &cwmp.ScheduleInformResponse{}, false
	}
	return cwmp.NewFault(cwmp.FaultMethodNotSupported, "testbench device does not support "+req.Method()), true
}

// matching returns the known parameters a name selects: the one named, or
// every one below a partial path ("" selects all).
func matching(known []cwmp.ParameterValueStruct, name string) []cwmp.ParameterValueStruct {
	var out []cwmp.ParameterValueStruct
	partial := name == "" || strings.HasSuffix(name, ".")
	for _, p := range known {
		if p.Name == name || (partial && strings.HasPrefix(p.Name, name)) {
			out = append(out, p)
		}
	}
	return out
}

func (d *device) getValues(names []string) (cwmp.Body, bool) {
	known := d.knownParams()
	var out []cwmp.ParameterValueStruct
	for _, n := range names {
		m := matching(known, n)
		if len(m) == 0 {
			return cwmp.NewFault(cwmp.FaultInvalidParameterName, "unknown parameter "+n), true
		}
		out = append(out, m...)
	}
	return &cwmp.GetParameterValuesResponse{ParameterList: out}, false
}

func (d *device) setValues(r *cwmp.SetParameterValues) {
	if d.set == nil {
		d.set = &cpeState{values: make(map[string]cwmp.ParameterValueStruct, len(r.ParameterList))}
	}
	for _, p := range r.ParameterList {
		d.set.values[p.Name] = p
	}
	d.set.parameterKey = r.ParameterKey
}

func (d *device) getNames(r *cwmp.GetParameterNames) (cwmp.Body, bool) {
	m := matching(d.knownParams(), r.ParameterPath)
	if len(m) == 0 {
		return cwmp.NewFault(cwmp.FaultInvalidParameterName, "unknown path "+r.ParameterPath), true
	}
	schema := datamodel.TR181()
	seen := make(map[string]bool, len(m))
	var out []cwmp.ParameterInfoStruct
	for _, p := range m {
		name := p.Name
		if r.NextLevel {
			// Only the level right below the path: a parameter, or the
			// object that leads to deeper ones.
			rest := strings.TrimPrefix(name, r.ParameterPath)
			if i := strings.IndexByte(rest, '.'); i >= 0 {
				name = r.ParameterPath + rest[:i+1]
			}
		}
		if seen[name] {
			continue
		}
		seen[name] = true
		writable := false
		if n, ok := schema.Lookup(name); ok {
			writable = n.Writable()
		}
		out = append(out, cwmp.ParameterInfoStruct{Name: name, Writable: writable})
	}
	return &cwmp.GetParameterNamesResponse{ParameterList: out}, false
}

func (d *device) getAttributes(names []string) (cwmp.Body, bool) {
	known := d.knownParams()
	var out []cwmp.ParameterAttributeStruct
	for _, n := range names {
		m := matching(known, n)
		if len(m) == 0 {
			return cwmp.NewFault(cwmp.FaultInvalidParameterName, "unknown parameter "+n), true
		}
		for _, p := range m {
			out = append(out, cwmp.ParameterAttributeStruct{Name: p.Name, Notification: cwmp.NotificationOff})
		}
	}
	return &cwmp.GetParameterAttributesResponse{ParameterList: out}, false
}
