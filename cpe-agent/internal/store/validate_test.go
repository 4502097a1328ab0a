package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// valuesRoot returns the root page of the values bucket in a closed store.
func valuesRoot(t *testing.T, path string) uint64 {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	must(t, err)
	defer db.Close()
	var root uint64
	must(t, db.View(func(tx *bolt.Tx) error {
		root = uint64(tx.Bucket(bucketValues).Root())
		return nil
	}))
	return root
}

// TestValidateCatchesCycle points a branch page at itself: bbolt's cursor
// would descend forever, appending to its stack until memory runs out.
func TestValidateCatchesCycle(t *testing.T) {
	path := populated(t)
	root := valuesRoot(t, path)
	data, err := os.ReadFile(path)
	must(t, err)
	page := data[int(root)*os.Getpagesize():]
	if binary.NativeEndian.Uint16(page[8:]) != flagBranch {
		t.Fatalf("values root %d is not a branch page; populate more", root)
	}
	binary.NativeEndian.PutUint64(page[pageHeaderSize+8:], root) // first child := itself
	err = exercise(t, writeCopy(t, data))
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "reached twice") {
		t.Fatalf("Open = %v, want ErrCorrupt for a cycle", err)
	}
}

// TestValidateCatchesHugeFreelist gives the freelist an absurd count:
// bbolt would try to allocate it.
func TestValidateCatchesHugeFreelist(t *testing.T) {
	path := populated(t)
	data, err := os.ReadFile(path)
	must(t, err)
	m0, _ := parseMeta(data)
	m1, _ := parseMeta(data[os.Getpagesize():])
	meta := m0
	if m1.txid > m0.txid {
		meta = m1
	}
	page := data[int(meta.freelist)*os.Getpagesize():]
	binary.NativeEndian.PutUint16(page[10:], 0xFFFF)
	binary.NativeEndian.PutUint64(page[pageHeaderSize:], 1<<40)
	err = exercise(t, writeCopy(t, data))
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "freelist") {
		t.Fatalf("Open = %v, want ErrCorrupt for the freelist", err)
	}
}

func TestValidateAcceptsHealthyFiles(t *testing.T) {
	path := populated(t)
	if err := checkPath(t, path); err != nil {
		t.Fatalf("checkFile on a healthy store: %v", err)
	}
	// A store that has seen deletes and a wipe has free pages to account for.
	s := openAt(t, path, Options{})
	must(t, s.Wipe(nil))
	must(t, s.Close())
	if err := checkPath(t, path); err != nil {
		t.Fatalf("checkFile after a wipe: %v", err)
	}
}

// TestValidateNoFalseAlarms churns a store through every kind of write
// (large values with overflow pages, nested tables, deletes, a wipe) and
// runs the validator after each batch: a healthy file must always pass.
func TestValidateNoFalseAlarms(t *testing.T) {
	s, path := openTemp(t)
	rng := newTestRand(11)
	var live []uint64
	for batch := 0; batch < 60; batch++ {
		must(t, s.Update(func(tx *Tx) error {
			for op := 0; op < 20; op++ {
				switch rng.IntN(6) {
				case 0:
					seq, err := tx.AppendEvent(Event{Code: "4 VALUE CHANGE", Time: t0})
					if err != nil {
						return err
					}
					live = append(live, seq)
				case 1:
					if len(live) > 0 {
						i := rng.IntN(len(live))
						if err := tx.DeleteEvents(live[i]); err != nil {
							return err
						}
						live = append(live[:i], live[i+1:]...)
					}
				case 2:
					size := rng.IntN(3) * rng.IntN(9000)
					if err := tx.SaveValues(map[string]string{
						"Device.X." + string(rune('A'+rng.IntN(26))): strings.Repeat("v", size),
					}); err != nil {
						return err
					}
				case 3:
					table := "Device.T." + string(rune('1'+rng.IntN(3))) + ".Sub."
					n, err := tx.NextInstance(table)
					if err != nil {
						return err
					}
					if err := tx.PutInstance(table, n); err != nil {
						return err
					}
				case 4:
					if err := tx.DeleteObject("Device.T." + string(rune('1'+rng.IntN(3))) + "."); err != nil {
						return err
					}
				case 5:
					if rng.IntN(40) == 0 {
						live = nil
						if err := tx.Wipe(nil); err != nil {
							return err
						}
					}
				}
			}
			return nil
		}))
		if err := checkPath(t, path); err != nil {
			t.Fatalf("batch %d: healthy file rejected: %v", batch, err)
		}
	}
}

func checkPath(t *testing.T, path string) error {
	t.Helper()
	data, err := os.ReadFile(path)
	must(t, err)
	return checkFile(bytes.NewReader(data), int64(len(data)), path)
}
