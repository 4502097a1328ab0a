//go:build linux

package linux

import (
	"encoding/binary"
	"net/netip"

	"golang.org/x/sys/unix"
)

// rtRoute is a route as RTM_NEWROUTE describes it.
type rtRoute struct {
	_        [0]func() // not comparable: spares the binary an equality function
	Dst      netip.Prefix
	Gw       netip.Addr // invalid without a gateway
	OIF      int        // output link; of the first next hop for a multipath route
	Metric   uint32
	Table    uint32
	Protocol uint8
	Scope    uint8
	Type     uint8
	Flags    uint32 // RTM_F_*
}

// parseRoute reads an RTM_NEWROUTE or RTM_DELROUTE body of an IPv4 or
// IPv6 route.
func parseRoute(b []byte) (rtRoute, error) {
	if len(b) < unix.SizeofRtMsg {
		return rtRoute{}, errMalformed
	}
	ne := binary.NativeEndian
	bits := 32
	switch b[0] {
	case unix.AF_INET:
	case unix.AF_INET6:
		bits = 128
	default:
		return rtRoute{}, errMalformed
	}
	// struct rtmsg: family, dst_len, src_len, tos, table, protocol,
	// scope, type, flags.
	rt := rtRoute{Table: uint32(b[4]), Protocol: b[5], Scope: b[6], Type: b[7], Flags: ne.Uint32(b[8:])}
	dstLen := int(b[1])
	dst := netip.IPv4Unspecified()
	if bits == 128 {
		dst = netip.IPv6Unspecified()
	}
	bad := dstLen > bits
	ip := func(v []byte) netip.Addr {
		ip, ok := netip.AddrFromSlice(v)
		if !ok || ip.BitLen() != bits {
			bad = true
		}
		return ip
	}
	err := walkAttrs(b[unix.SizeofRtMsg:], func(typ uint16, v []byte) {
		switch typ {
		case unix.RTA_DST:
			dst = ip(v)
		case unix.RTA_GATEWAY:
			rt.Gw = ip(v)
		case unix.RTA_OIF:
			if n, ok := u32Attr(v); ok {
				rt.OIF = int(int32(n)) // an ifindex is a C int
			}
		case unix.RTA_PRIORITY:
			if n, ok := u32Attr(v); ok {
				rt.Metric = n
			}
		case unix.RTA_TABLE:
			if n, ok := u32Attr(v); ok {
				rt.Table = n
			}
		case unix.RTA_MULTIPATH:
			// struct rtnexthop: len u16, flags u8, hops u8, ifindex s32.
			if rt.OIF == 0 && len(v) >= unix.SizeofRtNexthop {
				rt.OIF = int(int32(ne.Uint32(v[4:])))
			}
		}
	})
	if err != nil || bad {
		return rtRoute{}, errMalformed
	}
	rt.Dst = netip.PrefixFrom(dst, dstLen)
	return rt, nil
}

// routes4 dumps the IPv4 routes of the main table, less the cache's
// clones (as `ip route show` lists them).
func (r *rtnl) routes4() ([]rtRoute, error) {
	hdr := make([]byte, unix.SizeofRtMsg) // a dump asks by family only
	hdr[0] = unix.AF_INET
	msgs, err := r.dump(unix.RTM_GETROUTE, unix.RTM_NEWROUTE, hdr)
	if err != nil {
		return nil, err
	}
	var out []rtRoute
	for _, m := range msgs {
		rt, err := parseRoute(m)
		if err == nil && rt.Dst.Addr().Is4() && rt.Table == unix.RT_TABLE_MAIN && rt.Flags&unix.RTM_F_CLONED == 0 {
			out = append(out, rt)
		}
	}
	return out, nil
}

// staticRoute4 is an IPv4 route of the main table the ACS owns: protocol
// static, through a gateway or, without one, on the link itself (scope
// link).
type staticRoute4 struct {
	Dst    netip.Prefix
	Gw     netip.Addr // unspecified or invalid: no gateway
	OIF    int
	Metric uint32
}

// addRoute4 adds a route as `ip route add ... proto static` does; one
// that exists is unix.EEXIST.
func (r *rtnl) addRoute4(rt staticRoute4) error {
	return r.change(unix.RTM_NEWROUTE, unix.NLM_F_CREATE|unix.NLM_F_EXCL, route4Body(false, rt))
}

// delRoute4 deletes such a route (its header leaves the route type open,
// as `ip route del` does); one that is not there is unix.ESRCH.
func (r *rtnl) delRoute4(rt staticRoute4) error {
	return r.change(unix.RTM_DELROUTE, 0, route4Body(true, rt))
}

// route4Body is the body of a request to add or, with del, delete a
// static route. A deletion leaves the route type open (0), as `ip route
// del` does; an addition makes a unicast route.
func route4Body(del bool, rt staticRoute4) []byte {
	var typ uint8 = unix.RTN_UNICAST
	if del {
		typ = 0
	}
	var scope uint8 = unix.RT_SCOPE_UNIVERSE
	hasGw := rt.Gw.IsValid() && !rt.Gw.IsUnspecified()
	if !hasGw {
		scope = unix.RT_SCOPE_LINK // on the link itself, no next hop
	}
	dst := rt.Dst.Addr().As4()
	b := appendAttr(rtHdr(unix.AF_INET, uint8(rt.Dst.Bits()), unix.RTPROT_STATIC, scope, typ), unix.RTA_DST, dst[:])
	if hasGw {
		gw := rt.Gw.As4()
		b = appendAttr(b, unix.RTA_GATEWAY, gw[:])
	}
	if rt.Metric > 0 {
		b = appendAttr(b, unix.RTA_PRIORITY, u32Data(rt.Metric))
	}
	return appendAttr(b, unix.RTA_OIF, u32Data(uint32(rt.OIF)))
}
