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
	// set hashes the names of the stamped parameters, in order (see
	// reportSet); zero without any.
	set uint64
}

type paramKV struct {
	name, enc []byte
	stamped   bool
}

// encodeParams encodes a batch. With stamp, parameters without an Updated
// of their own are encoded stamped: their time is the report stamp that
// RecordInform keeps in the device record. Without it they get now.
func encodeParams(in []store.Param, now time.Time, stamp bool) (*paramWrite, error) {
	pw := &paramWrite{src: in, now: now, kv: make([]paramKV, len(in))}
	// One backing array for all names and encodings: an Inform's params
	// in one allocation instead of a hundred. bbolt keeps the slices until
	// commit, and nothing writes to them after this.
	size := 0
	for i := range in {
		size += len(in[i].Name) + 24 + len(in[i].Type) + len(in[i].Value)
	}
	buf := make([]byte, 0, size)
	set := newReportSet()
	for i := range in {
		p := in[i]
		if err := checkID("parameter name", p.Name); err != nil {
			return nil, err
		}
		stamped := stamp && p.Updated.IsZero()
		if p.Updated.IsZero() && !stamped {
			p.Updated = now
		}
		start := len(buf)
		buf = append(buf, p.Name...)
		pw.kv[i].name = buf[start:len(buf):len(buf)]
		start = len(buf)
		buf = appendParamAs(buf, &p, stamped)
		pw.kv[i].enc = buf[start:len(buf):len(buf)]
		pw.kv[i].stamped = stamped
		if stamped {
			set.add(p.Name)
		}
	}
	pw.set = set.sum()
	return pw, nil
}

// reportSet is FNV-1a (64 bits) over the stamped names of an Inform, each
// followed by a NUL (which names never contain).
type reportSet uint64

func newReportSet() reportSet { return 14695981039346656037 }

func (h *reportSet) add(name string) {
	x := uint64(*h)
	for i := 0; i < len(name); i++ {
		x ^= uint64(name[i])
		x *= 1099511628211
	}
	x *= 1099511628211 // the NUL separator
	*h = reportSet(x)
}

func (h reportSet) sum() uint64 { return uint64(h) }

// write merges the batch into the device's parameter bucket; every
// parameter is put.
func (pw *paramWrite) write(tx *bolt.Tx, device []byte) error {
	_, err := pw.merge(tx, device, false)
	return err
}

// report merges an Inform's batch. prev is the device's report stamp
// before this Inform. When this Inform stamps the same names as the one
// that set prev, a stamped parameter whose encoding would not change is
// not written at all: only its shared time moves, in the device record.
// When the names differ, the parameters stamped by the earlier Inform
// that this one does not report keep prev's time, written into each.
// It returns how many parameters of the batch it wrote.
func (pw *paramWrite) report(tx *bolt.Tx, device []byte, prev reportStamp) (int, error) {
	same := prev.ok && prev.set == pw.set
	if !same && prev.ok {
		if err := pw.unstamp(tx, device, prev); err != nil {
			return 0, err
		}
	}
	return pw.merge(tx, device, same)
}

func (pw *paramWrite) merge(tx *bolt.Tx, device []byte, skipSame bool) (int, error) {
	if len(pw.kv) == 0 {
		return 0, nil
	}
	pb, err := tx.Bucket(bParams).CreateBucketIfNotExists(device)
	if err != nil {
		return 0, err
	}
	written := 0
	// One cursor for all lookups: Bucket.Get would build a cursor each.
	c := pb.Cursor()
	for i, kv := range pw.kv {
		var old []byte
		if k, v := c.Seek(kv.name); bytes.Equal(k, kv.name) {
			old = v
		}
		p := pw.src[i]
		if p.Updated.IsZero() && !kv.stamped {
			p.Updated = pw.now
		}
		enc := mergeParam(kv.enc, &p, old)
		if skipSame && kv.stamped && bytes.Equal(enc, old) {
			continue
		}
		if err := pb.Put(kv.name, enc); err != nil {
			return written, fmt.Errorf("parameter %s: %w", kv.name, err)
		}
		written++
	}
	return written, nil
}

// unstamp gives the parameters stamped with prev that this batch does not
// stamp again their own time, prev's. It reads the whole bucket, which
// happens only when a device reports a different set of names than in
// its last Inform.
func (pw *paramWrite) unstamp(tx *bolt.Tx, device []byte, prev reportStamp) error {
	pb := tx.Bucket(bParams).Bucket(device)
	if pb == nil {
		return nil
	}
	again := make(map[string]bool, len(pw.kv))
	for _, kv := range pw.kv {
		if kv.stamped {
			again[string(kv.name)] = true
		}
	}
	type fix struct{ k, v []byte }
	var fixes []fix
	c := pb.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if !paramStamped(v) || again[string(k)] {
			continue
		}
		var p store.Param
		if err := decodeParamAt(v, &p, prev.at()); err != nil {
			return fmt.Errorf("parameter %s: %w", k, err)
		}
		fixes = append(fixes, fix{bytes.Clone(k), appendParam(nil, &p)})
	}
	for _, f := range fixes {
		if err := pb.Put(f.k, f.v); err != nil {
			return fmt.Errorf("parameter %s: %w", f.k, err)
		}
	}
	return nil
}

// SaveParams merges parameters into the device's cache.
func (s *Store) SaveParams(ctx context.Context, device string, params []store.Param) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	pw, err := encodeParams(params, time.Now().UTC(), false)
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
		raw := tx.Bucket(bDevices).Get(key)
		if raw == nil {
			return fmt.Errorf("device %q: %w", device, store.ErrNotFound)
		}
		pb := tx.Bucket(bParams).Bucket(key)
		if pb == nil {
			return nil
		}
		st := lazyStamp{raw: raw}
		pfx := []byte(prefix)
		c := pb.Cursor()
		for k, v := c.Seek(pfx); k != nil && bytes.HasPrefix(k, pfx); k, v = c.Next() {
			p := store.Param{Name: string(k)}
			if err := decodeParamAt(v, &p, st.at(v)); err != nil {
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

// lazyStamp reads the report stamp from a device record the first time a
// stamped parameter needs it.
type lazyStamp struct {
	raw  []byte
	done bool
	t    time.Time
}

// at is the time a parameter encoded as v gets if it is stamped.
func (l *lazyStamp) at(v []byte) time.Time {
	if !paramStamped(v) {
		return time.Time{}
	}
	if !l.done {
		l.done = true
		var d store.Device
		if st, err := decodeDeviceStamp(l.raw, &d); err == nil {
			l.t = st.at()
		}
	}
	return l.t
}
