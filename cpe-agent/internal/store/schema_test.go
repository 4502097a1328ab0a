package store

import (
	"errors"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// addBucketStep is an additive migration: older agents can still read.
func addBucketStep(calls *int) migration {
	return migration{minReader: baseSchema, apply: func(tx *bolt.Tx) error {
		*calls++
		b, err := tx.CreateBucketIfNotExists([]byte("diagnostics"))
		if err != nil {
			return err
		}
		return b.Put([]byte("migrated"), []byte("yes"))
	}}
}

func TestMigrationRunsOnceAndAtomically(t *testing.T) {
	path := tempPath(t)
	s := openAt(t, path, Options{})
	_, err := s.AppendEvent(Event{Code: "1 BOOT"})
	must(t, err)
	must(t, s.Close())

	// A failing step leaves the file at its old version, untouched.
	failing := migration{minReader: 2, apply: func(tx *bolt.Tx) error {
		if _, err := tx.CreateBucket([]byte("half-done")); err != nil {
			return err
		}
		return errors.New("step failed")
	}}
	if _, err := Open(path, Options{migrations: []migration{failing}}); err == nil || !strings.Contains(err.Error(), "upgrading layout 1 to 2") {
		t.Fatalf("Open with a failing migration = %v", err)
	}
	s = openAt(t, path, Options{})
	if v, _, _ := s.SchemaVersion(); v != 1 {
		t.Fatalf("version after failed migration = %d", v)
	}
	must(t, s.View(func(tx *Tx) error {
		if tx.tx.Bucket([]byte("half-done")) != nil {
			t.Error("failed migration left a bucket behind")
		}
		return nil
	}))
	must(t, s.Close())

	calls := 0
	steps := []migration{addBucketStep(&calls)}
	s = openAt(t, path, Options{migrations: steps})
	if v, minReader, _ := s.SchemaVersion(); v != 2 || minReader != 1 || calls != 1 {
		t.Fatalf("after migration: version %d, minReader %d, %d calls", v, minReader, calls)
	}
	if ev, _ := s.Events(); len(ev) != 1 {
		t.Fatalf("migration lost events: %v", ev)
	}
	must(t, s.Close())
	s = openAt(t, path, Options{migrations: steps})
	if calls != 1 {
		t.Fatalf("migration ran again on reopen (%d calls)", calls)
	}
	must(t, s.Close())

	// Firmware rollback: the older agent can still use the additive layout.
	s = openAt(t, path, Options{})
	if v, _, _ := s.SchemaVersion(); v != 2 {
		t.Fatalf("older agent rewrote the version to %d", v)
	}
	if _, err := s.AppendEvent(Event{Code: "1 BOOT"}); err != nil {
		t.Fatalf("older agent cannot write: %v", err)
	}
}

func TestNewerIncompatibleSchemaIsRefused(t *testing.T) {
	path := tempPath(t)
	breaking := migration{minReader: 2, apply: func(*bolt.Tx) error { return nil }}
	s := openAt(t, path, Options{migrations: []migration{breaking}})
	if v, minReader, _ := s.SchemaVersion(); v != 2 || minReader != 2 {
		t.Fatalf("fresh file with a breaking step: version %d minReader %d", v, minReader)
	}
	must(t, s.Close())
	_, err := Open(path, Options{})
	if !errors.Is(err, ErrNewerSchema) || errors.Is(err, ErrCorrupt) {
		t.Fatalf("older agent on a breaking layout = %v, want ErrNewerSchema (not corrupt: do not quarantine it)", err)
	}
}

// TestBucketNameListsMatchVariables: allBuckets and metaKept spell out as
// strings the names the bucket and key variables hold (a static layout
// for the router build); a rename must change both.
func TestBucketNameListsMatchVariables(t *testing.T) {
	buckets := [][]byte{bucketMeta, bucketEvents, bucketValues, bucketInstances, bucketAttributes, bucketTransfers, bucketSchedule}
	if len(buckets) != len(allBuckets) {
		t.Fatalf("allBuckets has %d names, %d bucket variables", len(allBuckets), len(buckets))
	}
	for i, b := range buckets {
		if string(b) != allBuckets[i] {
			t.Errorf("allBuckets[%d] = %q, bucket variable says %q", i, allBuckets[i], b)
		}
	}
	for i, k := range [][]byte{keySchema, keyMinReader, keyBootID} {
		if string(k) != metaKept[i] {
			t.Errorf("metaKept[%d] = %q, key variable says %q", i, metaKept[i], k)
		}
	}
}
