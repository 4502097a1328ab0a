//go:build linux

package linux

import (
	"encoding/binary"
	"math"
	"net/netip"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/vishvananda/netlink/nl"
	"golang.org/x/sys/unix"
)

// The messages below are written with the library's encoders in the
// machine's own byte order, as the kernel writes them, so these tests
// mean the same on big-endian MIPS under qemu.

func serialize(data ...nl.NetlinkRequestData) []byte {
	var b []byte
	for _, d := range data {
		b = append(b, d.Serialize()...)
	}
	return b
}

// encapType inverts encapName.
func encapType(name string) uint16 {
	for _, t := range []uint16{unix.ARPHRD_ETHER, unix.ARPHRD_LOOPBACK, unix.ARPHRD_NONE, unix.ARPHRD_PPP} {
		if encapName(t) == name {
			return t
		}
	}
	n, _ := strconv.Atoi(strings.TrimPrefix(name, "arphrd"))
	return uint16(n)
}

// linkMsg writes an RTM_NEWLINK body holding what li holds.
func linkMsg(li linkInfo) []byte {
	msg := nl.NewIfInfomsg(unix.AF_UNSPEC)
	msg.Index = int32(li.Index)
	msg.Type = encapType(li.Encap)
	if li.AdminUp {
		msg.Flags |= unix.IFF_UP
	}
	if li.LowerUp {
		msg.Flags |= unix.IFF_LOWER_UP
	}
	data := []nl.NetlinkRequestData{msg, nl.NewRtAttr(unix.IFLA_IFNAME, nl.ZeroTerminated(li.Name)),
		nl.NewRtAttr(unix.IFLA_MTU, u32Data(uint32(li.MTU)))}
	if li.Master != 0 {
		data = append(data, nl.NewRtAttr(unix.IFLA_MASTER, u32Data(uint32(li.Master))))
	}
	if li.MAC != "" {
		mac := make([]byte, 0, 6)
		for _, h := range strings.Split(li.MAC, ":") {
			n, _ := strconv.ParseUint(h, 16, 8)
			mac = append(mac, byte(n))
		}
		data = append(data, nl.NewRtAttr(unix.IFLA_ADDRESS, mac))
	}
	data = append(data, nl.NewRtAttr(unix.IFLA_OPERSTATE, []byte{byte(slices.Index(operStates[:], li.Oper))}))
	if li.Type != "device" {
		info := nl.NewRtAttr(unix.IFLA_LINKINFO|unix.NLA_F_NESTED, nil)
		info.AddRtAttr(unix.IFLA_INFO_KIND, nl.NonZeroTerminated(li.Type))
		data = append(data, info)
	}
	return serialize(data...)
}

func TestParseLink(t *testing.T) {
	for _, want := range []linkInfo{
		{Index: 1, Name: "lo", Type: "device", Encap: "loopback", MTU: 65536, AdminUp: true, LowerUp: true, Oper: "unknown"},
		{Index: 7, Name: "lan1", Type: "dsa", Encap: "ether", MAC: "02:A0:C5:0F:EE:01", MTU: 1500, Master: 4, AdminUp: true, Oper: "lowerlayerdown"},
		{Index: 9, Name: "wg0", Type: "wireguard", Encap: "none", MTU: 1420, AdminUp: true, LowerUp: true, Oper: "notpresent"},
		{Index: 1 << 30, Name: "pppoe-wan", Type: "device", Encap: "ppp", MTU: 1492, Oper: "down"},
		{Index: 3, Name: "can0", Type: "vcan", Encap: "arphrd280", Oper: "dormant"},
	} {
		got, err := parseLink(linkMsg(want))
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("parseLink(%s) = %+v, %v; want %+v", want.Name, got, err, want)
		}
	}

	good := linkMsg(linkInfo{Index: 2, Name: "eth0", Type: "veth", Encap: "ether", Oper: "up"})
	for name, b := range map[string][]byte{
		"short header":    good[:unix.SizeofIfInfomsg-1],
		"cut attribute":   good[:len(good)-2],
		"no name":         serialize(nl.NewIfInfomsg(0)),
		"zero index":      linkMsg(linkInfo{Name: "x", Type: "device", Oper: "up"}),
		"attribute len 2": append(slices.Clone(good[:unix.SizeofIfInfomsg]), 2, 0, 0, 0),
	} {
		if li, err := parseLink(b); err == nil {
			t.Errorf("%s: accepted as %+v", name, li)
		}
	}
	// Unknown attributes, an oversized operstate and a nested kind with
	// the byte-order flag are read past.
	odd := append(slices.Clone(good), serialize(nl.NewRtAttr(0x7ff, []byte{1, 2, 3}), nl.NewRtAttr(unix.IFLA_OPERSTATE, []byte{200}))...)
	if li, err := parseLink(odd); err != nil || li.Name != "eth0" || li.Type != "veth" || li.Oper != "up" {
		t.Errorf("odd attributes: %+v, %v", li, err)
	}
}

