package bbolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"gatewarden/acs/internal/store"
)

var _ store.Telemetry = (*Store)(nil)

// bTelemetry: device ID -> nested bucket {timeKey -> values JSON}. The
// nested bucket's sequence is its sample count, so trimming to the bound
// needs no count walk. Created by the first write.
var bTelemetry = []byte("telemetry")

func sampleKey(t time.Time) []byte {
	return binary.BigEndian.AppendUint64(nil, timeKey(t))
}

func (s *Store) AppendTelemetry(ctx context.Context, samples []store.TelemetrySample, keep int) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if keep <= 0 {
		return fmt.Errorf("append telemetry: keep %d: %w", keep, store.ErrInvalid)
	}
	type enc struct {
		dev  []byte
		key  []byte
		vals []byte
	}
	encs := make([]enc, 0, len(samples))
	for _, sm := range samples {
		if err := checkID("device ID", sm.Device); err != nil {
			return err
		}
		v, err := json.Marshal(sm.Values)
		if err != nil {
			return fmt.Errorf("encode telemetry: %w", err)
		}
		encs = append(encs, enc{[]byte(sm.Device), sampleKey(sm.Time), v})
	}
	if len(encs) == 0 {
		return nil
	}
	err := s.w.do(func(tx *bolt.Tx) error {
		root, err := tx.CreateBucketIfNotExists(bTelemetry)
		if err != nil {
			return err
		}
		for _, e := range encs {
			b, err := root.CreateBucketIfNotExists(e.dev)
			if err != nil {
				return err
			}
			n := b.Sequence()
			if b.Get(e.key) == nil {
				n++
			}
			if err := b.Put(e.key, e.vals); err != nil {
				return err
			}
			c := b.Cursor()
			for k, _ := c.First(); k != nil && n > uint64(keep); k, _ = c.First() {
				if err := c.Delete(); err != nil {
					return err
				}
				n--
			}
			if err := b.SetSequence(n); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("append telemetry: %w", err)
	}
	return nil
}

func (s *Store) TelemetrySince(ctx context.Context, device string, since time.Time, limit int) ([]store.TelemetrySample, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = store.DefaultLimit
	}
	var out []store.TelemetrySample
	err := s.db.View(func(tx *bolt.Tx) error {
		root := tx.Bucket(bTelemetry)
		if root == nil {
			return nil
		}
		b := root.Bucket([]byte(device))
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, v := c.Seek(sampleKey(since)); k != nil && len(out) < limit; k, v = c.Next() {
			sm := store.TelemetrySample{Device: device, Time: timeFromKey(binary.BigEndian.Uint64(k))}
			if err := json.Unmarshal(v, &sm.Values); err != nil {
				return fmt.Errorf("telemetry of %s: %w", device, err)
			}
			out = append(out, sm)
		}
		return nil
	})
	return out, err
}

// pruneTelemetryDevices bounds how many device buckets one pruning
// transaction visits.
const pruneTelemetryDevices = 500

func (s *Store) PruneTelemetry(ctx context.Context, before time.Time) (int, error) {
	cut := sampleKey(before)
	total := 0
	var after []byte
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		n, done := 0, false
		var last []byte
		err := s.w.do(func(tx *bolt.Tx) error {
			n, done, last = 0, false, nil
			root := tx.Bucket(bTelemetry)
			if root == nil {
				done = true
				return reject(nil)
			}
			c := root.Cursor()
			k, _ := c.Seek(after)
			if after != nil && bytes.Equal(k, after) {
				k, _ = c.Next()
			}
			visited := 0
			for ; k != nil; k, _ = c.Next() {
				if visited == pruneTelemetryDevices {
					return nil
				}
				visited++
				last = append(last[:0], k...)
				b := root.Bucket(k)
				if b == nil {
					continue
				}
				bc := b.Cursor()
				m, deleted := b.Sequence(), false
				for sk, _ := bc.First(); sk != nil && bytes.Compare(sk, cut) < 0; sk, _ = bc.First() {
					if err := bc.Delete(); err != nil {
						return err
					}
					n++
					deleted = true
					if m > 0 {
						m--
					}
				}
				if deleted {
					if err := b.SetSequence(m); err != nil {
						return err
					}
				}
			}
			done = true
			if n == 0 {
				return reject(nil)
			}
			return nil
		})
		if err != nil {
			return total, fmt.Errorf("prune telemetry: %w", err)
		}
		total += n
		if done || last == nil {
			return total, nil
		}
		after = last
	}
}
