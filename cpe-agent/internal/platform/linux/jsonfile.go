//go:build linux

package linux

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// The platform's own records (addresses, static routes) are small JSON
// files in the data directory, replaced whole on every change so a crash
// leaves the old file or the new one, never half of each.

// readJSON fills v from file; a missing file leaves v as it is.
func readJSON(file string, v any) error {
	data, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%s is damaged: %w", file, err)
	}
	return nil
}

// writeJSON replaces file with v's encoding through a rename.
func writeJSON(file string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	tmp := file + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, file)
}
