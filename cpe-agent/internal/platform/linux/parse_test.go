//go:build linux

package linux

import (
	"encoding/binary"
	"math"
	"net/netip"
	"os"
	"reflect"
	"slices"
	"testing"
)

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseMeminfo(t *testing.T) {
	m, err := parseMeminfo(mustRead(t, "testdata/proc/meminfo"))
	if err != nil || m != (memInfo{Total: 250852, Free: 122904}) {
		t.Fatalf("fixture: %+v, %v", m, err)
	}
	// Kernels before 3.14 have no MemAvailable.
	m, err = parseMeminfo([]byte("MemTotal: 1000 kB\nMemFree: 300 kB\n"))
	if err != nil || m.Free != 300 {
		t.Errorf("old kernel: %+v, %v", m, err)
	}
	// A free figure above the total is clamped; a huge total is kept.
	m, err = parseMeminfo([]byte("MemTotal: 18446744073709551615 kB\nMemAvailable: 5 kB\n"))
	if err != nil || m.Total != math.MaxUint64 || m.Free != 5 {
		t.Errorf("huge total: %+v, %v", m, err)
	}
	m, _ = parseMeminfo([]byte("MemTotal: 10 kB\nMemAvailable: 50 kB\n"))
	if m.Free != 10 {
		t.Errorf("free above total: %+v", m)
	}
	for _, bad := range []string{"", "MemFree: 3 kB\n", "MemTotal: 10 kB\n", "MemTotal: x kB\nMemFree: 1 kB\n", "MemTotal: 10 MB\nMemFree: 1 kB"} {
		if _, err := parseMeminfo([]byte(bad)); err == nil {
			t.Errorf("parseMeminfo(%q) accepted", bad)
		}
	}
}