func TestWalkAttrs(t *testing.T) {
	b := serialize(nl.NewRtAttr(1, []byte{9}), nl.NewRtAttr(2|unix.NLA_F_NESTED, []byte{1, 2, 3, 4, 5}))
	var types []uint16
	var lens []int
	if err := walkAttrs(append(b, 0, 0), func(typ uint16, v []byte) { types, lens = append(types, typ), append(lens, len(v)) }); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(types, []uint16{1, 2}) || !slices.Equal(lens, []int{1, 5}) {
		t.Errorf("types %v lengths %v", types, lens)
	}
	// The last attribute may lack its padding.
	if err := walkAttrs(b[:len(b)-3], func(uint16, []byte) {}); err != nil {
		t.Errorf("unpadded tail: %v", err)
	}
	if err := walkAttrs(b[:len(b)-4], func(uint16, []byte) {}); err == nil {
		t.Error("a cut attribute passed")
	}
}

// addrMsg writes an RTM_NEWADDR body as the kernel does.
func addrMsg(fam, prefix, index int, flags uint32, local, peer netip.Addr, valid uint32) []byte {
	msg := nl.NewIfAddrmsg(fam)
	msg.Prefixlen, msg.Index, msg.Flags = uint8(prefix), uint32(index), uint8(flags)
	data := []nl.NetlinkRequestData{msg}
	if peer.IsValid() {
		data = append(data, nl.NewRtAttr(unix.IFA_ADDRESS, peer.AsSlice()))
	}
	if local.IsValid() {
		data = append(data, nl.NewRtAttr(unix.IFA_LOCAL, local.AsSlice()))
	}
	ci := make([]byte, unix.SizeofIfaCacheinfo)
	binary.NativeEndian.PutUint32(ci[0:], valid)
	binary.NativeEndian.PutUint32(ci[4:], valid)
	data = append(data, nl.NewRtAttr(unix.IFA_CACHEINFO, ci), nl.NewRtAttr(unix.IFA_FLAGS, u32Data(flags)))
	return serialize(data...)
}

func TestParseAddr(t *testing.T) {
	a4, peer := netip.MustParseAddr("100.64.3.9"), netip.MustParseAddr("100.64.0.1")
	v6 := netip.MustParseAddr("fd00::1")
	for _, c := range []struct {
		b       []byte
		want    ifAddr
		dynamic bool
	}{
		{addrMsg(unix.AF_INET, 24, 2, unix.IFA_F_PERMANENT, a4, a4, math.MaxUint32),
			ifAddr{Index: 2, IP: a4, Prefix: 24, Flags: unix.IFA_F_PERMANENT, Valid: math.MaxUint32}, false},
		// A DHCP lease on a point-to-point link: IFA_LOCAL is ours.
		{addrMsg(unix.AF_INET, 32, 5, 0, a4, peer, 3600), ifAddr{Index: 5, IP: a4, Prefix: 32, Valid: 3600}, true},
		// IFA_FLAGS carries the flags beyond the header's 8 bits.
		{addrMsg(unix.AF_INET6, 64, 3, unix.IFA_F_TENTATIVE|unix.IFA_F_NOPREFIXROUTE, netip.Addr{}, v6, 7200),
			ifAddr{Index: 3, IP: v6, Prefix: 64, Flags: unix.IFA_F_TENTATIVE | unix.IFA_F_NOPREFIXROUTE, Valid: 7200}, true},
	} {
		got, err := parseAddr(c.b)
		if err != nil || !reflect.DeepEqual(got, c.want) || got.dynamic() != c.dynamic {
			t.Errorf("parseAddr = %+v (dynamic %v), %v; want %+v (dynamic %v)", got, got.dynamic(), err, c.want, c.dynamic)
		}
	}
	for name, b := range map[string][]byte{
		"v6 address in a v4 message": addrMsg(unix.AF_INET, 24, 2, 0, v6, netip.Addr{}, 0),
		"prefix 33":                  addrMsg(unix.AF_INET, 33, 2, 0, a4, netip.Addr{}, 0),
		"no address":                 addrMsg(unix.AF_INET6, 64, 2, 0, netip.Addr{}, netip.Addr{}, 0),
		"family 7":                   addrMsg(7, 8, 2, 0, a4, netip.Addr{}, 0),
		"short":                      addrMsg(unix.AF_INET, 24, 2, 0, a4, a4, 0)[:7],
	} {
		if a, err := parseAddr(b); err == nil {
			t.Errorf("%s: accepted as %+v", name, a)
		}
	}
}

