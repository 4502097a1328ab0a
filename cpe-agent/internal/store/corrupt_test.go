package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"
)

// populated writes a store with some of everything and returns its path,
// closed.
func populated(t testing.TB) string {
	t.Helper()
	s, path := openTemp(t)
	must(t, s.Update(func(tx *Tx) error {
		for i := 0; i < 40; i++ {
			if _, err := tx.AppendEvent(Event{Code: "4 VALUE CHANGE", Time: t0}); err != nil {
				return err
			}
		}
		return nil
	}))
	vals := make(map[string]string)
	for i := 0; i < 300; i++ {
		vals[fmt.Sprintf("Device.X_Test.Param%03d", i)] = strings.Repeat("v", i%50)
	}
	vals["Device.X_Test.Big"] = strings.Repeat("B", 20000) // overflow pages
	must(t, s.SaveValues(vals))
	for i := 0; i < 10; i++ {
		_, err := s.AddInstance(fmt.Sprintf("Device.T%d.", i))
		must(t, err)
	}
	must(t, s.SaveAttributes(map[string]Attributes{"Device.A": {Notification: 1}}))
	must(t, s.Close())
	return path
}

func writeCopy(t testing.TB, data []byte) string {
	t.Helper()
	path := tempPath(t)
	must(t, os.WriteFile(path, data, 0o600))
	return path
}

// exercise opens path and, if that works, reads everything; it fails the
// test only on a panic (which would crash the agent).
func exercise(t *testing.T, path string) (openErr error) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("panic escaped the store: %v", r)
		}
	}()
	s, err := Open(path, Options{LockTimeout: 100 * time.Millisecond})
	if err != nil {
		return err
	}
	defer s.Close()
	s.Events()
	s.Values()
	s.Instances()
	s.Attributes()
	s.Transfers()
	s.ScheduledInforms()
	s.Update(func(tx *Tx) error {
		tx.AppendEvent(Event{Code: "1 BOOT"})
		return tx.SaveValues(map[string]string{"Device.Y": "z"})
	})
	return nil
}

func TestOpenGarbageFile(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, size := range []int{1, 100, 4096, 3 * 4096, 64 << 10} {
		data := make([]byte, size)
		for i := range data {
			data[i] = byte(rng.UintN(256))
		}
		err := exercise(t, writeCopy(t, data))
		if !errors.Is(err, ErrCorrupt) {
			t.Errorf("garbage of %d bytes: Open = %v, want ErrCorrupt", size, err)
		}
	}
}

func TestOpenTruncatedFile(t *testing.T) {
	data, err := os.ReadFile(populated(t))
	must(t, err)
	// The file usually has slack past its last page; cut into the pages.
	m0, err0 := parseMeta(data)
	m1, err1 := parseMeta(data[os.Getpagesize():])
	must(t, errors.Join(err0, err1))
	need := int(max(m0.pgid, m1.pgid)) * os.Getpagesize()
	for _, keep := range []int{need / 2, need - os.Getpagesize(), 3 * os.Getpagesize()} {
		err := exercise(t, writeCopy(t, data[:keep]))
		if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "truncated") {
			t.Errorf("file cut to %d of %d bytes: Open = %v, want ErrCorrupt saying truncated", keep, len(data), err)
		}
	}
}

func TestOpenBothMetaPagesDamaged(t *testing.T) {
	data, err := os.ReadFile(populated(t))
	must(t, err)
	page := os.Getpagesize()
	for _, off := range []int{pageHeaderSize + 20, page + pageHeaderSize + 20} {
		data[off] ^= 0xff
	}
	if err := exercise(t, writeCopy(t, data)); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Open = %v, want ErrCorrupt", err)
	}
}

func TestOpenOneMetaPageDamagedRecovers(t *testing.T) {
	data, err := os.ReadFile(populated(t))
	must(t, err)
	data[pageHeaderSize+20] ^= 0xff // meta 0 only; meta 1 is intact
	s := openAt(t, writeCopy(t, data), Options{})
	if _, err := s.Values(); err != nil {
		t.Fatalf("Values with one good meta page: %v", err)
	}
}

func TestOpenForeignByteOrder(t *testing.T) {
	data, err := os.ReadFile(populated(t))
	must(t, err)
	page := os.Getpagesize()
	for _, off := range []int{pageHeaderSize, page + pageHeaderSize} {
		v := binary.NativeEndian.Uint32(data[off:])
		binary.NativeEndian.PutUint32(data[off:], v>>24|v>>8&0xff00|v<<8&0xff0000|v<<24)
	}
	err = exercise(t, writeCopy(t, data))
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "byte order") {
		t.Fatalf("Open of a byte-swapped file = %v", err)
	}
}

