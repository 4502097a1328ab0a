package slot

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// Files is a file-backed A/B pair with a simulated bootloader: each slot
// is a directory of target images, and bootenv.json stands in for the
// bootloader's environment. Tests, the sim platform and the testbench use
// it; Boot plays the bootloader at each new (simulated) boot.
type Files struct {
	_   [0]func() // not comparable: spares the binary an equality function
	dir string
	mu  sync.Mutex
}

// FilesOptions sets up a fresh pair. They only matter the first time a
// directory is used.
type FilesOptions struct {
	// FactoryVersion is the version of the image in slot a out of the box.
	FactoryVersion string
	// BootLimit: boots a slot on trial gets; default DefaultBootLimit.
	BootLimit int
}

// bootEnv is the simulated bootloader environment.
type bootEnv struct {
	// BootSlot is the slot the next boot starts (the bootloader rewrites
	// it when it falls back).
	BootSlot         Name            `json:"boot_slot"`
	UpgradeAvailable bool            `json:"upgrade_available"`
	BootCount        int             `json:"bootcount"`
	BootLimit        int             `json:"bootlimit"`
	Slots            map[Name]*entry `json:"slots"`
	// Booted and BootID: what the last simulated boot started, and which boot that was.
	Booted Name   `json:"booted"`
	BootID string `json:"boot_id"`
}

type entry struct {
	_       [0]func() // not comparable: spares the binary an equality function
	State   State     `json:"state"`
	Version string    `json:"version,omitempty"`
}

const envFile = "bootenv.json"

var _ Slots = (*Files)(nil)

// OpenFiles opens (creating if needed) a file-backed pair in dir.
func OpenFiles(dir string, opts FilesOptions) (*Files, error) {
	if opts.BootLimit <= 0 {
		opts.BootLimit = DefaultBootLimit
	}
	for _, s := range []Name{A, B} {
		if err := os.MkdirAll(filepath.Join(dir, string(s)), 0o700); err != nil {
			return nil, fmt.Errorf("slot: %w", err)
		}
	}
	f := &Files{dir: dir}
	if _, err := os.Stat(filepath.Join(dir, envFile)); errors.Is(err, fs.ErrNotExist) {
		env := &bootEnv{BootSlot: A, BootLimit: opts.BootLimit, Booted: A, Slots: map[Name]*entry{
			A: {State: StateGood, Version: opts.FactoryVersion},
			B: {State: StateBad},
		}}
		if err := f.save(env); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, fmt.Errorf("slot: %w", err)
	}
	if _, err := f.load(); err != nil {
		return nil, err
	}
	return f, nil
}

// Dir is the directory holding the pair.
func (f *Files) Dir() string { return f.dir }

func (f *Files) load() (*bootEnv, error) {
	b, err := os.ReadFile(filepath.Join(f.dir, envFile))
	if err != nil {
		return nil, fmt.Errorf("slot: boot environment: %w", err)
	}
	env := &bootEnv{}
	if err := json.Unmarshal(b, env); err != nil {
		return nil, fmt.Errorf("slot: boot environment %s: %w", filepath.Join(f.dir, envFile), err)
	}
	if !env.BootSlot.Valid() || !env.Booted.Valid() || env.Slots[A] == nil || env.Slots[B] == nil {
		return nil, fmt.Errorf("slot: boot environment %s is inconsistent", filepath.Join(f.dir, envFile))
	}
	return env, nil
}

// save replaces the environment atomically, as U-Boot's redundant
// environment does: a power cut leaves the old one or the new one.
func (f *Files) save(env *bootEnv) error {
	b, err := json.MarshalIndent(env, "", "  ")
	if err != nil {
		return fmt.Errorf("slot: %w", err)
	}
	return writeAtomic(filepath.Join(f.dir, envFile), b)
}

func writeAtomic(path string, b []byte) error {
	tmp := path + ".tmp"
	fh, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("slot: %w", err)
	}
	if _, err := fh.Write(b); err != nil {
		fh.Close()
		return fmt.Errorf("slot: %w", err)
	}
	if err := fh.Sync(); err != nil {
		fh.Close()
		return fmt.Errorf("slot: %w", err)
	}
	if err := fh.Close(); err != nil {
		return fmt.Errorf("slot: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("slot: %w", err)
	}
	return syncDir(filepath.Dir(path))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("slot: %w", err)
	}
	err = d.Sync()
	d.Close()
	if err != nil {
		return fmt.Errorf("slot: sync %s: %w", dir, err)
	}
	return nil
}

// errUnchanged lets an update skip the write.
var errUnchanged = errors.New("unchanged")

func (f *Files) update(fn func(env *bootEnv) error) error {
	// Unlocked by hand: a defer costs ~150 bytes of router code, and
	// nothing here recovers a panic.
	f.mu.Lock()
	env, err := f.load()
	if err == nil {
		if err = fn(env); err == nil {
			err = f.save(env)
		} else if err == errUnchanged {
			err = nil
		}
	}
	f.mu.Unlock()
	return err
}

