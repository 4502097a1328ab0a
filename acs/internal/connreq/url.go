package connreq

import (
	"fmt"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
)

// checkURL accepts only what TR-069 defines for a connection request:
// http://host[:port]/path. No https (the spec has no TLS here, and a CPE
// does not hold a certificate the ACS could check), and no userinfo, which
// would bypass Digest or leak into logs.
func checkURL(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, ErrNoURL
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: does not parse", ErrBadURL)
	}
	switch {
	case !strings.EqualFold(u.Scheme, "http"):
		return nil, fmt.Errorf("%w: scheme %q is not http", ErrBadURL, u.Scheme)
	case u.User != nil:
		return nil, fmt.Errorf("%w: it carries user information", ErrBadURL)
	case u.Host == "" || u.Hostname() == "":
		return nil, fmt.Errorf("%w: no host", ErrBadURL)
	case u.Opaque != "":
		return nil, fmt.Errorf("%w: not a hierarchical URL", ErrBadURL)
	}
	u.Scheme = "http"
	u.Fragment, u.RawFragment = "", ""
	return u, nil
}

// errForbiddenAddr marks a dial the address policy refused; it never
// leaves the host, as the check runs before connect.
var errForbiddenAddr = fmt.Errorf("%w: address not allowed", ErrBadURL)

// DefaultAllowAddr refuses addresses a device has no business reporting
// as its own: unspecified, multicast, and link-local ones (169.254.0.0/16
// holds cloud metadata services). Loopback and private addresses are
// allowed: labs, the simulator and CGNAT fleets use them.
func DefaultAllowAddr(a netip.Addr) bool {
	a = a.Unmap()
	return a.IsValid() && !a.IsUnspecified() && !a.IsMulticast() &&
		!a.IsLinkLocalUnicast() && !a.IsLinkLocalMulticast() && !a.IsInterfaceLocalMulticast() &&
		a != netip.AddrFrom4([4]byte{255, 255, 255, 255})
}

// dialControl applies allow to the address about to be dialled, after name
// resolution and before any packet is sent.
func dialControl(allow func(netip.Addr) bool) func(network, address string, c syscall.RawConn) error {
	return func(_, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil || !allow(ap.Addr()) {
			return errForbiddenAddr
		}
		return nil
	}
}
