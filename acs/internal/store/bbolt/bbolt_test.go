package bbolt

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"gatewarden/acs/internal/store"
	"gatewarden/acs/internal/store/storetest"
)

func openTemp(t *testing.T) store.Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "acs.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestContract(t *testing.T) {
	storetest.Run(t, openTemp)
}

func TestContractReopen(t *testing.T) {
	storetest.RunReopen(t, openTemp, func(t *testing.T, s store.Store) store.Store {
		path := s.(*Store).Path()
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		s2, err := Open(path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		checkFile(t, s2)
		return s2
	})
}

// checkFile runs bbolt's consistency check (page reachability, freelist).
func checkFile(t *testing.T, s *Store) {
	t.Helper()
	err := s.db.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatalf("bbolt check of %s: %v", s.Path(), err)
	}
}

func TestSecondOpenFailsFast(t *testing.T) {
	path := filepath.Join(t.TempDir(), "acs.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	start := time.Now()
	_, err = Open(path, Options{LockTimeout: 100 * time.Millisecond})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second open: %v, want ErrLocked", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("second open took %v", d)
	}
	t.Logf("second open: %v", err)
}

// Leases are memory-only by design: a restart frees every device.
func TestLeasesEndWithTheProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "acs.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := s.AcquireLease(ctx, "dev", "old-process", time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.AcquireLease(ctx, "dev", "new-process", time.Hour); err != nil {
		t.Fatalf("lease after restart: %v", err)
	}
}

func TestClosedStoreRefusesWrites(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "acs.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second close: %v", err)
	}
	if _, err := s.RecordInform(context.Background(), store.Inform{Device: store.Device{ID: "x"}}); err == nil {
		t.Fatal("write after close succeeded")
	}
}
