//go:build linux

package linux

import (
	"math"
	"os"
	"path/filepath"
	"testing"
)

var fixture = Roots{Proc: "testdata/proc", Sys: "testdata/sys", Etc: "testdata/etc"}

func TestReadIfaceSys(t *testing.T) {
	if s := readIfaceSys(fixture, "eth0"); s != (ifaceSys{SpeedMbps: 1000, Duplex: "Full"}) {
		t.Errorf("eth0 %+v", s)
	}
	// SPEED_UNKNOWN printed unsigned; duplex unknown.
	if s := readIfaceSys(fixture, "br-lan"); s != (ifaceSys{SpeedMbps: -1, Duplex: "Auto"}) {
		t.Errorf("br-lan %+v", s)
	}
	if s := readIfaceSys(fixture, "wlan0"); !s.Wireless {
		t.Errorf("wlan0 %+v", s)
	}
	// An interface that is gone: all unknown, no error.
	if s := readIfaceSys(fixture, "gone0"); s != (ifaceSys{SpeedMbps: -1, Duplex: "Auto"}) {
		t.Errorf("gone0 %+v", s)
	}
	for in, want := range map[string]int64{"100\n": 100, "-1": -1, "0": -1, "4294967295": -1, "x": -1, "10000": 10000} {
		if got := parseSpeed([]byte(in)); got != want {
			t.Errorf("parseSpeed(%q) = %d", in, got)
		}
	}
}

func TestReadStat(t *testing.T) {
	v, err := readStat(fixture, "eth0", "rx_bytes")
	if err != nil || v != math.MaxUint64-5 {
		t.Errorf("huge counter: %d, %v", v, err)
	}
	if _, err := readStat(fixture, "bad0", "rx_packets"); err == nil || err == errGone {
		t.Errorf("malformed counter: %v", err)
	}
	// The interface vanished between the listing and the read.
	if _, err := readStat(fixture, "gone0", "rx_bytes"); err != errGone {
		t.Errorf("vanished interface: %v", err)
	}
	if _, err := readStat(fixture, "eth0", "tx_errors"); err != errGone {
		t.Errorf("a counter the driver lacks: %v", err)
	}
}

func TestCountersWrap(t *testing.T) {
	var c counters
	steps := []struct {
		raw, want uint64
	}{
		{4294967290, 4294967290},
		{4294967295, 4294967295},
		{10, 4294967296 + 10},     // wrapped at 2^32
		{2000, 4294967296 + 2000}, // and counts on
		{1 << 30, 4294967296 + 1<<30},
		{5, 5}, // below a last value in the lower half: a reset, not a wrap
	}
	for i, s := range steps {
		if got := c.extend("3/eth0/rx_bytes", s.raw); got != s.want {
			t.Fatalf("step %d: extend(%d) = %d, want %d", i, s.raw, got, s.want)
		}
	}
	// 64-bit counters near the top count on; going backwards is a reset.
	if got := c.extend("k", math.MaxUint64-10); got != math.MaxUint64-10 {
		t.Fatal(got)
	}
	if got := c.extend("k", math.MaxUint64); got != math.MaxUint64 {
		t.Errorf("near max: %d", got)
	}
	if got := c.extend("k", 7); got != 7 {
		t.Errorf("64-bit restart: %d", got)
	}
	// Keys are separate.
	if got := c.extend("4/eth0/rx_bytes", 3); got != 3 {
		t.Errorf("a recreated interface inherits: %d", got)
	}
}

// An interface that appears mid-read: its counters start from what the
// kernel says, and its statistics vanish cleanly when it goes.
func TestStatsAppearDisappear(t *testing.T) {
	dir := t.TempDir()
	r := Roots{Sys: dir}
	st := filepath.Join(dir, "class", "net", "veth9", "statistics")
	if err := os.MkdirAll(st, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := readStat(r, "veth9", "tx_bytes"); err != errGone {
		t.Fatalf("before the file: %v", err)
	}
	os.WriteFile(filepath.Join(st, "tx_bytes"), []byte("77\n"), 0o644)
	if v, err := readStat(r, "veth9", "tx_bytes"); err != nil || v != 77 {
		t.Fatalf("after: %d %v", v, err)
	}
	os.RemoveAll(filepath.Join(dir, "class", "net", "veth9"))
	if _, err := readStat(r, "veth9", "tx_bytes"); err != errGone {
		t.Fatalf("gone: %v", err)
	}
}
