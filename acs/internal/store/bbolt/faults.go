package bbolt

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"gatewarden/acs/internal/store"
)

// AddFault records a fault; the device need not be in the inventory.
func (s *Store) AddFault(ctx context.Context, f *store.Fault) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	nf := *f
	if nf.Time.IsZero() {
		nf.Time = time.Now().UTC()
	}
	if nf.ID == "" {
		nf.ID = newID(nf.Time)
	}
	if err := checkID("fault id", nf.ID); err != nil {
		return err
	}
	if err := checkID("device id", nf.Device); err != nil {
		return err
	}
	enc, err := json.Marshal(&nf)
	if err != nil {
		return fmt.Errorf("encode fault: %w", err)
	}
	fk := faultKey(&nf)
	dk := append(devicePrefix(nf.Device), fk...)
	err = s.w.do(func(tx *bolt.Tx) error {
		faults := tx.Bucket(bFaults)
		if faults.Get(fk) != nil {
			return reject(fmt.Errorf("fault %s: %w", nf.ID, store.ErrConflict))
		}
		if err := faults.Put(fk, enc); err != nil {
			return err
		}
		return tx.Bucket(bDevFaults).Put(dk, one)
	})
	if err != nil {
		return fmt.Errorf("add fault: %w", err)
	}
	*f = nf
	return nil
}

// Faults walks backwards from the newest: the global bucket for every
// device, the device's index otherwise.
func (s *Store) Faults(ctx context.Context, device string, limit int) ([]store.Fault, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = store.DefaultLimit
	}
	var out []store.Fault
	err := s.db.View(func(tx *bolt.Tx) error {
		faults := tx.Bucket(bFaults)
		add := func(raw []byte) error {
			var f store.Fault
			if err := json.Unmarshal(raw, &f); err != nil {
				return fmt.Errorf("fault: %w", err)
			}
			out = append(out, f)
			return nil
		}
		if device == "" {
			c := faults.Cursor()
			for k, v := c.Last(); k != nil && len(out) < limit; k, v = c.Prev() {
				if err := add(v); err != nil {
					return err
				}
			}
			return nil
		}
		pfx := devicePrefix(device)
		c := tx.Bucket(bDevFaults).Cursor()
		// Start just past the device's last entry and walk back.
		k, _ := c.Seek(append(devicePrefix(device)[:len(pfx)-1], 1))
		if k == nil {
			k, _ = c.Last()
		} else {
			k, _ = c.Prev()
		}
		for ; k != nil && bytes.HasPrefix(k, pfx) && len(out) < limit; k, _ = c.Prev() {
			raw := faults.Get(k[len(pfx):])
			if raw == nil {
				continue // index ahead of a pruned fault: harmless
			}
			if err := add(raw); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// deleteDeviceFaults removes a device's faults from both buckets.
func deleteDeviceFaults(tx *bolt.Tx, device string) error {
	pfx := devicePrefix(device)
	df, faults := tx.Bucket(bDevFaults), tx.Bucket(bFaults)
	for _, k := range prefixKeys(df, pfx, 0) {
		if err := faults.Delete(k[len(pfx):]); err != nil {
			return err
		}
		if err := df.Delete(k); err != nil {
			return err
		}
	}
	return nil
}
