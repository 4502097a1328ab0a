//go:build linux

package linux

import (
	"net/netip"
	"testing"
)

func TestParseLeases(t *testing.T) {
	ls, err := parseLeases(mustRead(t, "testdata/dhcp.leases"))
	if err != nil {
		t.Fatal(err)
	}
	// The IPv6 part after "duid" is not read.
	if len(ls) != 2 {
		t.Fatalf("leases %+v", ls)
	}
	if ls[0].MAC != "02:1A:2B:3C:4D:5E" || ls[0].IP != netip.MustParseAddr("192.168.1.100") || ls[0].HostName != "laptop-1" {
		t.Errorf("first %+v", ls[0])
	}
	if ls[1].HostName != "" || ls[1].MAC != "02:AA:BB:CC:DD:EE" {
		t.Errorf("nameless lease %+v", ls[1])
	}
	for _, bad := range []string{"123 02:00:00:00:00:01 10.0.0.1\n", "x 02:00:00:00:00:01 10.0.0.1 a *\n",
		"-1 02:00:00:00:00:01 10.0.0.1 a *\n", "1 02:00:00:00:00 10.0.0.1 a *\n", "1 02:00:00:00:00:01 fd00::1 a *\n"} {
		if _, err := parseLeases([]byte(bad)); err == nil {
			t.Errorf("parseLeases(%q) accepted", bad)
		}
	}
}

func FuzzParseLeases(f *testing.F) {
	f.Add("1764170000 02:1a:2b:3c:4d:5e 192.168.1.100 laptop-1 01:02:1a:2b:3c:4d:5e\n0 02:aa:bb:cc:dd:ee 192.168.1.102 * *\n")
	f.Add("duid 00:01\n86400 1234 fd00::100 phone 000100012c7b\n")
	f.Add("9223372036854775807 02:00:00:00:00:01 10.0.0.1 x *\n")
	f.Fuzz(func(t *testing.T, s string) {
		ls, err := parseLeases([]byte(s))
		if err != nil {
			return
		}
		for _, l := range ls {
			if !l.IP.Is4() || l.HostName == "*" {
				t.Fatalf("accepted %+v", l)
			}
		}
	})
}