// The requests the platform sends read back, through the parsers, as the
// address or route they ask for; an IPv4 subnet gets its broadcast
// address, as `ip addr add` gives it.
func TestRequestBodies(t *testing.T) {
	for _, c := range []struct{ p, brd string }{
		{"10.99.7.7/16", "10.99.255.255"},
		{"192.0.2.1/31", ""},
		{"192.0.2.9/32", ""},
		{"fd00::7/64", ""},
	} {
		p := netip.MustParsePrefix(c.p)
		b := addrBody(4, p)
		a, err := parseAddr(b)
		if err != nil || a.IP != p.Addr() || a.Prefix != p.Bits() || a.Index != 4 {
			t.Errorf("%s: read back as %+v, %v", c.p, a, err)
		}
		brd := ""
		walkAttrs(b[unix.SizeofIfAddrmsg:], func(typ uint16, v []byte) {
			if ip, ok := netip.AddrFromSlice(v); typ == unix.IFA_BROADCAST && ok {
				brd = ip.String()
			}
		})
		if brd != c.brd {
			t.Errorf("%s: broadcast %q, want %q", c.p, brd, c.brd)
		}
	}

	for _, c := range []struct {
		rt    staticRoute4
		scope uint8
	}{
		{staticRoute4{Dst: netip.MustParsePrefix("0.0.0.0/0"), Gw: netip.MustParseAddr("10.99.0.254"), OIF: 3, Metric: 10}, unix.RT_SCOPE_UNIVERSE},
		{staticRoute4{Dst: netip.MustParsePrefix("172.16.0.0/12"), Gw: netip.IPv4Unspecified(), OIF: 2}, unix.RT_SCOPE_LINK},
	} {
		// The library's headers for adding and deleting are the reference.
		for i, hdr := range []*nl.RtMsg{nl.NewRtMsg(), nl.NewRtDelMsg()} {
			got, err := parseRoute(route4Body(i == 1, c.rt))
			gw := c.rt.Gw
			if gw.IsUnspecified() {
				gw = netip.Addr{}
			}
			want := rtRoute{Dst: c.rt.Dst, Gw: gw, OIF: c.rt.OIF, Metric: c.rt.Metric, Table: unix.RT_TABLE_MAIN,
				Protocol: unix.RTPROT_STATIC, Scope: c.scope, Type: hdr.Type}
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Errorf("route %v read back as %+v, %v; want %+v", c.rt, got, err, want)
			}
		}
	}
}

// routeMsg writes an RTM_NEWROUTE body as the kernel does.
func routeMsg(fam int, dst netip.Prefix, gw netip.Addr, oif int, metric, table uint32, extra ...nl.NetlinkRequestData) []byte {
	msg := nl.NewRtMsg()
	msg.Family, msg.Dst_len, msg.Protocol = uint8(fam), uint8(dst.Bits()), unix.RTPROT_DHCP
	msg.Table = uint8(min(table, unix.RT_TABLE_COMPAT))
	data := []nl.NetlinkRequestData{msg, nl.NewRtAttr(unix.RTA_TABLE, u32Data(table))}
	if dst.Bits() > 0 {
		data = append(data, nl.NewRtAttr(unix.RTA_DST, dst.Addr().AsSlice()))
	}
	if gw.IsValid() {
		data = append(data, nl.NewRtAttr(unix.RTA_GATEWAY, gw.AsSlice()))
	}
	if oif > 0 {
		data = append(data, nl.NewRtAttr(unix.RTA_OIF, u32Data(uint32(oif))))
	}
	data = append(data, nl.NewRtAttr(unix.RTA_PRIORITY, u32Data(metric)))
	return serialize(append(data, extra...)...)
}

