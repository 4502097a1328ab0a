package bbolt

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"gatewarden/acs/internal/store"
)

// RecordInform stores what one Inform says in one durable step. The
// parameters and events are encoded before the op is queued, in the
// caller's goroutine; the shared writer merges the device record (a
// binary record: a few microseconds) and copies bytes. Merging there
// spares every Inform a read transaction of its own.
func (s *Store) RecordInform(ctx context.Context, in store.Inform) (store.Device, error) {
	if err := ctx.Err(); err != nil {
		return store.Device{}, err
	}
	id := in.Device.ID
	if err := checkID("device id", id); err != nil {
		return store.Device{}, err
	}
	now := in.Time
	if now.IsZero() {
		now = time.Now()
	}
	now = now.UTC()
	pw, err := encodeParams(in.Params, now, true)
	if err != nil {
		return store.Device{}, err
	}
	events := encodeEvents(in.Events, now)
	key := []byte(id)
	stamp := reportStamp{ok: true, time: now.UnixNano(), set: pw.set}
	var result store.Device
	err = s.w.do(func(tx *bolt.Tx) error {
		devs := tx.Bucket(bDevices)
		d, val, was, err := mergeInform(devs.Get(key), &in, now, stamp)
		if err != nil {
			return reject(err)
		}
		if err := devs.Put(key, val); err != nil {
			return err
		}
		if _, err := pw.report(tx, key, was); err != nil {
			return err
		}
		if err := s.appendEvents(tx, key, events); err != nil {
			return err
		}
		result = d
		return nil
	})
	if err != nil {
		return store.Device{}, fmt.Errorf("record inform of %s: %w", id, err)
	}
	return result, nil
}

// encodeEvents encodes an Inform's events into one buffer; events
// without a time get now.
func encodeEvents(in []store.Event, now time.Time) [][]byte {
	if len(in) == 0 {
		return nil
	}
	size := 0
	for i := range in {
		size += 24 + len(in[i].Code) + len(in[i].CommandKey)
	}
	buf := make([]byte, 0, size)
	out := make([][]byte, len(in))
	for i, e := range in {
		if e.Time.IsZero() {
			e.Time = now
		}
		start := len(buf)
		buf = appendEvent(buf, &e)
		out[i] = buf[start:len(buf):len(buf)]
	}
	return out
}

// mergeInform applies an Inform to the stored record raw (nil: a new
// device) and returns the device, its encoding with report stamp st, and
// the stamp the record had.
func mergeInform(raw []byte, in *store.Inform, now time.Time, st reportStamp) (store.Device, []byte, reportStamp, error) {
	var d store.Device
	var was reportStamp
	if raw != nil {
		var err error
		if was, err = decodeDeviceStamp(raw, &d); err != nil {
			return d, nil, was, fmt.Errorf("device %q: %w", in.Device.ID, err)
		}
	} else {
		d = store.Device{ID: in.Device.ID, FirstSeen: now}
	}
	applyInform(&d, &in.Device, now, in.Boot)
	return d, encodeDevice(&d, st), was, nil
}

// applyInform copies the fields an Inform owns (see store.Inform).
func applyInform(d, in *store.Device, now time.Time, boot bool) {
	d.OUI = in.OUI
	d.ProductClass = in.ProductClass
	d.SerialNumber = in.SerialNumber
	d.Manufacturer = in.Manufacturer
	d.ParameterKey = in.ParameterKey
	keep := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	keep(&d.SoftwareVersion, in.SoftwareVersion)
	keep(&d.HardwareVersion, in.HardwareVersion)
	keep(&d.ConnectionRequestURL, in.ConnectionRequestURL)
	keep(&d.IP, in.IP)
	keep(&d.Root, in.Root)
	keep(&d.CWMPVersion, in.CWMPVersion)
	d.LastInform = now
	if boot {
		d.LastBoot = now
	}
}

