package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"sort"

	bolt "go.etcd.io/bbolt"
)

// seqKey encodes a sequence number so that byte order is numeric order.
func seqKey(n uint64) []byte { return binary.BigEndian.AppendUint64(nil, n) }

func keySeq(k []byte) (uint64, bool) {
	if len(k) != 8 {
		return 0, false
	}
	return binary.BigEndian.Uint64(k), true
}

// putJSON stores v under key. The messages name the key, never the value:
// some records hold secrets.
func putJSON(b *bolt.Bucket, key []byte, what string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("store: encoding %s record: %w", what, err)
	}
	if err := b.Put(key, data); err != nil {
		return fmt.Errorf("store: writing %s record: %w", what, err)
	}
	return nil
}

func decodeJSON(path string, what string, data []byte, v any) error {
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("store: %s: %w: undecodable %s record", path, ErrCorrupt, what)
	}
	return nil
}

// forEachSeq calls fn for every record of a sequence-keyed bucket in order.
func forEachSeq(path, what string, b *bolt.Bucket, fn func(seq uint64, data []byte) error) error {
	return b.ForEach(func(k, v []byte) error {
		seq, ok := keySeq(k)
		if !ok || v == nil {
			return fmt.Errorf("store: %s: %w: malformed %s key %x", path, ErrCorrupt, what, k)
		}
		return fn(seq, v)
	})
}

// deletePrefix removes every key of b that starts with prefix. Keys are
// collected first: deleting under a live bbolt cursor can skip entries.
func deletePrefix(b *bolt.Bucket, prefix []byte) error {
	var keys [][]byte
	c := b.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		keys = append(keys, append([]byte(nil), k...))
	}
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return fmt.Errorf("store: deleting %q: %w", k, err)
		}
	}
	return nil
}

// sortedKeys gives map writes a fixed order: bbolt fills pages best with
// ascending keys, and a deterministic order makes files reproducible.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// deleteNames and deleteSeqs are the shared bodies of the Delete methods
// of keyed and sequence-numbered buckets: one copy of the loop, the
// deferred catch and the error wrapping instead of one per record kind.
// what words the error: "store: deleting <what><name>: ...".
func (tx *Tx) deleteNames(bucket []byte, what string, names []string) (err error) {
	defer tx.catch(&err)
	b, err := tx.bucket(bucket)
	if err != nil {
		return err
	}
	for _, name := range names {
		if err := b.Delete([]byte(name)); err != nil {
			return fmt.Errorf("store: deleting %s%s: %w", what, name, err)
		}
	}
	return nil
}

func (tx *Tx) deleteSeqs(bucket []byte, what string, seqs []uint64) (err error) {
	defer tx.catch(&err)
	b, err := tx.bucket(bucket)
	if err != nil {
		return err
	}
	for _, seq := range seqs {
		if err := b.Delete(seqKey(seq)); err != nil {
			return fmt.Errorf("store: deleting %s %d: %w", what, seq, err)
		}
	}
	return nil
}
