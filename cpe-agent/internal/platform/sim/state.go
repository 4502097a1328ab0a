package sim

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// state is what the sim keeps across agent restarts: the simulated boot
// and the settings written to the device.
type state struct {
	BootID   string            `json:"boot_id"`
	Boots    uint64            `json:"boots"`
	BootTime time.Time         `json:"boot_time"`
	Settings map[string]string `json:"settings,omitempty"`
}

func stateFile(dir string) string { return filepath.Join(dir, "sim-state.json") }

// readState loads the state file; ok is false when there is none (a new
// device) or no file is used.
func readState(file string) (state, bool, error) {
	if file == "" {
		return state{}, false, nil
	}
	data, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return state{}, false, nil
	}
	if err != nil {
		return state{}, false, fmt.Errorf("sim: reading state: %w", err)
	}
	var st state
	if err := json.Unmarshal(data, &st); err != nil {
		return state{}, false, fmt.Errorf("sim: state file %s is damaged: %w", file, err)
	}
	if st.Settings == nil {
		st.Settings = map[string]string{}
	}
	return st, true, nil
}

// save writes the state file atomically. Called with s.mu held.
func (s *Sim) save() error {
	if s.file == "" {
		return nil
	}
	data, err := json.Marshal(s.st)
	if err != nil {
		return fmt.Errorf("sim: encoding state: %w", err)
	}
	tmp := s.file + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("sim: writing state: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("sim: writing state: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sim: writing state: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("sim: writing state: %w", err)
	}
	if err := os.Rename(tmp, s.file); err != nil {
		return fmt.Errorf("sim: writing state: %w", err)
	}
	return nil
}
