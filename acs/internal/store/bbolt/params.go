package bbolt

import (
	"bytes"
	"context"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"gatewarden/acs/internal/store"
)

// paramWrite is a batch of parameters encoded outside the writer. src is
// the caller's slice, only read, and only while the caller waits.
type paramWrite struct {
	src []store.Param
	now time.Time // Updated of params without one
	kv  []paramKV
}

type paramKV struct{ name, enc []byte }

func encodeParams(in []store.Param, now time.Time) (*paramWrite, error) {
	pw := &paramWrite{src: in, now: now, kv: make([]paramKV, len(in))}
	// One backing array for all names and encodings: an Inform's params
	// in one allocation instead of a hundred. bbolt keeps the slices until
	// commit, and nothing writes to them after this.
	size := 0
	for i := range in {
		size += len(in[i].Name) + 24 + len(in[i].Type) + len(in[i].Value)
	}
	buf := make([]byte, 0, size)
	for i := range in {
		p := in[i]
		if err := checkID("parameter name", p.Name); err != nil {
			return nil, err
		}
		if p.Updated.IsZero() {
			p.Updated = now
		}
		start := len(buf)
		buf = append(buf, p.Name...)
		pw.kv[i].name = buf[start:len(buf):len(buf)]
		start = len(buf)
		buf = appendParam(buf, &p)
		pw.kv[i].enc = buf[start:len(buf):len(buf)]
	}
	return pw, nil
}

// write merges the batch into the device's parameter bucket.
func (pw *paramWrite) write(tx *bolt.Tx, device []byte) error {
	if len(pw.kv) == 0 {
		return nil
	}
	pb, err := tx.Bucket(bParams).CreateBucketIfNotExists(device)
	if err != nil {
		return err
	}
	// One cursor for all lookups: Bucket.Get would build a cursor each.
	c := pb.Cursor()
	for i, kv := range pw.kv {
		var old []byte
		if k, v := c.Seek(kv.name); bytes.Equal(k, kv.name) {
			old = v
		}
		p := pw.src[i]
		if p.Updated.IsZero() {
			p.Updated = pw.now
		}
		if err := pb.Put(kv.name, mergeParam(kv.enc, &p, old)); err != nil {
			return fmt.Errorf("parameter %s: %w", kv.name, err)
		}
	}
	return nil
}

// SaveParams merges parameters into the device's cache.
func (s *Store) SaveParams(ctx context.Context, device string, params []store.Param) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	pw, err := encodeParams(params, time.Now().UTC())
	if err != nil {
		return err
	}
	key := []byte(device)
	err = s.w.do(func(tx *bolt.Tx) error {
		if tx.Bucket(bDevices).Get(key) == nil {
			return reject(fmt.Errorf("device %q: %w", device, store.ErrNotFound))
		}
		return pw.write(tx, key)
	})
	if err != nil {
		return fmt.Errorf("save parameters: %w", err)
	}
	return nil
}

// Params returns the device's cached parameters under prefix, by name.
func (s *Store) Params(ctx context.Context, device, prefix string) ([]store.Param, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []store.Param
	err := s.db.View(func(tx *bolt.Tx) error {
		key := []byte(device)
		if tx.Bucket(bDevices).Get(key) == nil {
			return fmt.Errorf("device %q: %w", device, store.ErrNotFound)
		}
		pb := tx.Bucket(bParams).Bucket(key)
		if pb == nil {
			return nil
		}
		pfx := []byte(prefix)
		c := pb.Cursor()
		for k, v := c.Seek(pfx); k != nil && bytes.HasPrefix(k, pfx); k, v = c.Next() {
			p := store.Param{Name: string(k)}
			if err := decodeParam(v, &p); err != nil {
				return fmt.Errorf("device %q parameter %s: %w", device, k, err)
			}
			out = append(out, p)
		}
		return nil
	})
	return out, err
}

// DeleteParams drops the device's cached parameters under prefix (all of
// them for ""), e.g. after DeleteObject.
func (s *Store) DeleteParams(ctx context.Context, device, prefix string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	key := []byte(device)
	err := s.w.do(func(tx *bolt.Tx) error {
		if tx.Bucket(bDevices).Get(key) == nil {
			return reject(fmt.Errorf("device %q: %w", device, store.ErrNotFound))
		}
		pb := tx.Bucket(bParams).Bucket(key)
		if pb == nil {
			return nil
		}
		for _, k := range prefixKeys(pb, []byte(prefix), 0) {
			if err := pb.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete parameters of %s under %q: %w", device, prefix, err)
	}
	return nil
}
