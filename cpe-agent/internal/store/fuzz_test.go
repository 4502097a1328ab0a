package store

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// smallStore returns the bytes of a small store holding a bit of
// everything, including an overflow value and a nested table.
func smallStore(f *testing.F, populate bool) []byte {
	path := filepath.Join(f.TempDir(), "seed.db")
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
			if err := tx.SaveValues(map[string]string{"Device.A": "1", "Device.Big": strings.Repeat("b", 5000)}); err != nil {
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
	return data
}

// FuzzOpen feeds arbitrary files to Open. Whatever the bytes, Open must
// return (no panic, fault, hang or runaway allocation) and fail only with
// ErrCorrupt; a file it accepts must be readable without harm.
func FuzzOpen(f *testing.F) {
	fresh, small := smallStore(f, false), smallStore(f, true)
	f.Add(fresh)
	f.Add(small)
	f.Add(small[:len(small)/2])
	f.Add([]byte("bbolt? no"))
	// One file per worker process, rewritten for each input: a fresh
	// directory per input costs more than the Open under test.
	path := filepath.Join(f.TempDir(), "state.db")
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return // an empty file is a new store, not a test of parsing
		}
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := Open(path, Options{})
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrNewerSchema) {
				t.Fatalf("Open failed with %v, want ErrCorrupt", err)
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
