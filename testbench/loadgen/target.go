package loadgen

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
)

// ErrRemoteTarget is returned for an ACS URL outside this machine when
// remote targets were not allowed: a load generator pointed at the wrong
// host is a denial-of-service tool, and this workplace allows traffic to
// loopback only.
var ErrRemoteTarget = errors.New("target is not a loopback address")

// target is where every session of a run goes: the URL as given (for the
// Host header and the request-target) and one address resolved up front,
// so no session pays for a name lookup and no lookup can move the run to
// another host half-way.
type target struct {
	url        *url.URL
	host       string // Host header
	path       string // request-target
	addr       string // ip:port to dial
	serverName string // for TLS
}

// ParseTarget checks an ACS URL: http or https, a host, and, unless
// allowRemote, a host that is a loopback literal (127.0.0.0/8, ::1) or
// "localhost".
func ParseTarget(raw string, allowRemote bool) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("acs url: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("acs url %q: scheme must be http or https", raw)
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("acs url %q: no host", raw)
	}
	if u.User != nil {
		return nil, fmt.Errorf("acs url %q: credentials in the URL are not used; devices authenticate with Digest", raw)
	}
	if !allowRemote && !isLoopbackHost(u.Hostname()) {
		return nil, fmt.Errorf("acs url %q: %w (pass --allow-remote to load another host)", raw, ErrRemoteTarget)
	}
	return u, nil
}

func isLoopbackHost(h string) bool {
	if strings.EqualFold(strings.TrimSuffix(h, "."), "localhost") {
		return true
	}
	a, err := netip.ParseAddr(h)
	return err == nil && a.Unmap().IsLoopback()
}

// resolveTarget picks the address to dial. For a loopback-only run every
// address the name resolves to must be loopback, so a hosts file that maps
// "localhost" elsewhere cannot send the load off the machine.
func resolveTarget(ctx context.Context, u *url.URL, allowRemote bool) (*target, error) {
	host := u.Hostname()
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	var ips []netip.Addr
	if a, err := netip.ParseAddr(host); err == nil {
		ips = []netip.Addr{a}
	} else {
		found, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
		if err != nil {
			return nil, fmt.Errorf("resolving %s: %w", host, err)
		}
		ips = found
	}
	if len(ips) == 0 {
		return nil, fmt.Errorf("resolving %s: no address", host)
	}
	if !allowRemote {
		for _, a := range ips {
			if !a.Unmap().IsLoopback() {
				return nil, fmt.Errorf("%s resolves to %s: %w", host, a, ErrRemoteTarget)
			}
		}
	}
	path := u.RequestURI()
	if path == "" {
		path = "/"
	}
	return &target{
		url:        u,
		host:       u.Host,
		path:       path,
		addr:       net.JoinHostPort(ips[0].Unmap().String(), port),
		serverName: host,
	}, nil
}
