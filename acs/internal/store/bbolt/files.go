package bbolt

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"gatewarden/acs/internal/store"
)

// bFiles: file name -> file JSON. Created on first write, so stores made
// before the file repository existed open unchanged.
var bFiles = []byte("files")

var _ store.Files = (*Store)(nil)

// PutFile records a file; the name must be new.
func (s *Store) PutFile(ctx context.Context, f store.File) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkID("file name", f.Name); err != nil {
		return err
	}
	enc, err := json.Marshal(&f)
	if err != nil {
		return fmt.Errorf("encode file: %w", err)
	}
	err = s.w.do(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bFiles)
		if err != nil {
			return err
		}
		if b.Get([]byte(f.Name)) != nil {
			return reject(fmt.Errorf("file %q: %w", f.Name, store.ErrConflict))
		}
		return b.Put([]byte(f.Name), enc)
	})
	if err != nil {
		return fmt.Errorf("put file: %w", err)
	}
	return nil
}

// File returns one file's record.
func (s *Store) File(ctx context.Context, name string) (store.File, error) {
	if err := ctx.Err(); err != nil {
		return store.File{}, err
	}
	var f store.File
	err := s.db.View(func(tx *bolt.Tx) error {
		var raw []byte
		if b := tx.Bucket(bFiles); b != nil {
			raw = b.Get([]byte(name))
		}
		if raw == nil {
			return fmt.Errorf("file %q: %w", name, store.ErrNotFound)
		}
		return json.Unmarshal(raw, &f)
	})
	return f, err
}

// ListFiles pages through files by name.
func (s *Store) ListFiles(ctx context.Context, after string, limit int) ([]store.File, string, error) {
	if err := ctx.Err(); err != nil {
		return nil, "", err
	}
	if limit <= 0 {
		limit = store.DefaultLimit
	}
	var out []store.File
	next := ""
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bFiles)
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
				next = out[len(out)-1].Name
				return nil
			}
			var f store.File
			if err := json.Unmarshal(v, &f); err != nil {
				return fmt.Errorf("file %q: %w", k, err)
			}
			out = append(out, f)
		}
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	return out, next, nil
}

// DeleteFile drops a file's record.
func (s *Store) DeleteFile(ctx context.Context, name string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := s.w.do(func(tx *bolt.Tx) error {
		b := tx.Bucket(bFiles)
		if b == nil || b.Get([]byte(name)) == nil {
			return reject(fmt.Errorf("file %q: %w", name, store.ErrNotFound))
		}
		return b.Delete([]byte(name))
	})
	if err != nil {
		return fmt.Errorf("delete file: %w", err)
	}
	return nil
}
