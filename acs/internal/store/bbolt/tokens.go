package bbolt

import (
	"context"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"gatewarden/acs/internal/store"
)

// PutToken creates or replaces a token by its hash.
func (s *Store) PutToken(ctx context.Context, t store.Token) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(t.Hash) == 0 || len(t.Hash) > maxIDLen {
		return fmt.Errorf("token hash: %w", store.ErrInvalid)
	}
	enc, err := json.Marshal(&t)
	if err != nil {
		return fmt.Errorf("encode token: %w", err)
	}
	key := append([]byte(nil), t.Hash...)
	err = s.w.do(func(tx *bolt.Tx) error { return tx.Bucket(bTokens).Put(key, enc) })
	if err != nil {
		return fmt.Errorf("put token: %w", err)
	}
	return nil
}

// TokenByHash finds a token; every API request asks, so it is one Get.
func (s *Store) TokenByHash(ctx context.Context, hash []byte) (store.Token, error) {
	if err := ctx.Err(); err != nil {
		return store.Token{}, err
	}
	var t store.Token
	err := s.db.View(func(tx *bolt.Tx) error {
		if len(hash) == 0 {
			return fmt.Errorf("token: %w", store.ErrNotFound)
		}
		raw := tx.Bucket(bTokens).Get(hash)
		if raw == nil {
			return fmt.Errorf("token: %w", store.ErrNotFound)
		}
		return json.Unmarshal(raw, &t)
	})
	return t, err
}

// ListTokens lists every token (hashes only, never secrets); tokens are
// few.
func (s *Store) ListTokens(ctx context.Context) ([]store.Token, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []store.Token
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bTokens).ForEach(func(_, v []byte) error {
			var t store.Token
			if err := json.Unmarshal(v, &t); err != nil {
				return fmt.Errorf("token: %w", err)
			}
			out = append(out, t)
			return nil
		})
	})
	return out, err
}
