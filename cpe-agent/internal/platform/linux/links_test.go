//go:build linux

package linux

import (
	"slices"
	"testing"
)

func TestLinkClassification(t *testing.T) {
	eth := linkInfo{Index: 2, Name: "eth0", Type: "device", Encap: "ether", MAC: "02:00:00:00:00:01", AdminUp: true, LowerUp: true, Oper: "up"}
	for _, c := range []struct {
		l            linkInfo
		wireless     bool
		ethernet, ip bool
		typ          string
	}{
		{eth, false, true, true, "Normal"},
		{eth, true, false, true, "Normal"}, // Wi-Fi frames Ethernet but is WiFi's
		{linkInfo{Name: "lan1", Type: "dsa", Encap: "ether", MAC: "02:00:00:00:00:02", Master: 9}, false, true, false, "Normal"},
		{linkInfo{Name: "veth0", Type: "veth", Encap: "ether", MAC: "02:00:00:00:00:03"}, false, true, true, "Normal"},
		{linkInfo{Name: "br-lan", Type: "bridge", Encap: "ether", MAC: "02:00:00:00:00:04"}, false, false, true, "Normal"},
		{linkInfo{Name: "lo", Type: "device", Encap: "loopback"}, false, false, true, "Loopback"},
		{linkInfo{Name: "wg0", Type: "wireguard", Encap: "none"}, false, false, true, "Tunnel"},
		{linkInfo{Name: "eth9", Type: "device", Encap: "ether"}, false, false, true, "Normal"}, // no MAC
	} {
		if got := c.l.isEthernet(c.wireless); got != c.ethernet {
			t.Errorf("%s: isEthernet = %v", c.l.Name, got)
		}
		if got := c.l.isIPInterface(); got != c.ip {
			t.Errorf("%s: isIPInterface = %v", c.l.Name, got)
		}
		if got := c.l.ipType(); got != c.typ {
			t.Errorf("%s: ipType = %q", c.l.Name, got)
		}
	}
}

func TestLinkStatus(t *testing.T) {
	for _, c := range []struct {
		admin, lower bool
		oper, want   string
	}{
		{true, true, "up", "Up"},
		{false, true, "up", "Down"},
		{true, false, "down", "Down"},
		{true, false, "lowerlayerdown", "LowerLayerDown"},
		{true, false, "dormant", "Dormant"},
		{true, false, "notpresent", "NotPresent"},
		{true, false, "testing", "Testing"},
		{true, true, "unknown", "Up"}, // loopback, tun
		{true, false, "unknown", "Unknown"},
	} {
		l := linkInfo{AdminUp: c.admin, LowerUp: c.lower, Oper: c.oper}
		if got := l.status(); got != c.want {
			t.Errorf("%+v: %q, want %q", l, got, c.want)
		}
	}
}

func TestLinkSetOrder(t *testing.T) {
	s := newLinkSet([]linkInfo{{Index: 5, Name: "b"}, {Index: 1, Name: "lo"}, {Index: 3, Name: "a"}, {Index: 7, Name: "a"}, {Index: 9}})
	if !slices.Equal(s.order, []string{"lo", "a", "b"}) {
		t.Errorf("order %q", s.order)
	}
}
