package bbolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"gatewarden/acs/internal/store"
)

// A pruneStep deletes up to pruneChunk expired records, counting them in
// n, and returns how many candidate keys it visited.
type pruneStep func(tx *bolt.Tx, cut uint64, n *int) (visited int, err error)

// pruneChunk bounds one retention transaction, so sessions queued behind
// it wait for a short commit, not for the whole backlog.
const pruneChunk = 2000

// Prune deletes old finished tasks, faults and audit entries, chunk by
// chunk, each chunk a transaction of its own.
func (s *Store) Prune(ctx context.Context, before time.Time) (int, error) {
	cut := timeKey(before)
	total := 0
	for _, step := range []pruneStep{pruneTasks, pruneFaults, pruneAudit} {
		for more := true; more; {
			if err := ctx.Err(); err != nil {
				return total, err
			}
			n := 0
			err := s.w.do(func(tx *bolt.Tx) error {
				n = 0
				keys, err := step(tx, cut, &n)
				more = keys == pruneChunk
				if err == nil && keys == 0 {
					return reject(nil)
				}
				return err
			})
			if err != nil {
				return total, fmt.Errorf("prune: %w", err)
			}
			total += n
		}
	}
	return total, nil
}

// pruneTasks walks the finished index from the oldest completion.
func pruneTasks(tx *bolt.Tx, cut uint64, n *int) (int, error) {
	fin := tx.Bucket(bFinished)
	var keys [][]byte
	c := fin.Cursor()
	for k, _ := c.First(); k != nil && len(keys) < pruneChunk; k, _ = c.Next() {
		if len(k) < 8 || binary.BigEndian.Uint64(k) >= cut {
			break
		}
		keys = append(keys, bytes.Clone(k))
	}
	for _, k := range keys {
		id := k[8:]
		t, err := getTask(tx, id)
		if errors.Is(err, store.ErrNotFound) {
			// An index entry without its task: drop it, or every later
			// prune would stop here.
			if err := fin.Delete(k); err != nil {
				return 0, err
			}
			continue
		}
		if err != nil {
			return 0, err
		}
		if err := unindexTask(tx, &t); err != nil {
			return 0, err
		}
		if err := tx.Bucket(bTasks).Delete(id); err != nil {
			return 0, err
		}
		*n++
	}
	return len(keys), nil
}

// pruneFaults walks the global fault bucket from the oldest.
func pruneFaults(tx *bolt.Tx, cut uint64, n *int) (int, error) {
	faults, df := tx.Bucket(bFaults), tx.Bucket(bDevFaults)
	var old []store.Fault
	var keys [][]byte
	c := faults.Cursor()
	for k, v := c.First(); k != nil && len(keys) < pruneChunk; k, v = c.Next() {
		if len(k) < 8 || binary.BigEndian.Uint64(k) >= cut {
			break
		}
		var f store.Fault
		if err := json.Unmarshal(v, &f); err != nil {
			return 0, fmt.Errorf("fault %x: %w", k, err)
		}
		old = append(old, f)
		keys = append(keys, bytes.Clone(k))
	}
	for i, k := range keys {
		if err := faults.Delete(k); err != nil {
			return 0, err
		}
		if err := df.Delete(append(devicePrefix(old[i].Device), k...)); err != nil {
			return 0, err
		}
		*n++
	}
	return len(keys), nil
}

// pruneAudit drops entries from the oldest while they are older than the
// cut. Entries are in append order, so the walk stops at the first newer
// one even if a caller back-dated a later entry.
func pruneAudit(tx *bolt.Tx, cut uint64, n *int) (int, error) {
	b := tx.Bucket(bAudit)
	var keys [][]byte
	c := b.Cursor()
	for k, v := c.First(); k != nil && len(keys) < pruneChunk; k, v = c.Next() {
		var e struct {
			Time time.Time `json:"time"`
		}
		if err := json.Unmarshal(v, &e); err != nil {
			return 0, fmt.Errorf("audit entry %x: %w", k, err)
		}
		if timeKey(e.Time) >= cut {
			break
		}
		keys = append(keys, bytes.Clone(k))
	}
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return 0, err
		}
		*n++
	}
	return len(keys), nil
}
