package bbolt

import (
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
	return getRecord[store.File](ctx, s, bFiles, name, "file %q")
}

// ListFiles pages through files by name.
func (s *Store) ListFiles(ctx context.Context, after string, limit int) ([]store.File, string, error) {
	return pageRecords[store.File](ctx, s, bFiles, after, limit, "file %q")
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
