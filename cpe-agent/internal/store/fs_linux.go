//go:build linux

package store

import (
	"fmt"
	"syscall"
)

// jffs2Magic is JFFS2_SUPER_MAGIC, the f_type statfs reports for JFFS2.
const jffs2Magic = 0x72b6

func statfsType(dir string) (int64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, err
	}
	// The field's integer type differs between architectures.
	return int64(st.Type), nil
}

// checkFilesystem refuses a directory on JFFS2 before bbolt creates or
// opens anything there: JFFS2 has no shared writable mmap, and bbolt's
// failure on it would be an unhelpful "invalid argument".
func checkFilesystem(dir string, statfs func(string) (int64, error)) error {
	if statfs == nil {
		statfs = statfsType
	}
	magic, err := statfs(dir)
	if err != nil {
		return fmt.Errorf("store: checking the filesystem of %s: %w", dir, err)
	}
	if magic == jffs2Magic {
		return fmt.Errorf("store: %s is on JFFS2: %w; %s", dir, ErrUnsupportedFS, placementAdvice)
	}
	return nil
}
