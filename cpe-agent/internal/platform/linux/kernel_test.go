//go:build linux

package linux

import (
	"context"
	"net/netip"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"gatewarden/cpe-agent/internal/model"
	"gatewarden/cpe-agent/internal/store"
)

// scriptedKernel stands in for netlink in fixture tests.
type scriptedKernel struct {
	mu    sync.Mutex
	ls    []linkInfo
	as    map[string][]kernelAddr
	calls int
}

func (k *scriptedKernel) links() ([]linkInfo, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.calls++
	return slices.Clone(k.ls), nil
}

func (k *scriptedKernel) addrs(link string, fam int) ([]kernelAddr, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	var out []kernelAddr
	for _, a := range k.as[link] {
		if a.IP.Is4() == (fam == 4) {
			out = append(out, a)
		}
	}
	return out, nil
}

func (k *scriptedKernel) set(ls []linkInfo) {
	k.mu.Lock()
	k.ls = ls
	k.mu.Unlock()
}

func ether(idx int, name, mac string) linkInfo {
	return linkInfo{Index: idx, Name: name, Type: "device", Encap: "ether", MAC: mac, MTU: 1500, AdminUp: true, LowerUp: true, Oper: "up"}
}

// The interface tables on a scripted kernel and the fixture /sys: which
// links land where, what sysfs adds, instance numbers as links come and
// go, and an interface whose sysfs entry is already gone when its
// counters are read.
func TestInterfacesOnScriptedKernel(t *testing.T) {
	lo := linkInfo{Index: 1, Name: "lo", Type: "device", Encap: "loopback", MTU: 65536, AdminUp: true, LowerUp: true, Oper: "unknown"}
	eth0 := ether(2, "eth0", "02:A0:C5:00:00:01")
	wlan := ether(3, "wlan0", "02:A0:C5:00:00:02")
	br := linkInfo{Index: 4, Name: "br-lan", Type: "bridge", Encap: "ether", MAC: "02:A0:C5:00:00:03", AdminUp: true, Oper: "down"}
	port := linkInfo{Index: 5, Name: "lan1", Type: "dsa", Encap: "ether", MAC: "02:A0:C5:00:00:04", Master: 4, AdminUp: true, Oper: "lowerlayerdown"}
	eth1 := ether(6, "eth1", "02:A0:C5:00:00:05") // no sysfs entry: gone mid-read
	k := &scriptedKernel{ls: []linkInfo{lo, eth0, wlan, br, port, eth1}, as: map[string][]kernelAddr{
		"br-lan": {{IP: netip.MustParseAddr("192.168.1.1"), Prefix: 24}, {IP: netip.MustParseAddr("fd00::1"), Prefix: 64, Flags: 0x40}},
		"eth1":   {{IP: netip.MustParseAddr("100.64.3.9"), Prefix: 10, Dynamic: true}},
	}}
	p := fixturePlatform(t)
	p.kern = k
	r := model.NewRegistry()
	p.bind(r)
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(filepath.Join(t.TempDir(), "s.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	tree, err := model.New(ctx, r, model.Options{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	defer tree.Close()
	get := func() map[string]string {
		t.Helper()
		vals, err := tree.GetParameterValues(ctx, []string{"Device.Ethernet.", "Device.IP."})
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for _, v := range vals {
			m[v.Name] = v.Value
		}
		return m
	}
	got := get()
	want := map[string]string{
		// Ethernet: eth0, lan1 (a DSA port, even enslaved), eth1; not lo,
		// the Wi-Fi or the bridge. Numbered in ifindex order.
		"Device.Ethernet.InterfaceNumberOfEntries":        "3",
		"Device.Ethernet.Interface.1.Name":                "eth0",
		"Device.Ethernet.Interface.1.MACAddress":          "02:A0:C5:00:00:01",
		"Device.Ethernet.Interface.1.MaxBitRate":          "1000",
		"Device.Ethernet.Interface.1.DuplexMode":          "Full",
		"Device.Ethernet.Interface.1.Status":              "Up",
		"Device.Ethernet.Interface.1.Stats.BytesReceived": "18446744073709551610",
		"Device.Ethernet.Interface.1.Stats.BytesSent":     "4294967290",
		"Device.Ethernet.Interface.2.Name":                "lan1",
		"Device.Ethernet.Interface.2.Status":              "LowerLayerDown",
		"Device.Ethernet.Interface.3.Name":                "eth1",
		"Device.Ethernet.Interface.3.MaxBitRate":          "-1",
		"Device.Ethernet.Interface.3.Stats.BytesReceived": "0",
		// IP: everything not enslaved.
		"Device.IP.InterfaceNumberOfEntries":                  "5",
		"Device.IP.Interface.1.Name":                          "lo",
		"Device.IP.Interface.1.Loopback":                      "true",
		"Device.IP.Interface.1.Status":                        "Up",
		"Device.IP.Interface.1.MaxMTUSize":                    "65536",
		"Device.IP.Interface.4.Name":                          "br-lan",
		"Device.IP.Interface.4.Status":                        "Down",
		"Device.IP.Interface.4.IPv4Address.1.IPAddress":       "192.168.1.1",
		"Device.IP.Interface.4.IPv4Address.1.SubnetMask":      "255.255.255.0",
		"Device.IP.Interface.4.IPv4Address.1.AddressingType":  "Static",
		"Device.IP.Interface.4.IPv6Address.1.IPAddress":       "fd00::1",
		"Device.IP.Interface.4.IPv6Address.1.IPAddressStatus": "Tentative",
		"Device.IP.Interface.5.IPv4Address.1.AddressingType":  "DHCP",
		"Device.IP.Interface.5.IPv4Address.1.SubnetMask":      "255.192.0.0",
	}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s = %q, want %q", name, got[name], w)
		}
	}
	if _, ok := got["Device.IP.Interface.6.Name"]; ok {
		t.Error("a bridge port is an IP interface")
	}

	// eth1 goes, usb0 appears: known links keep their numbers, the new
	// one takes a number never used before.
	usb0 := ether(7, "usb0", "02:A0:C5:00:00:06")
	k.set([]linkInfo{lo, eth0, wlan, br, port, usb0})
	got = get()
	if got["Device.Ethernet.Interface.1.Name"] != "eth0" || got["Device.Ethernet.Interface.4.Name"] != "usb0" {
		t.Errorf("after a change: %v", pick(got, ".Name"))
	}
	if _, ok := got["Device.Ethernet.Interface.3.Name"]; ok {
		t.Error("eth1 is still listed")
	}
	// eth1 comes back: a new number, not its old one.
	k.set([]linkInfo{lo, eth0, wlan, br, port, usb0, eth1})
	got = get()
	if got["Device.Ethernet.Interface.5.Name"] != "eth1" {
		t.Errorf("eth1 back: %v", pick(got, ".Name"))
	}
}

func pick(m map[string]string, suffix string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		if len(k) > len(suffix) && k[len(k)-len(suffix):] == suffix {
			out[k] = v
		}
	}
	return out
}