// damage overwrites page p of data in one of four ways.
func damage(rng *rand.Rand, data []byte, p, kind int) {
	page := os.Getpagesize()
	chunk := data[p*page : (p+1)*page]
	switch kind {
	case 0: // garbage page
		for i := range chunk {
			chunk[i] = byte(rng.UintN(256))
		}
	case 1: // a plausible header with a wrong id, flags, count or overflow
		binary.NativeEndian.PutUint64(chunk[0:], uint64(rng.UintN(64)))
		binary.NativeEndian.PutUint16(chunk[8:], uint16(1<<rng.IntN(5)))
		binary.NativeEndian.PutUint16(chunk[10:], uint16(rng.UintN(500)))
		binary.NativeEndian.PutUint32(chunk[12:], rng.Uint32()%64)
	case 2: // a few flipped bytes in the body
		for i := 0; i < 8; i++ {
			chunk[16+rng.IntN(page-16)] ^= byte(1 + rng.UintN(255))
		}
	case 3: // a small number where an offset or page id may be: cycles
		off := 16 + rng.IntN(page-40)
		binary.NativeEndian.PutUint64(chunk[off:], rng.Uint64()%64)
	}
}

// TestOpenDamagedPagesNeverPanics damages a populated store page by page,
// then at random in several pages at once. Depending on where the damage
// lands Open fails with ErrCorrupt or succeeds (an unused page, or bytes
// inside a value, which bbolt has no checksum for); what must never happen
// is a panic, a fatal fault, an endless loop or a runaway allocation, all
// of which bbolt itself is capable of on such files.
func TestOpenDamagedPagesNeverPanics(t *testing.T) {
	data, err := os.ReadFile(populated(t))
	must(t, err)
	pages := len(data) / os.Getpagesize()
	rng := rand.New(rand.NewPCG(3, 4))
	tried, failed := 0, 0
	try := func(bad []byte) {
		tried++
		if err := exercise(t, writeCopy(t, bad)); err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Errorf("damaged copy %d: Open = %v, want ErrCorrupt when it fails", tried, err)
			}
			failed++
		}
	}
	for p := 2; p < pages; p++ {
		for kind := 0; kind < 4; kind++ {
			bad := append([]byte(nil), data...)
			damage(rng, bad, p, kind)
			try(bad)
		}
	}
	for i := 0; i < 50; i++ {
		bad := append([]byte(nil), data...)
		for k := 0; k < 1+rng.IntN(3); k++ {
			damage(rng, bad, 2+rng.IntN(pages-2), rng.IntN(4))
		}
		try(bad)
	}
	if failed == 0 {
		t.Fatalf("none of %d damaged copies was detected", tried)
	}
	t.Logf("%d damaged copies, %d refused at Open, the rest opened and were used without harm", tried, failed)
}

func TestQuarantine(t *testing.T) {
	path := writeCopy(t, []byte("not a database at all, just some text padding it out"))
	_, err := Open(path, Options{})
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Open = %v", err)
	}
	aside, err := Quarantine(path, t0)
	must(t, err)
	if !strings.HasPrefix(aside, path+".corrupt-20250301T120000") {
		t.Fatalf("quarantined as %s", aside)
	}
	if _, err := os.Stat(aside); err != nil {
		t.Fatalf("quarantined file missing: %v", err)
	}
	s := openAt(t, path, Options{}) // a fresh store in its place
	if ev, _ := s.Events(); len(ev) != 0 {
		t.Fatal("fresh store is not empty")
	}
}

// TestDamageWhileOpenBecomesError cuts the file short under an open store,
// as a failing flash or a careless `cp` might: bbolt's next read of the map
// past the new end raises SIGBUS. The store turns that fault into
// ErrCorrupt instead of dying.
func TestDamageWhileOpenBecomesError(t *testing.T) {
	path := populated(t)
	s := openAt(t, path, Options{})
	if _, err := s.Values(); err != nil {
		t.Fatal(err)
	}
	must(t, os.Truncate(path, 2*int64(os.Getpagesize())))
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("panic escaped: %v", r)
		}
	}()
	_, err := s.Values()
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Values on a truncated file = %v, want ErrCorrupt", err)
	}
	// A write in the same state fails too, and rolls back.
	err = s.Update(func(tx *Tx) error {
		if _, err := tx.Values(); err != nil {
			return nil // ignore it: the broken transaction must still roll back
		}
		return nil
	})
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Update after a caught fault = %v, want ErrCorrupt", err)
	}
}
