package slot

import (
	"bytes"
	"errors"
	"os"
	"testing"
)

func openFiles(t *testing.T, limit int) *Files {
	t.Helper()
	f, err := OpenFiles(t.TempDir(), FilesOptions{FactoryVersion: "1.0", BootLimit: limit})
	if err != nil {
		t.Fatal(err)
	}
	if b, err := f.Boot("boot-0"); err != nil || b != A {
		t.Fatalf("first boot: %v %v", b, err)
	}
	return f
}

func writeImage(t *testing.T, s Slots, n Name, data []byte) {
	t.Helper()
	if err := s.MarkBad(n); err != nil {
		t.Fatal(err)
	}
	w, err := s.OpenTarget(n, "rootfs", int64(len(data)), 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Sync(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func booted(t *testing.T, s Slots) Name {
	t.Helper()
	b, err := s.Booted()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestFilesCommit(t *testing.T) {
	f := openFiles(t, 2)
	writeImage(t, f, B, []byte("new image"))
	if err := f.MarkBootOnce(B, "2.0"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Boot("boot-1"); err != nil {
		t.Fatal(err)
	}
	if booted(t, f) != B {
		t.Fatal("trial boot did not start b")
	}
	if n, _ := f.BootCount(); n != 1 {
		t.Fatalf("boot count %d", n)
	}
	// The same boot seen again (an agent restart) does not count.
	f.Boot("boot-1")
	if n, _ := f.BootCount(); n != 1 {
		t.Fatalf("boot count after restart %d", n)
	}
	if err := f.MarkGood(); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		f.Boot("later-" + string(rune('0'+i)))
	}
	if booted(t, f) != B {
		t.Fatal("committed slot not kept")
	}
	st, _ := f.Status()
	if st[1].State != StateGood || st[1].Version != "2.0" || !st[1].Booted || st[0].Booted {
		t.Fatalf("status %+v", st)
	}
	got, _ := os.ReadFile(f.ImagePath(B, "rootfs"))
	if !bytes.Equal(got, []byte("new image")) {
		t.Fatal("image content")
	}
}

func TestFilesFallback(t *testing.T) {
	f := openFiles(t, 2)
	writeImage(t, f, B, []byte("bad image"))
	f.MarkBootOnce(B, "2.0")
	for i, want := range []Name{B, B, A, A} {
		if _, err := f.Boot("boot-" + string(rune('1'+i))); err != nil {
			t.Fatal(err)
		}
		if got := booted(t, f); got != want {
			t.Fatalf("boot %d started %s, want %s", i+1, got, want)
		}
	}
	st, _ := f.Status()
	if st[1].State != StateBad || st[0].State != StateGood {
		t.Fatalf("status after fallback %+v", st)
	}
}

func TestFilesGuards(t *testing.T) {
	f := openFiles(t, 1)
	if err := f.MarkBad(A); !errors.Is(err, ErrBootedSlot) {
		t.Fatalf("marking the booted slot bad: %v", err)
	}
	if _, err := f.OpenTarget(A, "rootfs", 1, 0); !errors.Is(err, ErrBootedSlot) {
		t.Fatalf("writing the booted slot: %v", err)
	}
	writeImage(t, f, B, []byte("x"))
	f.MarkBootOnce(B, "2")
	if _, err := f.OpenTarget(B, "rootfs", 1, 0); err == nil {
		t.Fatal("wrote a slot armed for trial without marking it bad")
	}
	if _, err := f.OpenTarget(B, "../etc", 1, 0); err == nil {
		t.Fatal("path-like target accepted")
	}
	// Marking the armed slot bad disarms it: the next boot stays on a.
	f.MarkBad(B)
	f.Boot("boot-x")
	if booted(t, f) != A {
		t.Fatal("disarmed slot booted")
	}
}

func TestFilesResume(t *testing.T) {
	f := openFiles(t, 1)
	f.MarkBad(B)
	w, _ := f.OpenTarget(B, "rootfs", 10, 0)
	w.Write([]byte("0123456789"[:7]))
	w.Sync()
	w.Close()
	// A checkpoint at 4 means bytes 4..6 are rewritten.
	w, err := f.OpenTarget(B, "rootfs", 10, 4)
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("456789"))
	w.Close()
	got, _ := os.ReadFile(f.ImagePath(B, "rootfs"))
	if string(got) != "0123456789" {
		t.Fatalf("got %q", got)
	}
	if _, err := f.OpenTarget(B, "rootfs", 100, 50); !errors.Is(err, ErrNoResume) {
		t.Fatalf("resume past the file's end: %v", err)
	}
}
