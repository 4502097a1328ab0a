//go:build unix

package store

import (
	"errors"
	"os"
	"syscall"
	"time"
)

var errLockTimeout error = &sentinel{"lock timeout"}

// withFileLock runs fn with f open and flock'ed the way bbolt locks it, so
// no other agent writes while fn reads; the lock is released before bbolt
// takes its own. A missing file needs no lock and gives fn a nil f.
func withFileLock(path string, timeout time.Duration, fn func(f *os.File) error) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return fn(nil)
	}
	if err != nil {
		return err
	}
	defer f.Close()
	deadline := time.Now().Add(timeout)
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if err != syscall.EWOULDBLOCK {
			return &os.PathError{Op: "flock", Path: path, Err: err}
		}
		if time.Now().After(deadline) {
			return errLockTimeout
		}
		time.Sleep(50 * time.Millisecond)
	}
	defer syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	return fn(f)
}
