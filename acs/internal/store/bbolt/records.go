package bbolt

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"gatewarden/acs/internal/store"
)

// The record buckets added after the first layout (files, campaigns, line
// health) hold one JSON document per key and are created on first write,
// so reads treat a missing bucket as an empty one. what is a format with
// one verb for the key, naming the record in errors ("file %q").

// getRecord decodes the record at key; store.ErrNotFound when it is absent.
func getRecord[T any](ctx context.Context, s *Store, bucket []byte, key, what string) (T, error) {
	var v T
	if err := ctx.Err(); err != nil {
		return v, err
	}
	err := s.db.View(func(tx *bolt.Tx) error {
		var raw []byte
		if b := tx.Bucket(bucket); b != nil {
			raw = b.Get([]byte(key))
		}
		if raw == nil {
			return fmt.Errorf(what+": %w", key, store.ErrNotFound)
		}
		return json.Unmarshal(raw, &v)
	})
	return v, err
}

// pageRecords returns up to limit records in key order after the key
// after ("" from the start), and the key to continue from ("" at the end).
func pageRecords[T any](ctx context.Context, s *Store, bucket []byte, after string, limit int, what string) ([]T, string, error) {
	if err := ctx.Err(); err != nil {
		return nil, "", err
	}
	if limit <= 0 {
		limit = store.DefaultLimit
	}
	var out []T
	next := ""
	// The previous key, valid for the transaction: a string is made only
	// for the one page boundary.
	var last []byte
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucket)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		k, v := c.First()
		if after != "" {
			k, v = c.Seek([]byte(after))
			if k != nil && bytes.Equal(k, []byte(after)) {
				k, v = c.Next()
			}
		}
		for ; k != nil; k, v = c.Next() {
			if len(out) == limit {
				next = string(last)
				return nil
			}
			var r T
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf(what+": %w", k, err)
			}
			out = append(out, r)
			last = k
		}
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	return out, next, nil
}