// appendEvents adds to the device's event ring and drops what falls off.
func (s *Store) appendEvents(tx *bolt.Tx, key []byte, events [][]byte) error {
	if len(events) == 0 {
		return nil
	}
	eb, err := tx.Bucket(bEvents).CreateBucketIfNotExists(key)
	if err != nil {
		return err
	}
	var seq uint64
	for _, e := range events {
		if seq, err = eb.NextSequence(); err != nil {
			return err
		}
		if err := eb.Put(seqKey(seq), e); err != nil {
			return err
		}
	}
	keep := uint64(s.opts.EventsPerDevice)
	if seq <= keep {
		return nil
	}
	// Usually exactly one entry falls off; a smaller limit than before
	// trims the backlog here too.
	cut := seqKey(seq - keep + 1)
	var old [][]byte
	c := eb.Cursor()
	for k, _ := c.First(); k != nil && bytes.Compare(k, cut) < 0; k, _ = c.Next() {
		old = append(old, bytes.Clone(k))
	}
	for _, k := range old {
		if err := eb.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// Device returns one device.
func (s *Store) Device(ctx context.Context, id string) (store.Device, error) {
	if err := ctx.Err(); err != nil {
		return store.Device{}, err
	}
	var d store.Device
	err := s.db.View(func(tx *bolt.Tx) error {
		raw := tx.Bucket(bDevices).Get([]byte(id))
		if raw == nil {
			return fmt.Errorf("device %q: %w", id, store.ErrNotFound)
		}
		return decodeDevice(raw, &d)
	})
	return d, err
}

// errStale: the device changed between read and write; UpdateDevice
// retries.
var errStale = errors.New("device changed")

// updateRetries bounds optimistic retries; contention on one device is
// rare because one session at a time holds it.
const updateRetries = 32

// UpdateDevice runs fn outside the writer (fn may be slow or even read the
// store) and writes its result only if the device is unchanged since it
// was read, else it tries again.
func (s *Store) UpdateDevice(ctx context.Context, id string, fn func(d *store.Device) error) (store.Device, error) {
	key := []byte(id)
	for range updateRetries {
		if err := ctx.Err(); err != nil {
			return store.Device{}, err
		}
		var raw []byte
		err := s.db.View(func(tx *bolt.Tx) error {
			raw = bytes.Clone(tx.Bucket(bDevices).Get(key))
			return nil
		})
		if err != nil {
			return store.Device{}, err
		}
		if raw == nil {
			return store.Device{}, fmt.Errorf("device %q: %w", id, store.ErrNotFound)
		}
		var d store.Device
		st, err := decodeDeviceStamp(raw, &d)
		if err != nil {
			return store.Device{}, fmt.Errorf("device %q: %w", id, err)
		}
		if err := fn(&d); err != nil {
			return store.Device{}, err
		}
		if d.ID != id {
			return store.Device{}, fmt.Errorf("update device %q: the id cannot change: %w", id, store.ErrInvalid)
		}
		// The report stamp is the store's own: fn never sees it.
		enc := encodeDevice(&d, st)
		err = s.w.do(func(tx *bolt.Tx) error {
			devs := tx.Bucket(bDevices)
			cur := devs.Get(key)
			switch {
			case cur == nil:
				return reject(fmt.Errorf("device %q: %w", id, store.ErrNotFound))
			case !bytes.Equal(cur, raw):
				return reject(errStale)
			}
			return devs.Put(key, enc)
		})
		if errors.Is(err, errStale) {
			continue
		}
		if err != nil {
			return store.Device{}, err
		}
		return d, nil
	}
	return store.Device{}, fmt.Errorf("update device %q: too many concurrent changes: %w", id, store.ErrConflict)
}

// DeleteDevice removes the device and everything kept about it.
func (s *Store) DeleteDevice(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	key := []byte(id)
	err := s.w.do(func(tx *bolt.Tx) error {
		devs := tx.Bucket(bDevices)
		if devs.Get(key) == nil {
			return reject(fmt.Errorf("device %q: %w", id, store.ErrNotFound))
		}
		if err := devs.Delete(key); err != nil {
			return err
		}
		for _, name := range [][]byte{bParams, bEvents} {
			err := tx.Bucket(name).DeleteBucket(key)
			if err != nil && !errors.Is(err, berrors.ErrBucketNotFound) {
				return err
			}
		}
		if err := deleteDeviceTasks(tx, id); err != nil {
			return err
		}
		return deleteDeviceFaults(tx, id)
	})
	if err != nil {
		return fmt.Errorf("delete device: %w", err)
	}
	s.leases.drop(id)
	return nil
}

// ListDevices walks devices in ID order from q.After, decoding one at a
// time; only the page is kept.
func (s *Store) ListDevices(ctx context.Context, q store.DeviceQuery) ([]store.Device, string, error) {
	if err := ctx.Err(); err != nil {
		return nil, "", err
	}
	limit := q.Limit
	if limit <= 0 {
		limit = store.DefaultLimit
	}
	var (
		devs []store.Device
		next string
	)
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bDevices).Cursor()
		var k, v []byte
		if q.After == "" {
			k, v = c.First()
		} else {
			after := []byte(q.After)
			k, v = c.Seek(after)
			if bytes.Equal(k, after) {
				k, v = c.Next()
			}
		}
		pr := paramReader{root: tx.Bucket(bParams)}
		for n := 0; k != nil; k, v = c.Next() {
			if n++; n%1024 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			var d store.Device
			if err := decodeDevice(v, &d); err != nil {
				return fmt.Errorf("device %q: %w", k, err)
			}
			if q.Match != nil {
				pr.reset(k, v)
				if !q.Match(&d, pr.get) {
					continue
				}
			}
			devs = append(devs, d)
			if len(devs) == limit {
				if k, _ := c.Next(); k != nil {
					next = d.ID
				}
				return nil
			}
		}
		return nil
	})
	if err != nil {
		return nil, "", fmt.Errorf("list devices: %w", err)
	}
	return devs, next, nil
}

