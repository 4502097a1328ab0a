//go:build linux

package linux

import (
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestReconcile(t *testing.T) {
	a := netip.MustParseAddr
	next := uint64(10)
	recs := []addrRecord{
		{ID: 1, Family: 4, IP: "10.0.0.1", Prefix: 24, Enable: true},
		{ID: 2, Family: 4, IP: "10.0.0.2", Prefix: 24, Enable: true}, // removed from outside
		{ID: 3, Family: 4, IP: "10.0.0.3", Prefix: 24},               // disabled: kept
		{ID: 4, Family: 6, IP: "fd00::1", Prefix: 64, Enable: true},  // other family: untouched here
		{ID: 5, Family: 4, Enable: true},                             // no address yet: kept
	}
	kern := []kernelAddr{
		{IP: a("10.0.0.1"), Prefix: 24, Dynamic: true},
		{IP: a("192.168.7.1"), Prefix: 24}, // added from outside: adopted
		{IP: a("10.0.0.3"), Prefix: 16},    // not the disabled record (other prefix)
	}
	out, changed := reconcile(recs, kern, 4, &next)
	if !changed {
		t.Fatal("no change reported")
	}
	var ids []uint64
	for _, r := range out {
		ids = append(ids, r.ID)
	}
	if !slices.Equal(ids, []uint64{1, 3, 5, 11, 12}) {
		t.Fatalf("ids %v: %+v", ids, out)
	}
	if !out[0].Dynamic || out[3].IP != "192.168.7.1" || !out[3].Enable || out[4].Prefix != 16 || next != 12 {
		t.Errorf("records %+v next %d", out, next)
	}
	// The same kernel state again: stable, nothing changes.
	again, changed := reconcile(out, kern, 4, &next)
	if changed || len(again) != len(out) || next != 12 {
		t.Errorf("second pass changed: %+v", again)
	}
}

func TestAddrBookPersists(t *testing.T) {
	file := filepath.Join(t.TempDir(), addrFile)
	b, err := loadAddrBook(file)
	if err != nil {
		t.Fatal(err)
	}
	kern := []kernelAddr{{IP: netip.MustParseAddr("10.1.1.1"), Prefix: 24}}
	keys, err := b.sync("eth0", 4, kern)
	if err != nil || !slices.Equal(keys, []string{"a1"}) {
		t.Fatalf("keys %q %v", keys, err)
	}
	// The ACS disables it: the kernel loses it, the record stays.
	err = b.update("eth0", "a1", func(r *addrRecord) error { r.Enable = false; return nil },
		func(old, cur addrRecord) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	b2, err := loadAddrBook(file)
	if err != nil {
		t.Fatal(err)
	}
	keys, _ = b2.sync("eth0", 4, nil)
	if r, ok := b2.get("eth0", "a1"); !ok || r.Enable || r.IP != "10.1.1.1" || !slices.Equal(keys, []string{"a1"}) {
		t.Errorf("after a restart: %+v %v %q", r, ok, keys)
	}
	// A new address after the restart gets a new id, never a reused one.
	keys, _ = b2.sync("eth0", 4, []kernelAddr{{IP: netip.MustParseAddr("10.2.2.2"), Prefix: 8}})
	if !slices.Equal(keys, []string{"a1", "a2"}) {
		t.Errorf("keys %q", keys)
	}
	b2.prune(map[string]linkInfo{"eth1": {}})
	if _, ok := b2.get("eth0", "a1"); ok {
		t.Error("records of a vanished link survive pruning")
	}
	if err := b2.update("eth0", "a1", func(*addrRecord) error { return nil }, func(_, _ addrRecord) error { return nil }); err == nil {
		t.Error("updating a gone record succeeded")
	}
	os.WriteFile(file, []byte("{not json"), 0o600)
	if _, err := loadAddrBook(file); err == nil {
		t.Error("a damaged file loaded")
	}
}
