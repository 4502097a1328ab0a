package bbolt

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"gatewarden/acs/internal/store"
)

// bHealth: device -> LineHealth JSON; bTroubled: device -> nothing, for
// the devices whose line is degraded or failing, so listing them reads
// only them. Both are created on first write.
var (
	bHealth   = []byte("health")
	bTroubled = []byte("health-troubled")
)

var _ store.Health = (*Store)(nil)

func troubled(state string) bool { return state == "degraded" || state == "failing" }

// PutHealth replaces the device's record and its place in the index.
func (s *Store) PutHealth(ctx context.Context, h store.LineHealth) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkID("device", h.Device); err != nil {
		return err
	}
	enc, err := json.Marshal(&h)
	if err != nil {
		return fmt.Errorf("encode line health: %w", err)
	}
	err = s.w.do(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bHealth)
		if err != nil {
			return err
		}
		idx, err := tx.CreateBucketIfNotExists(bTroubled)
		if err != nil {
			return err
		}
		if err := b.Put([]byte(h.Device), enc); err != nil {
			return err
		}
		if troubled(h.State) {
			return idx.Put([]byte(h.Device), nil)
		}
		return idx.Delete([]byte(h.Device))
	})
	if err != nil {
		return fmt.Errorf("put line health of %s: %w", h.Device, err)
	}
	return nil
}

// LineHealth returns the device's record.
func (s *Store) LineHealth(ctx context.Context, device string) (store.LineHealth, error) {
	return getRecord[store.LineHealth](ctx, s, bHealth, device, "line health of %s")
}

// TroubledLines pages through degraded and failing lines by device ID.
func (s *Store) TroubledLines(ctx context.Context, after string, limit int) ([]store.LineHealth, string, error) {
	if err := ctx.Err(); err != nil {
		return nil, "", err
	}
	if limit <= 0 {
		limit = store.DefaultLimit
	}
	var out []store.LineHealth
	next := ""
	err := s.db.View(func(tx *bolt.Tx) error {
		idx, b := tx.Bucket(bTroubled), tx.Bucket(bHealth)
		if idx == nil || b == nil {
			return nil
		}
		c := idx.Cursor()
		k, _ := c.Seek([]byte(after))
		if k != nil && after != "" && bytes.Equal(k, []byte(after)) {
			k, _ = c.Next()
		}
		for ; k != nil; k, _ = c.Next() {
			if len(out) == limit {
				next = out[len(out)-1].Device
				return nil
			}
			var h store.LineHealth
			if err := json.Unmarshal(b.Get(k), &h); err != nil {
				return fmt.Errorf("line health of %s: %w", k, err)
			}
			out = append(out, h)
		}
		return nil
	})
	return out, next, err
}
