package bbolt

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// compactTxSize bounds one copy transaction, so compacting a large file
// does not hold it all in dirty pages.
const compactTxSize = 64 << 20

// Compact copies the store file src into a new file dst, leaving out the
// free pages a bbolt file keeps forever. dst must not exist. src must not
// be open elsewhere: a running ACS holds its lock and Compact refuses with
// ErrLocked.
func Compact(src, dst string) error {
	if _, err := os.Stat(src); err != nil {
		return fmt.Errorf("compact: %w", err)
	}
	if _, err := os.Stat(dst); err == nil {
		return fmt.Errorf("compact: %s already exists", dst)
	}
	// Opening src writable takes the exclusive lock: no ACS can start on
	// it while the copy runs.
	in, err := bolt.Open(src, 0o600, &bolt.Options{Timeout: 200 * time.Millisecond, FreelistType: bolt.FreelistMapType})
	if err != nil {
		if errors.Is(err, berrors.ErrTimeout) {
			return fmt.Errorf("compact %s: %w", src, ErrLocked)
		}
		return fmt.Errorf("compact: open %s: %w", src, err)
	}
	defer in.Close()
	return compactInto(in, dst)
}

func compactInto(in *bolt.DB, dst string) error {
	out, err := bolt.Open(dst, 0o600, &bolt.Options{Timeout: 200 * time.Millisecond, FreelistType: bolt.FreelistMapType})
	if err != nil {
		return fmt.Errorf("compact: create %s: %w", dst, err)
	}
	if err := bolt.Compact(out, in, compactTxSize); err != nil {
		_ = out.Close()
		_ = os.Remove(dst)
		return fmt.Errorf("compact into %s: %w", dst, err)
	}
	if err := out.Close(); err != nil {
		_ = os.Remove(dst)
		return fmt.Errorf("compact: close %s: %w", dst, err)
	}
	return nil
}

// CompactInPlace rewrites the store file at path into a fresh one and
// renames it over the original; it reports the sizes before and after.
// The original stays locked until the new file is in place, and a crash
// at any point leaves either the old or the new file, both complete.
func CompactInPlace(path string) (before, after int64, err error) {
	st, err := os.Stat(path)
	if err != nil {
		return 0, 0, fmt.Errorf("compact: %w", err)
	}
	in, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 200 * time.Millisecond, FreelistType: bolt.FreelistMapType})
	if err != nil {
		if errors.Is(err, berrors.ErrTimeout) {
			return 0, 0, fmt.Errorf("compact %s: %w", path, ErrLocked)
		}
		return 0, 0, fmt.Errorf("compact: open %s: %w", path, err)
	}
	defer in.Close()
	tmp := path + ".compact"
	_ = os.Remove(tmp) // a leftover of an interrupted run is incomplete by definition
	if err := compactInto(in, tmp); err != nil {
		return 0, 0, err
	}
	nst, err := os.Stat(tmp)
	if err != nil {
		return 0, 0, fmt.Errorf("compact: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return 0, 0, fmt.Errorf("compact: %w", err)
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return 0, 0, fmt.Errorf("compact: %w", err)
	}
	return st.Size(), nst.Size(), nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