// paramReader serves Match's lookups from the listing's read transaction,
// opening a device's parameter bucket only if Match asks.
type paramReader struct {
	root   *bolt.Bucket
	device []byte
	b      *bolt.Bucket
	opened bool
	stamp  lazyStamp
	get    func(name string) (store.Param, bool)
}

func (r *paramReader) reset(device, record []byte) {
	r.device, r.b, r.opened = device, nil, false
	r.stamp = lazyStamp{raw: record}
	if r.get == nil {
		r.get = r.lookup
	}
}

func (r *paramReader) lookup(name string) (store.Param, bool) {
	if !r.opened {
		r.b, r.opened = r.root.Bucket(r.device), true
	}
	if r.b == nil {
		return store.Param{}, false
	}
	raw := r.b.Get([]byte(name))
	if raw == nil {
		return store.Param{}, false
	}
	p := store.Param{Name: name}
	if decodeParamAt(raw, &p, r.stamp.at(raw)) != nil {
		return store.Param{}, false
	}
	return p, true
}

// RecentEvents returns the device's kept events, newest first.
func (s *Store) RecentEvents(ctx context.Context, device string, limit int) ([]store.Event, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []store.Event
	err := s.db.View(func(tx *bolt.Tx) error {
		key := []byte(device)
		if tx.Bucket(bDevices).Get(key) == nil {
			return fmt.Errorf("device %q: %w", device, store.ErrNotFound)
		}
		eb := tx.Bucket(bEvents).Bucket(key)
		if eb == nil {
			return nil
		}
		c := eb.Cursor()
		for k, v := c.Last(); k != nil && (limit <= 0 || len(out) < limit); k, v = c.Prev() {
			var e store.Event
			if err := decodeEvent(v, &e); err != nil {
				return fmt.Errorf("device %q: %w", device, err)
			}
			out = append(out, e)
		}
		return nil
	})
	return out, err
}
