package sim

import (
	"strconv"

	"gatewarden/cpe-agent/internal/model"
)

const (
	simIPIf   = "Device.IP.Interface.{i}."
	simIPAddr = simIPIf + "IPv4Address.{i}."
)

// registerIP binds Device.IP.Interface as a managed table: the ACS adds
// and deletes interfaces; the tree keeps their settings. Out of the box
// there are two: 1, the LAN bridge, and 2, the WAN over the DSL channel.
func (s *Sim) registerIP(r *model.Registry) {
	const ipif = simIPIf
	r.Param("Device.IP.IPv4Capable", model.Const("true"))
	r.Managed(ipif, model.TableHooks{})
	// The schema gives MaxMTUSize no default; Ethernet's 1500 is the one
	// every router uses.
	r.Stored(ipif+"MaxMTUSize", "1500")
	s.params(r, ipif, ipParams[:])
	r.Param(ipif+"Type", model.Const("Normal"))
	traffic := func(tx bool) func(model.Index) uint64 {
		return func(ix model.Index) uint64 {
			if !s.ipUp(ix) {
				return 0
			}
			var rate uint64
			switch ix.Num(0) {
			case 1:
				for p := range lanPorts {
					if tx {
						rate += s.props.portTx[p]
					} else {
						rate += s.props.portRx[p]
					}
				}
			case 2:
				// The WAN carries what the LAN sends out and receives.
				for p := range lanPorts {
					if tx {
						rate += s.props.portRx[p]
					} else {
						rate += s.props.portTx[p]
					}
				}
			}
			return rate * s.uptime()
		}
	}
	bindTraffic(r, ipif+"Stats.", traffic(true), traffic(false))

	const addr = simIPAddr
	r.Managed(addr, model.TableHooks{})
	s.params(r, addr, ipAddrParams[:])

	for _, in := range ipInstances {
		m := make(map[string]string, len(in)/2)
		for i := 1; i+1 < len(in); i += 2 {
			m[in[i]] = in[i+1]
		}
		if in[0] == simWANAddr {
			m["IPAddress"] = s.props.wanIP
		}
		r.Instance(in[0], m)
	}
}

// simWANAddr is the WAN's address, whose IPAddress is the sim's own.
const simWANAddr = "Device.IP.Interface.2.IPv4Address.1."

// ipInstances are the factory interfaces and addresses: the path, then
// name/value pairs. A table filled in a loop, because a map literal per
// instance compiled to a map assignment call per entry.
var ipInstances = [...][]string{
	{"Device.IP.Interface.1.", "Enable", "true", "IPv4Enable", "true", "Alias", "cpe-lan",
		"LowerLayers", "Device.Ethernet.Interface.1.,Device.Ethernet.Interface.2.,Device.Ethernet.Interface.3.,Device.Ethernet.Interface.4.,Device.WiFi.SSID.1."},
	{"Device.IP.Interface.1.IPv4Address.1.", "Enable", "true", "Alias", "cpe-lan-v4", "IPAddress", "192.168.1.1", "SubnetMask", "255.255.255.0"},
	{"Device.IP.Interface.2.", "Enable", "true", "IPv4Enable", "true", "Alias", "cpe-wan", "LowerLayers", "Device.DSL.Channel.1."},
	{simWANAddr, "Enable", "true", "Alias", "cpe-wan-v4", "SubnetMask", "255.192.0.0"},
}

// ipUp reports whether an IP interface is up: enabled, and its lower
// layer up.
func (s *Sim) ipUp(ix model.Index) bool {
	v := ix.Stored(simIPIf + "Enable")
	if v != "true" && v != "1" {
		return false
	}
	switch ix.Num(0) {
	case 1:
		return true
	case 2:
		return s.enabled("Device.DSL.Line.1.Enable", "true")
	}
	// An interface the ACS added is up once it names a lower layer.
	return ix.Stored(simIPIf+"LowerLayers") != ""
}

var ipParams = [...]simParam{
	{name: "Status", text: func(s *Sim, ix model.Index) string { return upDown(s.ipUp(ix)) }},
	{name: "Name", text: func(_ *Sim, ix model.Index) string {
		switch ix.Num(0) {
		case 1:
			return "br-lan"
		case 2:
			return "ptm0"
		}
		return "ip" + strconv.FormatUint(uint64(ix.Num(0)), 10)
	}},
	{name: "LastChange", count: uptimeOf},
}

var ipAddrParams = [...]simParam{
	{name: "Status", text: func(_ *Sim, ix model.Index) string {
		v := ix.Stored(simIPAddr + "Enable")
		if v == "true" || v == "1" {
			return "Enabled"
		}
		return "Disabled"
	}},
	{name: "AddressingType", text: func(_ *Sim, ix model.Index) string {
		if ix.Num(0) == 2 && ix.Num(1) == 1 {
			return "DHCP"
		}
		return "Static"
	}},
}
