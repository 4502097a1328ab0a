// Package bbolt is the embedded store of the ACS: one bbolt file, owned by
// one process.
//
// Writes go through one committer goroutine that folds whatever callers
// queued while the previous commit was syncing into the next transaction
// (group commit), so every mutating method returns only after its change is
// fsync'd, yet a burst of sessions shares fsyncs instead of paying one each.
// Reads are plain bbolt read transactions and run in parallel with writes.
//
// Layout (layout.go) keeps every query a seek: devices sorted by ID,
// parameters in one nested bucket per device, a per-device task queue whose
// key order is the hand-out order, and time-ordered indexes for retention.
// Session leases live in memory: see leases.go for why.
//
// Caveats (bbolt's, and so ours): the file is endian- and page-size-
// specific, so never copy one between machines of different architecture;
// it never shrinks by itself, so retention (Prune) frees pages for reuse
// and CompactInPlace (`acs compact`, with the ACS stopped) gives them back;
// one process owns the file, which is why Open fails fast with ErrLocked
// when another ACS has it.
package bbolt

import (
	"errors"
	"fmt"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"gatewarden/acs/internal/store"
)

var _ store.Store = (*Store)(nil)

// Options tune Open. The zero value is what the ACS runs with.
type Options struct {
	// LockTimeout bounds the wait for the file lock, so a second ACS on the
	// same data directory fails fast instead of hanging. Default 500ms.
	LockTimeout time.Duration
	// MaxBatch caps how many queued writes share one transaction. Default
	// 256: enough to absorb 64+ concurrent sessions per commit, small
	// enough that one commit stays a few milliseconds.
	MaxBatch int
	// InitialMmapSize reserves address space so that a growing file does
	// not remap, which would wait for every open read (a long device
	// listing) to finish. Default 1 GiB; only address space, not memory.
	InitialMmapSize int
	// EventsPerDevice is how many recent Inform events each device keeps.
	// Default 64.
	EventsPerDevice int
}

func (o Options) withDefaults() Options {
	if o.LockTimeout <= 0 {
		o.LockTimeout = 500 * time.Millisecond
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = 256
	}
	if o.InitialMmapSize <= 0 {
		o.InitialMmapSize = 1 << 30
	}
	if o.EventsPerDevice <= 0 {
		o.EventsPerDevice = 64
	}
	return o
}

// ErrLocked reports that another process has the data file open.
var ErrLocked = errors.New("data file is in use by another process (is another acs running on this data directory?)")

// Store is the bbolt implementation of store.Store.
type Store struct {
	db     *bolt.DB
	opts   Options
	w      *committer
	leases leaseTable

	closeOnce sync.Once
	closeErr  error
}

// Open opens or creates the store file at path.
func Open(path string, opts Options) (*Store, error) {
	opts = opts.withDefaults()
	db, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout:         opts.LockTimeout,
		InitialMmapSize: opts.InitialMmapSize,
		// The hashmap freelist stays fast when a large file is fragmented
		// by retention; the array one degrades.
		FreelistType: bolt.FreelistMapType,
		// Not syncing the freelist saves pages per commit; the price is a
		// freelist rebuild at open, which is a scan we accept at startup.
		NoFreelistSync: true,
		NoStatistics:   true,
	})
	if err != nil {
		if errors.Is(err, berrors.ErrTimeout) {
			return nil, fmt.Errorf("open store %s: %w", path, ErrLocked)
		}
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	if err := db.Update(initBuckets); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	s := &Store{db: db, opts: opts}
	s.leases.init()
	s.w = newCommitter(db, opts.MaxBatch)
	return s, nil
}

// Close waits for queued writes, then closes the file. Leases are dropped.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.w.close()
		s.closeErr = s.db.Close()
	})
	return s.closeErr
}

// Path is the file the store lives in.
func (s *Store) Path() string { return s.db.Path() }

// Commits is how many write transactions the store has committed; with
// bbolt each costs two fdatasyncs (pages, then meta page). Benchmarks and
// metrics divide it by operations to show how well commits are shared.
func (s *Store) Commits() uint64 { return s.w.commits.Load() }
