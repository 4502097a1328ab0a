//go:build linux

package linux

import (
	"encoding/binary"
	"math"
	"net/netip"

	"golang.org/x/sys/unix"
)

// ifAddr is an address as RTM_NEWADDR describes it.
type ifAddr struct {
	_      [0]func() // not comparable: spares the binary an equality function
	Index  int
	IP     netip.Addr
	Prefix int
	Scope  uint8
	Flags  int    // IFA_F_*: IFA_FLAGS when the kernel sends it, else the header's 8 bits
	Valid  uint32 // valid lifetime in seconds, math.MaxUint32 for ever; 0 without IFA_CACHEINFO
}

// dynamic says whether the address has a finite lifetime (DHCP, SLAAC).
func (a ifAddr) dynamic() bool { return a.Flags&unix.IFA_F_PERMANENT == 0 && a.Valid != math.MaxUint32 }

// parseAddr reads an RTM_NEWADDR or RTM_DELADDR body. The address is
// IFA_LOCAL, the link's own end, when present: on point-to-point links
// IFA_ADDRESS is the peer.
func parseAddr(b []byte) (ifAddr, error) {
	if len(b) < unix.SizeofIfAddrmsg {
		return ifAddr{}, errMalformed
	}
	ne := binary.NativeEndian
	fam, bits := b[0], 32
	switch fam {
	case unix.AF_INET:
	case unix.AF_INET6:
		bits = 128
	default:
		return ifAddr{}, errMalformed
	}
	a := ifAddr{Prefix: int(b[1]), Flags: int(b[2]), Scope: b[3], Index: int(int32(ne.Uint32(b[4:])))}
	var local, address netip.Addr
	bad := false
	ip := func(v []byte) netip.Addr {
		ip, ok := netip.AddrFromSlice(v)
		if !ok || ip.BitLen() != bits {
			bad = true
		}
		return ip
	}
	err := walkAttrs(b[unix.SizeofIfAddrmsg:], func(typ uint16, v []byte) {
		switch typ {
		case unix.IFA_LOCAL:
			local = ip(v)
		case unix.IFA_ADDRESS:
			address = ip(v)
		case unix.IFA_FLAGS:
			if n, ok := u32Attr(v); ok {
				a.Flags = int(n)
			}
		case unix.IFA_CACHEINFO:
			// struct ifa_cacheinfo: preferred, valid, cstamp, tstamp.
			if len(v) >= unix.SizeofIfaCacheinfo {
				a.Valid = ne.Uint32(v[4:])
			}
		}
	})
	a.IP = address
	if local.IsValid() {
		a.IP = local
	}
	if err != nil || bad || !a.IP.IsValid() || a.Prefix > bits || a.Index <= 0 {
		return ifAddr{}, errMalformed
	}
	return a, nil
}

// addrs dumps the addresses of one family (unix.AF_INET or AF_INET6) on
// every link.
func (r *rtnl) addrs(family int) ([]ifAddr, error) {
	msgs, err := r.dump(unix.RTM_GETADDR, unix.RTM_NEWADDR, ifAddrHdr(family, 0, 0))
	if err != nil {
		return nil, err
	}
	out := make([]ifAddr, 0, len(msgs))
	for _, m := range msgs {
		if a, err := parseAddr(m); err == nil && int(m[0]) == family {
			out = append(out, a)
		}
	}
	return out, nil
}

// addAddr puts an address on a link as `ip addr add` does, with the
// broadcast address of an IPv4 subnet larger than /31 (RFC 3021); an
// address already there is unix.EEXIST.
func (r *rtnl) addAddr(index int, p netip.Prefix) error {
	return r.change(unix.RTM_NEWADDR, unix.NLM_F_CREATE|unix.NLM_F_EXCL, addrBody(index, p))
}

// delAddr takes an address off a link; one that is not there is
// unix.EADDRNOTAVAIL.
func (r *rtnl) delAddr(index int, p netip.Prefix) error {
	return r.change(unix.RTM_DELADDR, 0, addrBody(index, p))
}

// addrBody is the body of a request to add or delete an address.
func addrBody(index int, p netip.Prefix) []byte {
	ip := p.Addr().Unmap()
	family := unix.AF_INET
	if ip.Is6() {
		family = unix.AF_INET6
	}
	b := appendAttr(ifAddrHdr(family, uint8(p.Bits()), uint32(index)), unix.IFA_LOCAL, ip.AsSlice())
	b = appendAttr(b, unix.IFA_ADDRESS, ip.AsSlice())
	if ip.Is4() && p.Bits() < 31 {
		brd := ip.As4()
		host := uint32(math.MaxUint32) >> p.Bits()
		binary.BigEndian.PutUint32(brd[:], binary.BigEndian.Uint32(brd[:])|host)
		b = appendAttr(b, unix.IFA_BROADCAST, brd[:])
	}
	return b
}