func TestParseUptime(t *testing.T) {
	for in, want := range map[string]uint64{"35125.71 62051.33\n": 35125, "0.00 0.00": 0, "18446744073709551615.99 1": math.MaxUint64, "7": 7} {
		if got, err := parseUptime([]byte(in)); err != nil || got != want {
			t.Errorf("parseUptime(%q) = %d, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "  \n", "-5.0 1", "abc", "1.x 2", "18446744073709551616.0"} {
		if _, err := parseUptime([]byte(bad)); err == nil {
			t.Errorf("parseUptime(%q) accepted", bad)
		}
	}
}

func TestCPUUsage(t *testing.T) {
	a, err := parseCPUStat(mustRead(t, "testdata/proc/stat"))
	if err != nil {
		t.Fatal(err)
	}
	if a.Total != 4705+356+584+3699176+23+23 || a.Busy != 4705+356+584+23 {
		t.Errorf("fixture: %+v", a)
	}
	b, _ := parseCPUStat([]byte("cpu  5705 356 584 3699376 23 23 0 0 0 0\n"))
	// 1000 busy ticks out of 1200.
	if u, ok := cpuUsage(a, b); !ok || u != 83 {
		t.Errorf("usage %d %v, want 83", u, ok)
	}
	if _, ok := cpuUsage(b, a); ok {
		t.Error("counters going backwards (a new boot) gave a usage")
	}
	if _, ok := cpuUsage(a, a); ok {
		t.Error("no tick gave a usage")
	}
	for _, bad := range []string{"", "cpu0 1 2 3 4\n", "cpu 1 2\n", "cpu 1 2 x 4 5\n"} {
		if _, err := parseCPUStat([]byte(bad)); err == nil {
			t.Errorf("parseCPUStat(%q) accepted", bad)
		}
	}
}

func TestParsePIDStat(t *testing.T) {
	p, err := parsePIDStat(mustRead(t, "testdata/proc/1/stat"))
	want := procInfo{PID: 1, Command: "procd", SizeKiB: 1740, Priority: 80, CPUMillis: 2800, State: "Sleeping"}
	if err != nil || !reflect.DeepEqual(p, want) {
		t.Errorf("procd: %+v, %v; want %+v", p, err, want)
	}
	// A command holding ") (" and spaces, a real-time priority, counters
	// at the top of their range: clamped, not wrapped.
	p, err = parsePIDStat(mustRead(t, "testdata/proc/42/stat"))
	want = procInfo{PID: 42, Command: "odd ) (name", SizeKiB: math.MaxUint32, Priority: 9, CPUMillis: math.MaxUint32, State: "Running"}
	if err != nil || !reflect.DeepEqual(p, want) {
		t.Errorf("odd: %+v, %v; want %+v", p, err, want)
	}
	for _, bad := range []string{"", "12 procd S", "x (a) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 1 1 1",
		"12 (a) S 1 1 1 0 -1 0 0 0 0 0 zz 0 0 0 20 0 1 0 1 1 1", "12 (a) S 1 1"} {
		if _, err := parsePIDStat([]byte(bad)); err == nil {
			t.Errorf("parsePIDStat(%q) accepted", bad)
		}
	}
}

func TestParseRelease(t *testing.T) {
	m := parseRelease(mustRead(t, "testdata/etc/openwrt_release"))
	if m["DISTRIB_REVISION"] != "r23809-234f1a2efa" || m["DISTRIB_TARGET"] != "ath79/generic" {
		t.Errorf("openwrt_release: %v", m)
	}
	m = parseRelease(mustRead(t, "testdata/etc/os-release"))
	if m["VERSION_ID"] != "23.05.3" || m["NAME"] != "OpenWrt" || len(m) != 5 {
		t.Errorf("os-release: %v", m)
	}
}

func TestParseRoutes(t *testing.T) {
	rs, err := parseRoutes(mustRead(t, "testdata/proc/net/route"), binary.LittleEndian)
	if err != nil {
		t.Fatal(err)
	}
	a := netip.MustParseAddr
	want := []route4{
		{Iface: "pppoe-wan", Dest: a("0.0.0.0"), Gateway: a("10.100.0.1"), Mask: a("0.0.0.0"), Up: true},
		{Iface: "br-lan", Dest: a("192.168.1.0"), Gateway: a("0.0.0.0"), Mask: a("255.255.255.0"), Up: true},
		{Iface: "eth1", Dest: a("10.0.50.0"), Gateway: a("10.100.0.1"), Mask: a("255.255.0.0"), Metric: 20, Up: true},
		{Iface: "lan9", Dest: a("10.10.10.10"), Gateway: a("0.0.0.0"), Mask: a("255.255.255.255"), Metric: math.MaxInt32, Up: true},
	}
	if !reflect.DeepEqual(rs, want) {
		t.Fatalf("routes\n got %+v\nwant %+v", rs, want)
	}
	if k := []string{rs[0].kind(), rs[1].kind(), rs[3].kind()}; !slices.Equal(k, []string{"Default", "Network", "Host"}) {
		t.Errorf("kinds %q", k)
	}
	// The same bytes on a big-endian kernel mean the reversed address.
	be, _ := parseRoutes([]byte("br-lan\tC0A80100\t00000000\t0001\t0\t0\t0\tFFFFFF00\t0\t0\t0\n"), binary.BigEndian)
	if len(be) != 1 || be[0].Dest != a("192.168.1.0") || be[0].Mask != a("255.255.255.0") {
		t.Errorf("big-endian: %+v", be)
	}
	for _, bad := range []string{
		"eth0\t0001A8C0\t00000000\t0001\t0\t0\n",                                // short
		"eth0\tXX01A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n",          // address
		"eth0\t0001A8C0\t00000000\t0001\t0\t0\t0\t00FF00FF\t0\t0\t0\n",          // holes in the mask
		"eth0\t0001A8C0\t00000000\t0001\t0\t0\t4294967296\t00FFFFFF\t0\t0\t0\n", // metric
		"eth0\t0001A8C0\t00000000\tzz\t0\t0\t0\t00FFFFFF\t0\t0\t0\n",            // flags
	} {
		if _, err := parseRoutes([]byte(bad), binary.LittleEndian); err == nil {
			t.Errorf("parseRoutes(%q) accepted", bad)
		}
	}
	if rs, err := parseRoutes([]byte("Iface\tDestination\n"), binary.LittleEndian); err != nil || len(rs) != 0 {
		t.Errorf("header only: %v %v", rs, err)
	}
}

func TestMasks(t *testing.T) {
	for bits := 0; bits <= 32; bits++ {
		if got := maskBits(maskOf(bits)); got != bits {
			t.Errorf("maskBits(maskOf(%d)) = %d", bits, got)
		}
	}
	for in, want := range map[string]int{"255.255.255.0": 24, "0.0.0.0": 0, "255.255.255.255": 32, "255.255.128.0": 17} {
		if got, err := parseMask(in); err != nil || got != want {
			t.Errorf("parseMask(%q) = %d, %v", in, got, err)
		}
	}
	for _, bad := range []string{"255.0.255.0", "0.255.255.255", "ffff::", "24", ""} {
		if _, err := parseMask(bad); err == nil {
			t.Errorf("parseMask(%q) accepted", bad)
		}
	}
}

func TestParseARP(t *testing.T) {
	ns, err := parseARP(mustRead(t, "testdata/proc/net/arp"))
	if err != nil {
		t.Fatal(err)
	}
	a := netip.MustParseAddr
	// The incomplete entry (no MAC yet) is left out.
	want := []neighbour{
		{IP: a("192.168.1.100"), MAC: "02:1A:2B:3C:4D:5E", Iface: "br-lan", Active: true},
		{IP: a("192.168.1.101"), MAC: "02:1A:2B:3C:4D:5E", Iface: "br-lan", Active: true},
		{IP: a("192.168.1.102"), MAC: "02:AA:BB:CC:DD:EE", Iface: "br-lan"},
	}
	if !reflect.DeepEqual(ns, want) {
		t.Fatalf("neighbours\n got %+v\nwant %+v", ns, want)
	}
	hosts, keys := groupHosts(ns)
	if !slices.Equal(keys, []string{"02:1A:2B:3C:4D:5E", "02:AA:BB:CC:DD:EE"}) ||
		!slices.Equal(hosts["02:1A:2B:3C:4D:5E"].IPs, []string{"192.168.1.100", "192.168.1.101"}) || hosts["02:AA:BB:CC:DD:EE"].Active {
		t.Errorf("hosts %q %+v", keys, hosts)
	}
	for _, bad := range []string{"10.0.0.1 0x1 0x2 02:00:00:00:00:01 *\n", "10.0.0.300 0x1 0x2 02:00:00:00:00:01 * eth0\n",
		"10.0.0.1 0x1 0xZ 02:00:00:00:00:01 * eth0\n", "10.0.0.1 0x1 0x2 02:00:00:00:00 * eth0\n", "10.0.0.1 0x1 0x2 02:00:00:00:00:0g * eth0\n",
		"::1 0x1 0x2 02:00:00:00:00:01 * eth0\n"} {
		if _, err := parseARP([]byte(bad)); err == nil {
			t.Errorf("parseARP(%q) accepted", bad)
		}
	}
}

func TestParseResolvConf(t *testing.T) {
	got := parseResolvConf(mustRead(t, "testdata/etc/resolv.conf"))
	want := []netip.Addr{netip.MustParseAddr("192.0.2.53"), netip.MustParseAddr("2001:db8::53"), netip.MustParseAddr("fe80::1%br-lan")}
	if !slices.Equal(got, want) {
		t.Errorf("nameservers %v, want %v", got, want)
	}
}
