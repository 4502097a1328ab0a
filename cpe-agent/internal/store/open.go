package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Defaults and fixed bbolt settings; doc.go explains each choice.
const (
	DefaultLockTimeout = time.Second
	DefaultMaxSize     = 8 << 20
	allocSize          = 64 << 10
	initialMmapSize    = 1 << 20
	fileMode           = 0o600
)

// placementAdvice ends every error about a filesystem that cannot hold the
// store, so the operator reading the log knows what to change.
const placementAdvice = "bbolt needs a shared writable memory map, which JFFS2 cannot provide; " +
	"put --data on UBIFS, ext4 or a tmpfs overlay instead: /overlay when the overlay is UBIFS, " +
	"or /tmp as a last resort (tmpfs: the state is lost at every reboot, so the agent bootstraps again and pending events are gone)"

// Options tunes Open. The zero value gives the defaults.
type Options struct {
	// LockTimeout bounds the wait for the file lock; 0 means
	// DefaultLockTimeout. A second agent on the same file fails after it.
	LockTimeout time.Duration
	// MaxSize caps the file in bytes; 0 means DefaultMaxSize, negative
	// means no cap.
	MaxSize int

	// Seams for tests.
	statfs     func(dir string) (int64, error)
	migrations []migration
	mmapFlags  int
}

// Store is the agent's open state file. It is safe for concurrent use.
type Store struct {
	db         *bolt.DB
	path       string
	migrations []migration
}

// Open opens or creates the store at path (mode 0600). The directory must
// exist. Open fails with ErrUnsupportedFS on JFFS2 before touching the
// file, ErrLocked when another process holds it, ErrCorrupt when it is
// damaged and ErrNewerSchema when a newer agent's layout is not readable by
// this one.
func Open(path string, opts Options) (*Store, error) {
	if opts.LockTimeout <= 0 {
		opts.LockTimeout = DefaultLockTimeout
	}
	switch {
	case opts.MaxSize == 0:
		opts.MaxSize = DefaultMaxSize
	case opts.MaxSize < 0:
		opts.MaxSize = 0
	}
	if opts.migrations == nil {
		opts.migrations = migrations
	}

	if err := checkFilesystem(filepath.Dir(path), opts.statfs); err != nil {
		return nil, err
	}
	err := withFileLock(path, opts.LockTimeout, func(f *os.File) error {
		if f == nil {
			return nil
		}
		st, err := f.Stat()
		if err != nil {
			return fmt.Errorf("store: reading %s: %w", path, err)
		}
		return checkFile(f, st.Size(), path)
	})
	switch {
	case errors.Is(err, errLockTimeout):
		return nil, lockedError(path, opts)
	case err != nil:
		return nil, err
	}
	db, err := openBolt(path, opts)
	if err != nil {
		return nil, explainOpenError(path, opts, err)
	}
	db.AllocSize = allocSize
	s := &Store{db: db, path: path, migrations: opts.migrations}
	if err := s.init(); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// openBolt calls bolt.Open with faults and panics turned into errors (a
// safety net: checkFile has already vetted the file). If
// bbolt panics after it locked the file, the descriptor it opened is
// closed here so that the lock does not outlive the failed attempt.
func openBolt(path string, opts Options) (db *bolt.DB, err error) {
	var file *os.File
	bopts := &bolt.Options{
		Timeout:         opts.LockTimeout,
		InitialMmapSize: initialMmapSize,
		MaxSize:         opts.MaxSize,
		MmapFlags:       opts.mmapFlags,
		FreelistType:    bolt.FreelistArrayType,
		OpenFile: func(name string, flag int, perm os.FileMode) (*os.File, error) {
			f, err := os.OpenFile(name, flag, perm)
			file = f
			return f, err
		},
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			if file != nil {
				file.Close()
			}
			db, err = nil, fmt.Errorf("%w: %v", errBoltPanicked, r)
		}
	}()
	return bolt.Open(path, fileMode, bopts)
}

func explainOpenError(path string, opts Options, err error) error {
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		return lockedError(path, opts)
	case isMmapUnsupported(err):
		return fmt.Errorf("store: cannot memory-map %s (%v): %w; %s", path, err, ErrUnsupportedFS, placementAdvice)
	}
	if errors.Is(err, errBoltPanicked) || errors.Is(err, berrors.ErrInvalid) ||
		errors.Is(err, berrors.ErrChecksum) || errors.Is(err, berrors.ErrVersionMismatch) {
		return fmt.Errorf("store: %s: %w: %v", path, ErrCorrupt, err)
	}
	// Permissions, a full disk, a failed lock syscall: the file may be
	// fine, so this is deliberately not ErrCorrupt (which invites
	// quarantining it).
	return fmt.Errorf("store: opening %s: %w", path, err)
}

func lockedError(path string, opts Options) error {
	return fmt.Errorf("store: %s: %w (is a second cpe-agent running with the same --data?); gave up after %v", path, ErrLocked, opts.LockTimeout)
}

// Path returns the file the store was opened from.
func (s *Store) Path() string { return s.path }

// Close releases the file and its lock. Methods called afterwards fail.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("store: closing %s: %w", s.path, err)
	}
	return nil
}
