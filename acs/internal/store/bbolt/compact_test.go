package bbolt

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"gatewarden/acs/internal/store"
)

func TestCompactInPlace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "acs.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	const n = 200
	for i := range n {
		var ps []store.Param
		for j := range 50 {
			ps = append(ps, store.Param{Name: fmt.Sprintf("Device.Obj.%d.Value", j), Value: fmt.Sprintf("value-%d-%d", i, j), Type: "xsd:string"})
		}
		if _, err := s.RecordInform(ctx, store.Inform{Device: store.Device{ID: fmt.Sprint("dev-", i)}, Params: ps}); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < n; i += 4 {
		if err := s.DeleteDevice(ctx, fmt.Sprint("dev-", i+1)); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteDevice(ctx, fmt.Sprint("dev-", i+2)); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteDevice(ctx, fmt.Sprint("dev-", i+3)); err != nil {
			t.Fatal(err)
		}
	}
	task := store.Task{Device: "dev-0", Type: "reboot", Key: "k"}
	if err := s.AddTask(ctx, &task); err != nil {
		t.Fatal(err)
	}
	audit := store.AuditEntry{Actor: "a", Action: "x"}
	if err := s.AppendAudit(ctx, &audit); err != nil {
		t.Fatal(err)
	}

	// While the ACS runs, compaction refuses.
	if _, _, err := CompactInPlace(path); !errors.Is(err, ErrLocked) {
		t.Fatalf("compacting an open store: %v, want ErrLocked", err)
	}
	if err := Compact(path, path+".copy"); !errors.Is(err, ErrLocked) {
		t.Fatalf("Compact of an open store: %v, want ErrLocked", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	before, after, err := CompactInPlace(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("compacted %d -> %d bytes", before, after)
	if after >= before {
		t.Fatalf("compaction did not shrink the file: %d -> %d", before, after)
	}
	if _, err := os.Stat(path + ".compact"); !os.IsNotExist(err) {
		t.Fatalf("temporary file left behind: %v", err)
	}

	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	checkFile(t, s)
	devs, _, err := s.ListDevices(ctx, store.DeviceQuery{Limit: n})
	if err != nil || len(devs) != n/4 {
		t.Fatalf("after compaction %d devices (%v), want %d", len(devs), err, n/4)
	}
	ps, err := s.Params(ctx, "dev-4", "")
	if err != nil || len(ps) != 50 || ps[0].Value != "value-4-0" {
		t.Fatalf("params after compaction: %d %v", len(ps), err)
	}
	if got, err := s.TaskByKey(ctx, "dev-0", "k"); err != nil || got.ID != task.ID {
		t.Fatalf("task after compaction: %v %v", got.ID, err)
	}
	// Bucket sequences are copied: audit numbering does not restart.
	next := store.AuditEntry{Actor: "a", Action: "y"}
	if err := s.AppendAudit(ctx, &next); err != nil || next.Seq <= audit.Seq {
		t.Fatalf("audit seq after compaction %d, before %d (%v)", next.Seq, audit.Seq, err)
	}
}

func TestCompactCopy(t *testing.T) {
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "acs.db"), filepath.Join(dir, "copy.db")
	s, err := Open(src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.RecordInform(context.Background(), store.Inform{Device: store.Device{ID: "dev"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := Compact(src, dst); err != nil {
		t.Fatal(err)
	}
	if err := Compact(src, dst); err == nil {
		t.Fatal("Compact overwrote an existing file")
	}
	if err := Compact(filepath.Join(dir, "missing.db"), filepath.Join(dir, "x.db")); err == nil {
		t.Fatal("Compact of a missing file succeeded")
	}
	c, err := Open(dst, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Device(context.Background(), "dev"); err != nil {
		t.Fatalf("device in the copy: %v", err)
	}
}
