//go:build !unix

package store

import (
	"errors"
	"os"
	"time"
)

var errLockTimeout error = &sentinel{"lock timeout"}

// withFileLock cannot take bbolt's lock portably here; the check then runs
// unlocked, and bbolt's own lock still keeps a second agent out.
func withFileLock(path string, _ time.Duration, fn func(f *os.File) error) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return fn(nil)
	}
	if err != nil {
		return err
	}
	defer f.Close()
	return fn(f)
}