func TestParseRoute(t *testing.T) {
	def := netip.MustParsePrefix("0.0.0.0/0")
	gw := netip.MustParseAddr("100.64.0.1")
	rt, err := parseRoute(routeMsg(unix.AF_INET, def, gw, 3, 0, unix.RT_TABLE_MAIN))
	if want := (rtRoute{Dst: def, Gw: gw, OIF: 3, Table: unix.RT_TABLE_MAIN, Protocol: unix.RTPROT_DHCP, Type: unix.RTN_UNICAST}); err != nil || !reflect.DeepEqual(rt, want) {
		t.Errorf("default route: %+v, %v; want %+v", rt, err, want)
	}
	// A table above 255 is only in RTA_TABLE.
	rt, err = parseRoute(routeMsg(unix.AF_INET, netip.MustParsePrefix("10.0.0.0/8"), netip.Addr{}, 2, 600, 1000))
	if err != nil || rt.Table != 1000 || rt.Metric != 600 || rt.Dst.String() != "10.0.0.0/8" || rt.Gw.IsValid() {
		t.Errorf("table 1000: %+v, %v", rt, err)
	}
	// A multipath route's link is its first next hop's.
	nh := make([]byte, unix.SizeofRtNexthop)
	binary.NativeEndian.PutUint16(nh, unix.SizeofRtNexthop)
	binary.NativeEndian.PutUint32(nh[4:], 6)
	rt, err = parseRoute(routeMsg(unix.AF_INET, def, netip.Addr{}, 0, 0, unix.RT_TABLE_MAIN, nl.NewRtAttr(unix.RTA_MULTIPATH, nh)))
	if err != nil || rt.OIF != 6 {
		t.Errorf("multipath: %+v, %v", rt, err)
	}
	v6 := netip.MustParsePrefix("2001:db8::/32")
	if rt, err = parseRoute(routeMsg(unix.AF_INET6, v6, netip.MustParseAddr("fe80::1"), 2, 1024, unix.RT_TABLE_MAIN)); err != nil || rt.Dst != v6 {
		t.Errorf("IPv6: %+v, %v", rt, err)
	}
	for name, b := range map[string][]byte{
		"v6 gateway on a v4 route": routeMsg(unix.AF_INET, def, netip.MustParseAddr("fe80::1"), 2, 0, unix.RT_TABLE_MAIN),
		"dst_len 40":               routeMsg(unix.AF_INET, netip.PrefixFrom(netip.IPv6Unspecified(), 40), netip.Addr{}, 2, 0, unix.RT_TABLE_MAIN)[:unix.SizeofRtMsg],
		"MPLS":                     serialize(&nl.RtMsg{RtMsg: unix.RtMsg{Family: unix.AF_MPLS}}),
		"short":                    make([]byte, unix.SizeofRtMsg-1),
	} {
		if rt, err := parseRoute(b); err == nil {
			t.Errorf("%s: accepted as %+v", name, rt)
		}
	}
}

func TestEventPaths(t *testing.T) {
	main := routeMsg(unix.AF_INET, netip.MustParsePrefix("10.0.0.0/8"), netip.Addr{}, 2, 0, unix.RT_TABLE_MAIN)
	local := routeMsg(unix.AF_INET, netip.MustParsePrefix("10.0.0.1/32"), netip.Addr{}, 2, 0, unix.RT_TABLE_LOCAL)
	for _, c := range []struct {
		typ  uint16
		body []byte
		want []string
	}{
		{unix.RTM_NEWLINK, nil, linkPaths},
		{unix.RTM_DELADDR, nil, linkPaths},
		{unix.RTM_NEWROUTE, main, routePaths},
		{unix.RTM_DELROUTE, local, nil},
		{unix.RTM_NEWROUTE, []byte{1}, routePaths}, // unreadable: check rather than miss
		{unix.RTM_NEWNEIGH, nil, nil},
	} {
		if got := eventPaths(c.typ, c.body); !slices.Equal(got, c.want) {
			t.Errorf("event %d: %q, want %q", c.typ, got, c.want)
		}
	}
}
