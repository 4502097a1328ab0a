package store

import (
	"errors"
	"fmt"
	"runtime/debug"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Tx is one transaction. Its methods are valid only inside the function
// given to Update or View; write methods fail in a View.
type Tx struct {
	_    incomparable
	tx   *bolt.Tx
	path string
	// broken holds the error of a bbolt panic caught in a method; the
	// transaction is then rolled back whatever the caller returns.
	broken error
}

// Update runs fn in a read-write transaction and commits (with fsync) when
// fn returns nil; any error, or a panic, rolls everything back. Use it to
// make several changes atomic: a SetParameterValues persisting its values
// and the new ParameterKey, an AddObject persisting its instance and
// counter, a new boot replacing its events.
func (s *Store) Update(fn func(tx *Tx) error) error {
	return s.run(true, fn)
}

// View runs fn in a read-only transaction that sees one consistent
// snapshot.
func (s *Store) View(fn func(tx *Tx) error) error {
	return s.run(false, fn)
}

// run guards a transaction against bbolt's panics on damaged pages. A panic
// in fn's own code (outside Tx methods, which guard themselves) is not the
// store's business: it propagates unrecovered, with its stack, after bbolt
// has rolled the transaction back.
func (s *Store) run(writable bool, fn func(tx *Tx) error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	inFn := false
	defer func() {
		if inFn {
			return
		}
		if r := recover(); r != nil {
			err = corruptErr(s.path, r)
		}
	}()
	body := func(btx *bolt.Tx) error {
		tx := &Tx{tx: btx, path: s.path}
		inFn = true
		ferr := fn(tx)
		inFn = false
		if tx.broken != nil {
			return tx.broken
		}
		return ferr
	}
	if writable {
		err = s.db.Update(body)
	} else {
		err = s.db.View(body)
	}
	return s.explain(err)
}

// explain maps bbolt's errors onto the store's.
func (s *Store) explain(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, berrors.ErrMaxSizeReached):
		return fmt.Errorf("store: %s: %w (%v)", s.path, ErrFull, err)
	case errors.Is(err, berrors.ErrDatabaseNotOpen):
		return fmt.Errorf("store: %s: closed: %w", s.path, err)
	}
	return err
}

// catch is deferred by every Tx method: a panic inside bbolt (a corrupt
// page) becomes an error and poisons the transaction.
func (tx *Tx) catch(err *error) {
	if r := recover(); r != nil {
		tx.broken = corruptErr(tx.path, r)
		*err = tx.broken
	}
}

// bucket returns a top-level bucket, which Open guarantees exists.
func (tx *Tx) bucket(name []byte) (*bolt.Bucket, error) {
	b := tx.tx.Bucket(name)
	if b == nil {
		return nil, fmt.Errorf("store: %s: %w: bucket %q missing", tx.path, ErrCorrupt, name)
	}
	return b, nil
}

// viewValue and updateValue let the one-call Store methods reuse the Tx
// methods. Each result type is one more instance of them in the router
// build (some 350 bytes), so a method whose result type no other shares
// writes its View or Update call out instead.
func viewValue[T any](s *Store, f func(*Tx) (T, error)) (T, error) {
	var out T
	err := s.View(func(tx *Tx) error {
		v, err := f(tx)
		out = v
		return err
	})
	return out, err
}

func updateValue[T any](s *Store, f func(*Tx) (T, error)) (T, error) {
	var out T
	err := s.Update(func(tx *Tx) error {
		v, err := f(tx)
		out = v
		return err
	})
	return out, err
}
