//go:build linux

package linux

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// DefaultLeasesFile is where dnsmasq, OpenWrt's DHCP server, keeps its
// leases.
const DefaultLeasesFile = "/tmp/dhcp.leases"

// lease is one DHCPv4 lease dnsmasq handed out.
type lease struct {
	_        [0]func() // not comparable: spares the binary an equality function
	MAC      string
	IP       netip.Addr
	HostName string
}

// parseLeases reads a dnsmasq lease file: "<expiry> <mac> <ip> <name>
// <client-id>" per line, expiry in Unix seconds (0: infinite), "*" for
// an unknown name. IPv6 leases (the "duid" line and the lines after it)
// are skipped: Hosts reads IPv4 neighbours.
func parseLeases(b []byte) ([]lease, error) {
	var out []lease
	for len(b) > 0 {
		var line []byte
		line, b = nextLine(b)
		f := strings.Fields(string(line))
		if len(f) == 0 {
			continue
		}
		if f[0] == "duid" {
			break
		}
		if len(f) < 4 {
			return nil, fmt.Errorf("leases: short line %q", strings.TrimSpace(string(line)))
		}
		if exp, err := strconv.ParseInt(f[0], 10, 64); err != nil || exp < 0 {
			return nil, fmt.Errorf("leases: expiry %q", f[0])
		}
		mac, err := normMAC(f[1])
		if err != nil {
			return nil, fmt.Errorf("leases: %w", err)
		}
		ip, err := netip.ParseAddr(f[2])
		if err != nil || !ip.Is4() {
			return nil, fmt.Errorf("leases: address %q", f[2])
		}
		l := lease{MAC: mac, IP: ip}
		if f[3] != "*" {
			l.HostName = f[3]
		}
		out = append(out, l)
	}
	return out, nil
}
