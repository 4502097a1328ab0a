package bbolt

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"gatewarden/acs/internal/store"
)

// AppendAudit numbers the entry with the bucket's sequence. The sequence
// lives in the bucket header, so a rolled-back batch gives its numbers
// back and a committed one never reuses them, pruned or not.
func (s *Store) AppendAudit(ctx context.Context, e *store.AuditEntry) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	ne := *e
	if ne.Time.IsZero() {
		ne.Time = time.Now().UTC()
	}
	err := s.w.do(func(tx *bolt.Tx) error {
		b := tx.Bucket(bAudit)
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		ne.Seq = seq
		enc, err := json.Marshal(&ne)
		if err != nil {
			return err
		}
		return b.Put(seqKey(seq), enc)
	})
	if err != nil {
		return fmt.Errorf("append audit: %w", err)
	}
	*e = ne
	return nil
}

// AuditLog returns entries after a sequence number, oldest first.
func (s *Store) AuditLog(ctx context.Context, after uint64, limit int) ([]store.AuditEntry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = store.DefaultLimit
	}
	var out []store.AuditEntry
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bAudit).Cursor()
		k, v := c.Seek(seqKey(after))
		if k != nil && binary.BigEndian.Uint64(k) == after {
			k, v = c.Next()
		}
		for ; k != nil && len(out) < limit; k, v = c.Next() {
			var e store.AuditEntry
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("audit entry %d: %w", binary.BigEndian.Uint64(k), err)
			}
			out = append(out, e)
		}
		return nil
	})
	return out, err
}
