//go:build linux

package store

import (
	"errors"
	"os"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

func TestOpenRefusesJFFS2BeforeTouchingIt(t *testing.T) {
	path := tempPath(t)
	var asked string
	_, err := Open(path, Options{statfs: func(dir string) (int64, error) {
		asked = dir
		return 0x72b6, nil
	}})
	if !errors.Is(err, ErrUnsupportedFS) {
		t.Fatalf("Open on JFFS2 = %v, want ErrUnsupportedFS", err)
	}
	for _, want := range []string{"JFFS2", "UBIFS", "ext4", "/overlay", "/tmp", "lost at every reboot"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message lacks %q: %v", want, err)
		}
	}
	if _, serr := os.Stat(path); !errors.Is(serr, os.ErrNotExist) {
		t.Fatalf("Open created %s on a JFFS2 directory (stat: %v)", path, serr)
	}
	if !strings.HasSuffix(path, "/state.db") || asked+"/state.db" != path {
		t.Fatalf("statfs asked about %q, want the directory of %q", asked, path)
	}
}

func TestOpenAcceptsOtherFilesystems(t *testing.T) {
	const ubifsMagic, tmpfsMagic = 0x24051905, 0x01021994
	for _, magic := range []int64{ubifsMagic, tmpfsMagic} {
		s, err := Open(tempPath(t), Options{statfs: func(string) (int64, error) { return magic, nil }})
		if err != nil {
			t.Fatalf("Open with f_type %#x: %v", magic, err)
		}
		s.Close()
	}
	// And the real statfs on this machine's temporary directory.
	magic, err := statfsType(t.TempDir())
	if err != nil || magic == 0 {
		t.Fatalf("statfsType = %#x, %v", magic, err)
	}
}

func TestOpenReportsStatfsFailure(t *testing.T) {
	boom := errors.New("statfs failed")
	_, err := Open(tempPath(t), Options{statfs: func(string) (int64, error) { return 0, boom }})
	if !errors.Is(err, boom) {
		t.Fatalf("Open = %v, want the statfs error wrapped", err)
	}
}

// TestOpenExplainsMmapFailure makes bbolt's real mmap fail with the errno
// JFFS2 gives (EINVAL): MAP_HUGETLB on a regular file is refused with it.
// (x/sys/unix has the flag for every architecture; syscall lacks it on
// some, arm among them.)
func TestOpenExplainsMmapFailure(t *testing.T) {
	path := tempPath(t)
	_, err := Open(path, Options{mmapFlags: unix.MAP_HUGETLB})
	if !errors.Is(err, ErrUnsupportedFS) {
		t.Fatalf("Open with a failing mmap = %v, want ErrUnsupportedFS", err)
	}
	if !strings.Contains(err.Error(), "memory-map") || !strings.Contains(err.Error(), "UBIFS") {
		t.Fatalf("message does not explain the mmap failure: %v", err)
	}
	// The failed attempt must not leave the lock held.
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("Open after the failed attempt: %v", err)
	}
	s.Close()
}

func TestMmapErrorClassification(t *testing.T) {
	if !isMmapUnsupported(syscall.ENODEV) || !isMmapUnsupported(syscall.EINVAL) {
		t.Fatal("bare ENODEV/EINVAL not recognised")
	}
	if isMmapUnsupported(&os.PathError{Op: "open", Path: "x", Err: syscall.EINVAL}) {
		t.Fatal("a file operation's error was taken for an mmap failure")
	}
	if isMmapUnsupported(syscall.EACCES) {
		t.Fatal("EACCES taken for an mmap failure")
	}
}
