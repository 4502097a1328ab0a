package store

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// smallStore returns the bytes of a small store holding a bit of
// everything, including an overflow value and a nested table. bbolt
// creates it with 1 KiB pages (it keeps whatever page size a file has), so
// the fuzzer mutates a few KiB instead of tens.
func smallStore(f *testing.F, populate bool) []byte {
	path := filepath.Join(f.TempDir(), "seed.db")
	db, err := bolt.Open(path, 0o600, &bolt.Options{PageSize: 1024})
	if err != nil {
		f.Fatal(err)
	}
	db.Close()
	s, err := Open(path, Options{})
	if err != nil {
		f.Fatal(err)
	}
	if populate {
		err = s.Update(func(tx *Tx) error {
			for _, code := range []string{"0 BOOTSTRAP", "1 BOOT", "M Reboot"} {
				if _, err := tx.AppendEvent(Event{Code: code, CommandKey: "k", Time: t0}); err != nil {
					return err
				}
			}
			if err := tx.SaveValues(map[string]string{"Device.A": "1", "Device.Big": strings.Repeat("b", 2500)}); err != nil {
				return err
			}
			if err := tx.PutInstance("Device.IP.Interface.1.IPv4Address.", 2); err != nil {
				return err
			}
			return tx.SaveAttributes(map[string]Attributes{"Device.A": {Notification: 1}})
		})
		if err != nil {
			f.Fatal(err)
		}
		if err := s.DeleteEvents(1); err != nil { // leaves free pages behind
			f.Fatal(err)
		}
	}
	s.Close()
	data, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	// Drop the zeroed slack past the last page: smaller inputs, same file.
	m0, err0 := parseMeta(data)
	m1, err1 := parseMeta(data[1024:])
	if err0 != nil || err1 != nil {
		f.Fatal(err0, err1)
	}
	return data[:max(m0.pgid, m1.pgid)*1024]
}

// FuzzOpen feeds arbitrary files to the store. The validator must judge
// every input without panicking, looping or allocating without bound, and
// fail only with ErrCorrupt; whatever it accepts, bbolt must then open and
// read without harm. The validator runs on the bytes in memory, so the
// fuzzer (and its minimiser) spends its time on inputs, not on file I/O;
// only accepted inputs are written out for Open.
func FuzzOpen(f *testing.F) {
	fresh, small := smallStore(f, false), smallStore(f, true)
	f.Add(fresh)
	f.Add(small)
	f.Add(small[:len(small)/2])
	f.Add([]byte("bbolt? no"))
	// One file per worker process, rewritten for each accepted input.
	path := filepath.Join(f.TempDir(), "state.db")
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := checkFile(bytes.NewReader(data), int64(len(data)), "fuzz"); err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("validator failed with %v, want ErrCorrupt", err)
			}
			return
		}
		if len(data) == 0 {
			return // a new store, nothing to read
		}
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := Open(path, Options{})
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrNewerSchema) {
				t.Fatalf("Open of a validated file failed with %v, want ErrCorrupt", err)
			}
			return
		}
		defer s.Close()
		s.Events()
		s.Values()
		s.Instances()
		s.Attributes()
		s.Transfers()
		s.ScheduledInforms()
		s.LastSession()
	})
}
