package sim

import (
	"strings"

	"gatewarden/cpe-agent/internal/model"
)

// registerEthernet binds the four LAN ports, eth0..eth3; the first two
// have a cable plugged in.
func (s *Sim) registerEthernet(r *model.Registry) {
	const e = "Device.Ethernet.Interface.{i}."
	r.Table(e, keys("eth0", "eth1", "eth2", "eth3"))
	s.setting(r, e+"Enable", fixed("true"))
	s.setting(r, e+"MaxBitRate", fixed("-1"))
	s.setting(r, e+"DuplexMode", fixed("Auto"))
	r.Param(e+"Upstream", model.Const("false"))
	s.params(r, e, ethernetParams[:])
	st := e + "Stats."
	bytes := func(tx bool) func(model.Index) uint64 {
		return func(ix model.Index) uint64 {
			p := port(ix)
			if !s.portUp(ix) {
				return 0
			}
			if tx {
				return s.props.portTx[p] * s.uptime()
			}
			return s.props.portRx[p] * s.uptime()
		}
	}
	bindTraffic(r, st, bytes(true), bytes(false))
}

var ethernetParams = [...]simParam{
	{name: "Status", text: func(s *Sim, ix model.Index) string { return upDown(s.portUp(ix)) }},
	{name: "Name", text: nameOf},
	{name: "LastChange", count: uptimeOf},
	{name: "MACAddress", text: func(s *Sim, ix model.Index) string { return s.props.macAt(byte(1 + port(ix))) }},
	{name: "CurrentBitRate", count: func(s *Sim, ix model.Index) uint64 {
		if s.portUp(ix) {
			return 1000
		}
		return 0
	}},
}

// bindTraffic binds the common interface Stats counters from byte
// counters: packets average 800 bytes, almost all unicast.
func bindTraffic(r *model.Registry, st string, sent, recv func(model.Index) uint64) {
	r.Param(st+"BytesSent", counter(sent))
	r.Param(st+"BytesReceived", counter(recv))
	for _, p := range packetStats {
		f := sent
		if p.received {
			f = recv
		}
		r.Param(st+p.name, counter(packets(f, p.num, p.den)))
	}
	zeros(r, st, "ErrorsSent", "ErrorsReceived", "DiscardPacketsSent", "DiscardPacketsReceived", "UnknownProtoPacketsReceived")
}

// packetStats are the packet counters, each a share num/den of the packets.
var packetStats = [...]struct {
	name     string
	received bool
	num, den uint64
}{
	{"PacketsSent", false, 1, 1},
	{"PacketsReceived", true, 1, 1},
	{"UnicastPacketsSent", false, 96, 100},
	{"UnicastPacketsReceived", true, 96, 100},
	{"MulticastPacketsSent", false, 3, 100},
	{"MulticastPacketsReceived", true, 3, 100},
	{"BroadcastPacketsSent", false, 1, 100},
	{"BroadcastPacketsReceived", true, 1, 100},
}

// packets derives a packet counter from a byte counter: num/den of the
// packets of 800 bytes. Out of line like counter.
//
//go:noinline
func packets(f func(model.Index) uint64, num, den uint64) func(model.Index) uint64 {
	return func(ix model.Index) uint64 { return f(ix) / 800 * num / den }
}

// port returns the LAN port number (0-3) of an Ethernet instance.
func port(ix model.Index) int {
	k := strings.TrimPrefix(ix.LastKey(), "eth")
	if len(k) != 1 || k[0] < '0' || k[0] >= '0'+lanPorts {
		return 0
	}
	return int(k[0] - '0')
}

// portUp reports whether the port has link: a cable and Enable.
func (s *Sim) portUp(ix model.Index) bool {
	return s.props.portUp[port(ix)] && s.enabled(ix.Path("Device.Ethernet.Interface.{i}.Enable"), "true")
}
