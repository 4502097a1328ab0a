package store

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// metaKept lists the meta keys a Wipe leaves alone: the layout version
// and the boot id (a fact about the running kernel, not state). Every
// other meta key, including ones added later, is wiped by default.
// Strings, not the key variables, for the reason allBuckets gives.
var metaKept = [...]string{"schema", "min_reader", "boot_id"}

// Wipe empties the store for a FactoryReset, atomically: events, values
// except those keepValue accepts (the factory ACS settings, say),
// instances and their counters, attributes, transfers, scheduled informs,
// and the bootstrap, retry, credentials and last-session records. The
// sequence counters of events, transfers and scheduled informs survive, so
// a number handed out before the wipe never names something else after
// it. A nil keepValue keeps no value.
func (tx *Tx) Wipe(keepValue func(name string) bool) (err error) {
	defer tx.catch(&err)
	for _, name := range [][]byte{bucketEvents, bucketAttributes, bucketTransfers, bucketSchedule} {
		b, err := tx.bucket(name)
		if err != nil {
			return err
		}
		if err := deleteKeysIf(b, func([]byte) bool { return true }); err != nil {
			return fmt.Errorf("store: wiping %s: %w", name, err)
		}
	}

	values, err := tx.bucket(bucketValues)
	if err != nil {
		return err
	}
	if err := deleteKeysIf(values, func(k []byte) bool { return keepValue == nil || !keepValue(string(k)) }); err != nil {
		return fmt.Errorf("store: wiping values: %w", err)
	}

	instances, err := tx.bucket(bucketInstances)
	if err != nil {
		return err
	}
	var tables [][]byte
	if err := instances.ForEachBucket(func(k []byte) error {
		tables = append(tables, append([]byte(nil), k...))
		return nil
	}); err != nil {
		return err
	}
	for _, t := range tables {
		if err := instances.DeleteBucket(t); err != nil {
			return fmt.Errorf("store: wiping table %s: %w", t, err)
		}
	}

	meta, err := tx.bucket(bucketMeta)
	if err != nil {
		return err
	}
	return deleteKeysIf(meta, func(k []byte) bool {
		for _, keep := range metaKept {
			if string(k) == keep {
				return false
			}
		}
		return true
	})
}

func deleteKeysIf(b *bolt.Bucket, del func(k []byte) bool) error {
	var keys [][]byte
	if err := b.ForEach(func(k, v []byte) error {
		if v != nil && del(k) {
			keys = append(keys, append([]byte(nil), k...))
		}
		return nil
	}); err != nil {
		return err
	}
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return fmt.Errorf("deleting %q: %w", k, err)
		}
	}
	return nil
}

// Wipe empties the store for a FactoryReset in one commit (see Tx.Wipe).
func (s *Store) Wipe(keepValue func(name string) bool) error {
	return s.Update(func(tx *Tx) error { return tx.Wipe(keepValue) })
}
