package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// Instance numbers. A table is the path of a multi-instance object as the
// ACS addresses it, ending in ".": "Device.IP.Interface." or, nested,
// "Device.IP.Interface.2.IPv4Address.". Each table has a sub-bucket of
// "instances" whose keys are the instances that exist and whose bbolt
// sequence is the highest number ever handed out, so numbers are never
// reused, across DeleteObject and restarts alike.

func checkTable(table string) error {
	if err := objectPrefix(table); err != nil {
		return fmt.Errorf("store: table %q must end in \".\"", table)
	}
	return nil
}

func instanceKey(n uint32) []byte { return binary.BigEndian.AppendUint32(nil, n) }

// NextInstance allocates the next instance number of table without
// recording an instance; pair it with PutInstance in one Update (that is
// what AddInstance does).
func (tx *Tx) NextInstance(table string) (n uint32, err error) {
	defer tx.catch(&err)
	if err := checkTable(table); err != nil {
		return 0, err
	}
	tb, err := tx.tableBucket(table)
	if err != nil {
		return 0, err
	}
	next, err := tb.NextSequence()
	if err != nil {
		return 0, fmt.Errorf("store: next instance of %s: %w", table, err)
	}
	if next > math.MaxUint32 {
		return 0, fmt.Errorf("store: instance numbers of %s exhausted", table)
	}
	return uint32(next), nil
}

// PutInstance records that instance n of table exists and raises the
// table's counter to n, so that instances the platform numbered itself are
// never handed out by NextInstance.
func (tx *Tx) PutInstance(table string, n uint32) (err error) {
	defer tx.catch(&err)
	if err := checkTable(table); err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("store: instance 0 of %s: instance numbers start at 1", table)
	}
	tb, err := tx.tableBucket(table)
	if err != nil {
		return err
	}
	if tb.Sequence() < uint64(n) {
		if err := tb.SetSequence(uint64(n)); err != nil {
			return fmt.Errorf("store: raising the counter of %s: %w", table, err)
		}
	}
	if err := tb.Put(instanceKey(n), []byte{}); err != nil {
		return fmt.Errorf("store: recording %s%d: %w", table, n, err)
	}
	return nil
}

// Instances returns the recorded instances of every table, ascending.
// Tables whose instances were all deleted are absent.
func (tx *Tx) Instances() (tables map[string][]uint32, err error) {
	defer tx.catch(&err)
	b, err := tx.bucket(bucketInstances)
	if err != nil {
		return nil, err
	}
	tables = make(map[string][]uint32)
	err = b.ForEachBucket(func(name []byte) error {
		var nums []uint32
		err := b.Bucket(name).ForEach(func(k, _ []byte) error {
			if len(k) != 4 {
				return fmt.Errorf("store: %s: %w: malformed instance key %x under %s", tx.path, ErrCorrupt, k, name)
			}
			nums = append(nums, binary.BigEndian.Uint32(k))
			return nil
		})
		if err != nil {
			return err
		}
		if len(nums) > 0 {
			tables[string(name)] = nums
		}
		return nil
	})
	return tables, err
}

// DeleteObject removes everything persisted for the instance object path
// ("Device.IP.Interface.3.") and beneath it: the instance record, the
// instances and counters of tables nested in it (their numbers cannot
// collide again, since this instance number is never reused), and the
// values and attributes under the path. Nothing persisted is not an error.
func (tx *Tx) DeleteObject(path string) (err error) {
	defer tx.catch(&err)
	table, n, err := splitInstancePath(path)
	if err != nil {
		return err
	}
	b, err := tx.bucket(bucketInstances)
	if err != nil {
		return err
	}
	if tb := b.Bucket([]byte(table)); tb != nil {
		if err := tb.Delete(instanceKey(n)); err != nil {
			return fmt.Errorf("store: deleting %s: %w", path, err)
		}
	}
	var nested [][]byte
	c := b.Cursor()
	prefix := []byte(path)
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		nested = append(nested, append([]byte(nil), k...))
	}
	for _, name := range nested {
		if err := b.DeleteBucket(name); err != nil {
			return fmt.Errorf("store: deleting table %s: %w", name, err)
		}
	}
	for _, name := range [][]byte{bucketValues, bucketAttributes} {
		vb, err := tx.bucket(name)
		if err != nil {
			return err
		}
		if err := deletePrefix(vb, prefix); err != nil {
			return err
		}
	}
	return nil
}

// splitInstancePath splits "Device.IP.Interface.3." into its table and
// instance number.
func splitInstancePath(path string) (string, uint32, error) {
	bad := fmt.Errorf("store: %q is not an instance path like \"Device.IP.Interface.3.\"", path)
	if !strings.HasSuffix(path, ".") {
		return "", 0, bad
	}
	trimmed := path[:len(path)-1]
	dot := strings.LastIndexByte(trimmed, '.')
	if dot < 0 {
		return "", 0, bad
	}
	n, err := strconv.ParseUint(trimmed[dot+1:], 10, 32)
	if err != nil || n == 0 {
		return "", 0, bad
	}
	return trimmed[:dot+1], uint32(n), nil
}

func (tx *Tx) tableBucket(table string) (*bolt.Bucket, error) {
	b, err := tx.bucket(bucketInstances)
	if err != nil {
		return nil, err
	}
	tb, err := b.CreateBucketIfNotExists([]byte(table))
	if err != nil {
		return nil, fmt.Errorf("store: table %s: %w", table, err)
	}
	return tb, nil
}

// NextInstance allocates an instance number of table in its own commit.
func (s *Store) NextInstance(table string) (uint32, error) {
	return updateValue(s, func(tx *Tx) (uint32, error) { return tx.NextInstance(table) })
}

// AddInstance allocates the next instance number of table and records the
// instance, atomically: the persistence half of AddObject.
func (s *Store) AddInstance(table string) (uint32, error) {
	return updateValue(s, func(tx *Tx) (uint32, error) {
		n, err := tx.NextInstance(table)
		if err != nil {
			return 0, err
		}
		return n, tx.PutInstance(table, n)
	})
}

// PutInstance records an existing instance in its own commit.
func (s *Store) PutInstance(table string, n uint32) error {
	return s.Update(func(tx *Tx) error { return tx.PutInstance(table, n) })
}

// Instances returns the recorded instances of every table.
func (s *Store) Instances() (map[string][]uint32, error) {
	return viewValue(s, (*Tx).Instances)
}

// DeleteObject removes an instance and its subtree in one commit.
func (s *Store) DeleteObject(path string) error {
	return s.Update(func(tx *Tx) error { return tx.DeleteObject(path) })
}
