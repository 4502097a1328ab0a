package bbolt

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"gatewarden/acs/internal/store"
)

// PutPreset stores a preset with the next version.
func (s *Store) PutPreset(ctx context.Context, p *store.Preset) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkID("preset name", p.Name); err != nil {
		return err
	}
	np := *p
	if np.Updated.IsZero() {
		np.Updated = time.Now().UTC()
	}
	want := p.Version
	key := []byte(np.Name)
	err := s.w.do(func(tx *bolt.Tx) error {
		b := tx.Bucket(bPresets)
		if want != 0 {
			var cur store.Preset
			raw := b.Get(key)
			if raw != nil {
				if err := json.Unmarshal(raw, &cur); err != nil {
					return reject(fmt.Errorf("preset %q: %w", np.Name, err))
				}
			}
			if raw == nil || cur.Version != want {
				return reject(fmt.Errorf("preset %q is at version %d, not %d: %w", np.Name, cur.Version, want, store.ErrConflict))
			}
		}
		// One sequence for all presets: a version is never handed out
		// twice, so a preset deleted and re-created cannot be mistaken
		// for what devices acknowledged before.
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		np.Version = int64(seq)
		enc, err := json.Marshal(&np)
		if err != nil {
			return reject(fmt.Errorf("encode preset: %w", err))
		}
		return b.Put(key, enc)
	})
	if err != nil {
		return fmt.Errorf("put preset: %w", err)
	}
	*p = np
	return nil
}

// Preset returns one preset.
func (s *Store) Preset(ctx context.Context, name string) (store.Preset, error) {
	if err := ctx.Err(); err != nil {
		return store.Preset{}, err
	}
	var p store.Preset
	err := s.db.View(func(tx *bolt.Tx) error {
		raw := tx.Bucket(bPresets).Get([]byte(name))
		if raw == nil {
			return fmt.Errorf("preset %q: %w", name, store.ErrNotFound)
		}
		return json.Unmarshal(raw, &p)
	})
	return p, err
}

// Presets lists every preset by name; presets are few (tens), not
// fleet-sized.
func (s *Store) Presets(ctx context.Context) ([]store.Preset, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []store.Preset
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bPresets).ForEach(func(k, v []byte) error {
			var p store.Preset
			if err := json.Unmarshal(v, &p); err != nil {
				return fmt.Errorf("preset %q: %w", k, err)
			}
			out = append(out, p)
			return nil
		})
	})
	return out, err
}

// DeletePreset removes a preset.
func (s *Store) DeletePreset(ctx context.Context, name string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	key := []byte(name)
	err := s.w.do(func(tx *bolt.Tx) error {
		b := tx.Bucket(bPresets)
		if b.Get(key) == nil {
			return reject(fmt.Errorf("preset %q: %w", name, store.ErrNotFound))
		}
		return b.Delete(key)
	})
	if err != nil {
		return fmt.Errorf("delete preset: %w", err)
	}
	return nil
}
