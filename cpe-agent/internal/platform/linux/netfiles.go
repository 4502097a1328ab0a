//go:build linux

package linux

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// route4 is one IPv4 route of the main table.
type route4 struct {
	_             [0]func() // not comparable: spares the binary an equality function
	Iface         string
	Dest, Gateway netip.Addr
	Mask          netip.Addr
	Metric        int32
	Up            bool
}

// key names the route for the tree: a route is what it matches and where
// it sends, so a changed metric or gateway is another route.
func (r route4) key() string {
	return r.Dest.String() + "/" + r.Mask.String() + "/" + r.Gateway.String() + "/" + r.Iface + "/" + strconv.Itoa(int(r.Metric))
}

// kind is TR-181's IPv4Forwarding Type.
func (r route4) kind() string {
	bits := maskBits(r.Mask)
	switch {
	case bits == 0:
		return "Default"
	case bits == 32:
		return "Host"
	}
	return "Network"
}

// parseRoutes reads /proc/net/route. The kernel prints each address as
// the 32-bit number whose memory holds it in network order, in the host's
// byte order: order is that byte order (binary.NativeEndian on the
// device; tests name it, so a fixture taken on x86 parses the same under
// qemu on big-endian MIPS).
func parseRoutes(b []byte, order binary.ByteOrder) ([]route4, error) {
	var out []route4
	first := true
	for len(b) > 0 {
		var line []byte
		line, b = nextLine(b)
		f := strings.Fields(string(line))
		if first {
			first = false
			if len(f) > 0 && f[0] == "Iface" {
				continue
			}
		}
		if len(f) == 0 {
			continue
		}
		if len(f) < 8 {
			return nil, fmt.Errorf("route: short line %q", strings.TrimSpace(string(line)))
		}
		addr := func(s string) (netip.Addr, error) {
			v, err := strconv.ParseUint(s, 16, 32)
			if err != nil {
				return netip.Addr{}, fmt.Errorf("route: address %q", s)
			}
			var a [4]byte
			order.PutUint32(a[:], uint32(v))
			return netip.AddrFrom4(a), nil
		}
		dst, err := addr(f[1])
		if err != nil {
			return nil, err
		}
		gw, err := addr(f[2])
		if err != nil {
			return nil, err
		}
		mask, err := addr(f[7])
		if err != nil {
			return nil, err
		}
		if maskBits(mask) < 0 {
			return nil, fmt.Errorf("route: mask %s is not contiguous", mask)
		}
		flags, err := strconv.ParseUint(f[3], 16, 16)
		if err != nil {
			return nil, fmt.Errorf("route: flags %q", f[3])
		}
		metric, err := strconv.ParseInt(f[6], 10, 32)
		if err != nil {
			return nil, fmt.Errorf("route: metric %q", f[6])
		}
		const rtfUp = 0x1
		out = append(out, route4{Iface: f[0], Dest: dst, Gateway: gw, Mask: mask, Metric: int32(metric), Up: flags&rtfUp != 0})
	}
	return out, nil
}

// maskBits returns the prefix length of a contiguous IPv4 mask, or -1.
func maskBits(m netip.Addr) int {
	if !m.Is4() {
		return -1
	}
	a := m.As4()
	v := binary.BigEndian.Uint32(a[:])
	n := 0
	for v&0x80000000 != 0 {
		n++
		v <<= 1
	}
	if v != 0 {
		return -1
	}
	return n
}

// maskOf returns the IPv4 mask of a prefix length.
func maskOf(bits int) netip.Addr {
	var a [4]byte
	binary.BigEndian.PutUint32(a[:], ^uint32(0)<<(32-bits)&0xffffffff)
	if bits == 0 {
		a = [4]byte{}
	}
	return netip.AddrFrom4(a)
}

// parseMask reads a dotted-quad subnet mask; it must be contiguous.
func parseMask(s string) (int, error) {
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is4() {
		return 0, fmt.Errorf("%q is not a dotted-quad subnet mask", s)
	}
	n := maskBits(a)
	if n < 0 {
		return 0, fmt.Errorf("subnet mask %s is not contiguous", s)
	}
	return n, nil
}

// neighbour is one complete entry of the IPv4 neighbour (ARP) table.
type neighbour struct {
	_      [0]func() // not comparable: spares the binary an equality function
	IP     netip.Addr
	MAC    string // upper case, colon separated
	Iface  string
	Active bool
}

// parseARP reads /proc/net/arp. Incomplete entries (no MAC yet) are left
// out; Active is the "complete" flag (a stale entry the kernel still
// holds is inactive).
func parseARP(b []byte) ([]neighbour, error) {
	var out []neighbour
	first := true
	for len(b) > 0 {
		var line []byte
		line, b = nextLine(b)
		f := strings.Fields(string(line))
		if first {
			first = false
			if len(f) > 0 && f[0] == "IP" {
				continue
			}
		}
		if len(f) == 0 {
			continue
		}
		if len(f) < 6 {
			return nil, fmt.Errorf("arp: short line %q", strings.TrimSpace(string(line)))
		}
		ip, err := netip.ParseAddr(f[0])
		if err != nil || !ip.Is4() {
			return nil, fmt.Errorf("arp: address %q", f[0])
		}
		flags, err := strconv.ParseUint(strings.TrimPrefix(f[2], "0x"), 16, 32)
		if err != nil {
			return nil, fmt.Errorf("arp: flags %q", f[2])
		}
		mac, err := normMAC(f[3])
		if err != nil {
			return nil, fmt.Errorf("arp: %w", err)
		}
		if mac == "00:00:00:00:00:00" {
			continue
		}
		const atfCom = 0x2
		out = append(out, neighbour{IP: ip, MAC: mac, Iface: f[5], Active: flags&atfCom != 0})
	}
	return out, nil
}

// normMAC checks a 48-bit MAC address and writes it in upper case.
func normMAC(s string) (string, error) {
	parts := strings.Split(s, ":")
	if len(parts) != 6 {
		return "", fmt.Errorf("%q is not a MAC address", s)
	}
	for _, p := range parts {
		if len(p) != 2 {
			return "", fmt.Errorf("%q is not a MAC address", s)
		}
		if _, err := strconv.ParseUint(p, 16, 8); err != nil {
			return "", fmt.Errorf("%q is not a MAC address", s)
		}
	}
	return strings.ToUpper(s), nil
}

// parseResolvConf returns the nameservers of a resolv.conf, in order,
// without duplicates. IPv6 zones ("fe80::1%eth0") are kept; anything that
// is not an address is skipped, as the resolver skips it.
func parseResolvConf(b []byte) []netip.Addr {
	var out []netip.Addr
	seen := map[netip.Addr]bool{}
	for len(b) > 0 {
		var line []byte
		line, b = nextLine(b)
		l := string(line)
		if i := strings.IndexAny(l, "#;"); i >= 0 {
			l = l[:i]
		}
		f := strings.Fields(l)
		if len(f) < 2 || f[0] != "nameserver" {
			continue
		}
		a, err := netip.ParseAddr(f[1])
		if err != nil || seen[a] {
			continue
		}
		seen[a] = true
		out = append(out, a)
	}
	return out
}

// nextLine splits the first line, newline included, off b. The parsers
// loop with it rather than over bytes.Lines: with inlining off (the router
// build) each range-over-func loop becomes a yield closure plus its frame
// plumbing, about 1.5 KB of mipsle code per parser.
func nextLine(b []byte) (line, rest []byte) {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return b[:i+1], b[i+1:]
	}
	return b, nil
}

// errGone reports an interface that vanished between listing and reading.
var errGone = errors.New("interface gone")
