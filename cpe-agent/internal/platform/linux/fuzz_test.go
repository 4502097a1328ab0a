//go:build linux

package linux

import (
	"encoding/binary"
	"math"
	"strconv"
	"strings"
	"testing"
)

// The parsers take whatever the kernel (or a broken driver) writes: they
// must never panic, and what they accept must be self-consistent.

func FuzzParseMeminfo(f *testing.F) {
	f.Add("MemTotal: 250852 kB\nMemFree: 31220 kB\nMemAvailable: 122904 kB\n")
	f.Add("MemTotal: 10 kB\nMemAvailable: 50 kB\n")
	f.Add("MemTotal:\nMemFree: x kB")
	f.Add("MemTotal: 18446744073709551615 kB\nMemFree: 18446744073709551615 kB\n")
	f.Fuzz(func(t *testing.T, s string) {
		m, err := parseMeminfo([]byte(s))
		if err == nil && m.Free > m.Total {
			t.Fatalf("free %d above total %d", m.Free, m.Total)
		}
	})
}

func FuzzParsePIDStat(f *testing.F) {
	f.Add("1 (procd) S 0 1 1 0 -1 4194560 1234 55555 12 40 30 250 100 20 20 0 1 0 15 1781760 258")
	f.Add("42 (odd ) (name) R 1 42 42 0 -1 4194560 0 0 0 0 18446744073709551615 3 0 0 -51 0 1 0 15 18446744073709551615 258")
	f.Add("7 () Z")
	f.Add(") 1 (")
	f.Fuzz(func(t *testing.T, s string) {
		p, err := parsePIDStat([]byte(s))
		if err != nil {
			return
		}
		if p.Priority > 99 || p.State == "" || strings.Count(s, "(") == 0 {
			t.Fatalf("accepted %q as %+v", s, p)
		}
	})
}

func FuzzParseRoutes(f *testing.F) {
	f.Add("Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\tMTU\tWindow\tIRTT\neth0\t0001A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n")
	f.Add("ppp0\t00000000\t0100640A\t0003\t0\t0\t-1\t00000000\t0\t0\t0\n")
	f.Add("eth0\t0001A8C0\t00000000\t0001\t0\t0\t0\t00FF00FF\t0\t0\t0\n")
	f.Add("x")
	f.Fuzz(func(t *testing.T, s string) {
		for _, order := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
			rs, err := parseRoutes([]byte(s), order)
			if err != nil {
				continue
			}
			for _, r := range rs {
				if maskBits(r.Mask) < 0 || !r.Dest.Is4() || !r.Gateway.Is4() || r.key() == "" {
					t.Fatalf("accepted %+v", r)
				}
			}
		}
	})
}

func FuzzParseARP(f *testing.F) {
	f.Add("IP address HW type Flags HW address Mask Device\n192.168.1.100 0x1 0x2 02:1a:2b:3c:4d:5e * br-lan\n")
	f.Add("192.168.1.103 0x1 0x0 00:00:00:00:00:00 * br-lan\n")
	f.Add("10.0.0.1 0x1 0x2 02:00:00:00:00 * eth0\n")
	f.Fuzz(func(t *testing.T, s string) {
		ns, err := parseARP([]byte(s))
		if err != nil {
			return
		}
		for _, n := range ns {
			if _, err := normMAC(n.MAC); err != nil || n.MAC != strings.ToUpper(n.MAC) || !n.IP.Is4() {
				t.Fatalf("accepted %+v", n)
			}
		}
		groupHosts(ns)
	})
}

func FuzzParseResolvConf(f *testing.F) {
	f.Add("nameserver 192.0.2.53\nnameserver 2001:db8::53 # x\n")
	f.Add("nameserver fe80::1%br-lan\nnameserver\n;nameserver 1.1.1.1")
	f.Fuzz(func(t *testing.T, s string) {
		seen := map[string]bool{}
		for _, a := range parseResolvConf([]byte(s)) {
			if !a.IsValid() || seen[a.String()] {
				t.Fatalf("bad or repeated %v", a)
			}
			seen[a.String()] = true
		}
	})
}

func FuzzParseCPUStat(f *testing.F) {
	f.Add("cpu  4705 356 584 3699176 23 23 0 0 0 0\n", "cpu  5705 356 584 3699376 23 23 0 0 0 0\n")
	f.Add("cpu 18446744073709551615 1 1 1\n", "cpu 0 0 0 0\n")
	f.Fuzz(func(t *testing.T, a, b string) {
		x, err1 := parseCPUStat([]byte(a))
		y, err2 := parseCPUStat([]byte(b))
		if err1 != nil || err2 != nil {
			return
		}
		if u, ok := cpuUsage(x, y); ok && u > 100 {
			t.Fatalf("usage %d", u)
		}
	})
}

// The ACS writes a static row's fields one by one, any string the schema
// lets through: a row is complete only as a route the kernel takes (a
// network without host bits, a contiguous mask), and a complete row's key
// is one /proc/net/route can produce.
func FuzzStaticRoute(f *testing.F) {
	f.Add("10.1.0.0", "255.255.0.0", "10.0.0.1", "eth0", 7)
	f.Add("", "", "", "eth0", -1)
	f.Add("10.1.2.3", "255.255.0.0", "", "eth0", 0)
	f.Add("::ffff:10.1.0.0", "255.255.0.0", "fe80::1", "eth0", 1)
	f.Add("10.1.0.0", "", "x", "", 2147483647)
	f.Add("10.1.0.0", "255.255.0.0", "", "eth0", math.MaxInt)
	f.Fuzz(func(t *testing.T, dest, mask, gw, link string, metric int) {
		rec := routeRecord{Dest: dest, Mask: mask, Gateway: gw, Link: link, Metric: metric}
		rt, ok := rec.route()
		if !ok {
			return
		}
		bits := maskBits(rt.Mask)
		if bits < 0 || !rt.Dest.Is4() || !rt.Gateway.Is4() || link == "" || rt.Metric < 0 {
			t.Fatalf("accepted %+v as %+v", rec, rt)
		}
		if p, err := rt.Dest.Prefix(bits); err != nil || p.Addr() != rt.Dest {
			t.Fatalf("host bits in %+v", rt)
		}
		if !strings.HasSuffix(rt.key(), "/"+link+"/"+strconv.Itoa(int(rt.Metric))) || isStaticKey(rt.key()) {
			t.Fatalf("key %q", rt.key())
		}
	})
}
