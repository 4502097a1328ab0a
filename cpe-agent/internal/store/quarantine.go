package store

import (
	"fmt"
	"os"
	"time"
)

// Quarantine moves a store file that Open reported as ErrCorrupt out of the
// way, to "<path>.corrupt-<UTC time>", so the agent can start over with a
// fresh store (and bootstrap again) while a field engineer can still
// collect the damaged file. It returns the new name. Call it only for
// ErrCorrupt: for other errors the file may be fine.
func Quarantine(path string, now time.Time) (string, error) {
	aside := path + ".corrupt-" + now.UTC().Format("20060102T150405.000000000Z")
	if err := os.Rename(path, aside); err != nil {
		return "", fmt.Errorf("store: moving %s aside: %w", path, err)
	}
	return aside, nil
}
