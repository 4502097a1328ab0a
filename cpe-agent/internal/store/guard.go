package store

import (
	"fmt"
)

// errBoltPanicked marks a panic (or memory fault) raised inside bbolt and
// recovered by the store; it always means a damaged file.
var errBoltPanicked error = &sentinel{"bbolt panicked"}

// corruptErr turns a recovered panic value into an ErrCorrupt error.
func corruptErr(path string, r any) error {
	return fmt.Errorf("store: %s: %w: %w: %v", path, ErrCorrupt, errBoltPanicked, r)
}
