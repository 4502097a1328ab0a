package store

import (
	"encoding/binary"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Top-level buckets of the current layout. allBuckets lists the names as
// constants so that the linker lays it out: a [][]byte built from the
// variables took some 650 bytes of init code in the router build.
var (
	bucketMeta       = []byte("meta")
	bucketEvents     = []byte("events")
	bucketValues     = []byte("values")
	bucketInstances  = []byte("instances")
	bucketAttributes = []byte("attributes")
	bucketTransfers  = []byte("transfers")
	bucketSchedule   = []byte("schedule")

	allBuckets = [...]string{"meta", "events", "values", "instances", "attributes", "transfers", "schedule"}
)

// Meta keys for the layout version. schema is the layout the file is in;
// minReader is the oldest layout version whose agent can still use the
// file. Keeping both lets a firmware rollback (A/B slots) run the older
// agent on a file a newer one upgraded, as long as the upgrade was
// additive.
var (
	keySchema    = []byte("schema")
	keyMinReader = []byte("min_reader")
)

// baseSchema is the layout this package created first.
const baseSchema = 1

// migration upgrades the layout by one version. apply runs inside the
// transaction that also records the new version, so an upgrade is all or
// nothing. minReader says which older agents can still read the result:
// baseSchema for additive changes, the new version for breaking ones.
type migration struct {
	minReader uint32
	apply     func(tx *bolt.Tx) error
}

// migrations[i] upgrades version baseSchema+i to baseSchema+i+1. Append
// only; never edit a released step.
var migrations []migration

func latestSchema(ms []migration) uint32 { return baseSchema + uint32(len(ms)) }

// minReaderOf is the minReader a file fully upgraded by ms carries.
func minReaderOf(ms []migration) uint32 {
	min := uint32(baseSchema)
	for _, m := range ms {
		if m.minReader > min {
			min = m.minReader
		}
	}
	return min
}

// init brings the file's layout up to date. It writes only when there is
// something to change: an agent start should not cost a flash write.
func (s *Store) init() error {
	upToDate := false
	err := s.View(func(tx *Tx) error {
		var err error
		upToDate, err = s.upToDate(tx.tx)
		return err
	})
	if err != nil || upToDate {
		return err
	}
	return s.Update(func(tx *Tx) error { return s.migrate(tx.tx) })
}

// upToDate reports whether the file already has a readable layout at
// least as new as this agent's, with every bucket this agent uses.
func (s *Store) upToDate(btx *bolt.Tx) (bool, error) {
	meta := btx.Bucket(bucketMeta)
	if meta == nil {
		return false, nil
	}
	version, ok, err := getUint32(meta, keySchema)
	if err != nil || !ok || version < latestSchema(s.migrations) {
		return false, nil // migrate reports errors with their context
	}
	minReader, _, err := getUint32(meta, keyMinReader)
	if err != nil || minReader > latestSchema(s.migrations) {
		return false, nil
	}
	for _, name := range allBuckets {
		if btx.Bucket([]byte(name)) == nil {
			return false, nil
		}
	}
	return true, nil
}

func (s *Store) migrate(btx *bolt.Tx) error {
	latest := latestSchema(s.migrations)
	meta := btx.Bucket(bucketMeta)
	var version, minReader uint32
	if meta != nil {
		v, ok, err := getUint32(meta, keySchema)
		if err != nil {
			return fmt.Errorf("store: %s: %w: %v", s.path, ErrCorrupt, err)
		}
		if ok {
			version = v
			if minReader, _, err = getUint32(meta, keyMinReader); err != nil {
				return fmt.Errorf("store: %s: %w: %v", s.path, ErrCorrupt, err)
			}
		}
	}

	if version == 0 {
		// A new file, unless it holds someone else's buckets (--data
		// pointed at the ACS's database, say).
		var foreign []byte
		_ = btx.ForEach(func(name []byte, _ *bolt.Bucket) error {
			foreign = append([]byte(nil), name...)
			return nil
		})
		if foreign != nil {
			return fmt.Errorf("store: %s: %w: a bbolt file without the agent's schema marker (has bucket %q); not a cpe-agent state file", s.path, ErrCorrupt, foreign)
		}
		if err := createBuckets(btx); err != nil {
			return err
		}
		return setSchema(btx, latest, minReaderOf(s.migrations))
	}

	if minReader > latest {
		return fmt.Errorf("store: %s: %w: file layout %d needs an agent that understands layout %d or later, this one understands up to %d", s.path, ErrNewerSchema, version, minReader, latest)
	}
	for v := version; v < latest; v++ {
		step := s.migrations[v-baseSchema]
		if err := step.apply(btx); err != nil {
			return fmt.Errorf("store: %s: upgrading layout %d to %d: %w", s.path, v, v+1, err)
		}
		if step.minReader > minReader {
			minReader = step.minReader
		}
	}
	// Buckets added by later layouts may be missing from a file an older
	// agent created; ones this agent knows must exist.
	if err := createBuckets(btx); err != nil {
		return err
	}
	if version < latest {
		return setSchema(btx, latest, minReader)
	}
	return nil
}

func createBuckets(btx *bolt.Tx) error {
	for _, name := range allBuckets {
		if _, err := btx.CreateBucketIfNotExists([]byte(name)); err != nil {
			if errors.Is(err, berrors.ErrIncompatibleValue) {
				return fmt.Errorf("store: %s: %w: %q is a plain key where the bucket belongs", btx.DB().Path(), ErrCorrupt, name)
			}
			return fmt.Errorf("store: creating bucket %s: %w", name, err)
		}
	}
	return nil
}

func setSchema(btx *bolt.Tx, version, minReader uint32) error {
	meta := btx.Bucket(bucketMeta)
	if err := putUint32(meta, keySchema, version); err != nil {
		return err
	}
	return putUint32(meta, keyMinReader, minReader)
}

func getUint32(b *bolt.Bucket, key []byte) (uint32, bool, error) {
	v := b.Get(key)
	if v == nil {
		return 0, false, nil
	}
	if len(v) != 4 {
		return 0, false, fmt.Errorf("meta %s: %d bytes, want 4", key, len(v))
	}
	return binary.BigEndian.Uint32(v), true, nil
}

func putUint32(b *bolt.Bucket, key []byte, v uint32) error {
	if err := b.Put(key, binary.BigEndian.AppendUint32(nil, v)); err != nil {
		return fmt.Errorf("store: writing meta %s: %w", key, err)
	}
	return nil
}

// SchemaVersion reports the file's layout version and the oldest layout an
// agent must understand to use it.
func (s *Store) SchemaVersion() (version, minReader uint32, err error) {
	err = s.View(func(tx *Tx) (err error) {
		defer tx.catch(&err)
		meta, err := tx.bucket(bucketMeta)
		if err != nil {
			return err
		}
		if version, _, err = getUint32(meta, keySchema); err != nil {
			return err
		}
		minReader, _, err = getUint32(meta, keyMinReader)
		return err
	})
	return version, minReader, err
}