func (f *Files) view() (*bootEnv, error) {
	f.mu.Lock()
	env, err := f.load()
	f.mu.Unlock()
	return env, err
}

// Boot plays the bootloader for boot bootID and returns the slot it
// started. Called again within the same boot it changes nothing. A slot
// on trial is counted; past the limit the bootloader marks it bad and
// starts the other one.
func (f *Files) Boot(bootID string) (Name, error) {
	var booted Name
	err := f.update(func(env *bootEnv) error {
		if env.BootID == bootID && bootID != "" {
			booted = env.Booted
			return errUnchanged
		}
		env.BootID = bootID
		if env.UpgradeAvailable {
			env.BootCount++
			if env.BootCount > env.BootLimit {
				env.Slots[env.BootSlot].State = StateBad
				env.BootSlot = env.BootSlot.Other()
				env.UpgradeAvailable, env.BootCount = false, 0
			}
		} else if env.Slots[env.BootSlot].State != StateGood && env.Slots[env.BootSlot.Other()].State == StateGood {
			env.BootSlot = env.BootSlot.Other()
		}
		env.Booted = env.BootSlot
		booted = env.Booted
		return nil
	})
	return booted, err
}

// Booted implements Slots.
func (f *Files) Booted() (Name, error) {
	env, err := f.view()
	if err != nil {
		return "", err
	}
	return env.Booted, nil
}

// Status implements Slots.
func (f *Files) Status() ([]Info, error) {
	env, err := f.view()
	if err != nil {
		return nil, err
	}
	var out []Info
	for _, s := range []Name{A, B} {
		e := env.Slots[s]
		out = append(out, Info{Name: s, Version: e.Version, State: e.State, Booted: env.Booted == s, Next: env.BootSlot == s})
	}
	return out, nil
}

// MarkBad implements Slots.
func (f *Files) MarkBad(s Name) error {
	if !s.Valid() {
		return fmt.Errorf("slot: %q is not a slot", s)
	}
	return f.update(func(env *bootEnv) error {
		if env.Booted == s {
			return ErrBootedSlot
		}
		env.Slots[s] = &entry{State: StateBad}
		if env.BootSlot == s {
			env.BootSlot, env.UpgradeAvailable, env.BootCount = env.Booted, false, 0
		}
		return nil
	})
}

// MarkBootOnce implements Slots.
func (f *Files) MarkBootOnce(s Name, version string) error {
	if !s.Valid() {
		return fmt.Errorf("slot: %q is not a slot", s)
	}
	return f.update(func(env *bootEnv) error {
		if env.Booted == s {
			return ErrBootedSlot
		}
		env.Slots[s] = &entry{State: StateTrying, Version: version}
		env.BootSlot, env.UpgradeAvailable, env.BootCount = s, true, 0
		return nil
	})
}

// MarkGood implements Slots.
func (f *Files) MarkGood() error {
	return f.update(func(env *bootEnv) error {
		env.Slots[env.Booted].State = StateGood
		if env.BootSlot == env.Booted {
			env.UpgradeAvailable, env.BootCount = false, 0
		}
		return nil
	})
}

// BootCount implements Slots.
func (f *Files) BootCount() (int, error) {
	env, err := f.view()
	if err != nil {
		return 0, err
	}
	if !env.UpgradeAvailable {
		return 0, nil
	}
	return env.BootCount, nil
}

// ImagePath is the file holding target of slot s.
func (f *Files) ImagePath(s Name, target string) string {
	return filepath.Join(f.dir, string(s), target+".img")
}

// OpenTarget implements Slots. The file is cut back to off, so bytes a
// crash left after the last synced checkpoint are written again.
func (f *Files) OpenTarget(s Name, target string, size, off int64) (Writer, error) {
	if err := checkTarget(s, target); err != nil {
		return nil, err
	}
	if off < 0 || off > size {
		return nil, fmt.Errorf("slot: offset %d outside a payload of %d bytes", off, size)
	}
	env, err := f.view()
	if err != nil {
		return nil, err
	}
	if env.Booted == s {
		return nil, ErrBootedSlot
	}
	if env.Slots[s].State != StateBad {
		return nil, fmt.Errorf("slot: %s is %s; mark it bad before writing", s, env.Slots[s].State)
	}
	path := f.ImagePath(s, target)
	fh, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("slot: %w", err)
	}
	if off == 0 {
		if err := syncDir(filepath.Dir(path)); err != nil {
			fh.Close()
			return nil, err
		}
	}
	if st, err := fh.Stat(); err != nil || st.Size() < off {
		fh.Close()
		return nil, fmt.Errorf("%w: %s holds fewer than the %d bytes recorded", ErrNoResume, path, off)
	}
	if err := fh.Truncate(off); err != nil {
		fh.Close()
		return nil, fmt.Errorf("slot: %w", err)
	}
	if _, err := fh.Seek(off, 0); err != nil {
		fh.Close()
		return nil, fmt.Errorf("slot: %w", err)
	}
	return fh, nil
}
