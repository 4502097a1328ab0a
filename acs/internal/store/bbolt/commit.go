package bbolt

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	bolt "go.etcd.io/bbolt"
)

// errClosed is returned by writes after Close.
var errClosed = errors.New("store is closed")

// errNothingWritten rolls back a transaction in which every op was
// rejected, saving the commit's fsyncs.
var errNothingWritten = errors.New("nothing written")

// A write op runs inside the shared transaction. It may run more than once
// (when another op of its batch fails dirty, the batch is rolled back and
// re-run), so it must derive everything from the transaction and its
// captured inputs, and set its outputs afresh on every run.
//
// An op that fails before writing anything returns its error wrapped by
// reject; the batch then goes on without a rollback. Any other error is
// treated as dirty: the batch is rolled back, re-run without the op, and
// the op re-runs alone afterwards, which keeps every op's effect exactly
// the one it would have had in serial order.
type op func(tx *bolt.Tx) error

type rejected struct{ err error }

func (r rejected) Error() string {
	if r.err == nil {
		return "nothing written"
	}
	return r.err.Error()
}

func (r rejected) Unwrap() error { return r.err }

// reject marks err as "nothing was written"; reject(nil) is a success that
// wrote nothing, which spares the commit when no other op wrote either.
func reject(err error) error { return rejected{err} }

type request struct {
	fn   op
	err  error
	done chan struct{}
}

var requestPool = sync.Pool{New: func() any { return &request{done: make(chan struct{}, 1)} }}

// committer is the single writer. Callers queue requests; the loop takes
// everything queued (up to max) into one transaction. While a commit is
// syncing, the next batch fills by itself: there is no timer, so a lone
// write waits for one fsync and a crowd shares them.
type committer struct {
	db      *bolt.DB
	max     int
	reqs    chan *request
	mu      sync.RWMutex // held shared by submitters, exclusively by close
	closed  bool
	done    chan struct{}
	commits atomic.Uint64
}

func newCommitter(db *bolt.DB, max int) *committer {
	c := &committer{db: db, max: max, reqs: make(chan *request, max), done: make(chan struct{})}
	go c.loop()
	return c
}

// do runs fn in a shared transaction and returns after the commit is
// durable. Once queued, the op completes even if the caller's context
// ends: abandoning it would leave the caller unsure whether it happened.
func (c *committer) do(fn op) error {
	r := requestPool.Get().(*request)
	r.fn, r.err = fn, nil
	c.mu.RLock()
	if c.closed {
		c.mu.RUnlock()
		requestPool.Put(r)
		return errClosed
	}
	c.reqs <- r
	c.mu.RUnlock()
	<-r.done
	err := r.err
	r.fn, r.err = nil, nil
	requestPool.Put(r)
	return err
}

func (c *committer) close() {
	c.mu.Lock()
	if !c.closed {
		c.closed = true
		close(c.reqs)
	}
	c.mu.Unlock()
	<-c.done
}

func (c *committer) loop() {
	defer close(c.done)
	batch := make([]*request, 0, c.max)
	for first := range c.reqs {
		batch = append(batch[:0], first)
	fill:
		for len(batch) < c.max {
			select {
			case r, ok := <-c.reqs:
				if !ok {
					break fill
				}
				batch = append(batch, r)
			default:
				break fill
			}
		}
		c.run(batch)
	}
}

// run commits batch, isolating ops that fail dirty.
func (c *committer) run(batch []*request) {
	var solo []*request
	for len(batch) > 0 {
		failed, wrote := -1, false
		err := c.db.Update(func(tx *bolt.Tx) error {
			for i, r := range batch {
				err := safeCall(r.fn, tx)
				var rj rejected
				switch {
				case err == nil:
					r.err, wrote = nil, true
				case errors.As(err, &rj):
					r.err = rj.err
				default:
					failed = i
					return err
				}
			}
			if !wrote {
				// Every op was rejected: nothing to sync.
				return errNothingWritten
			}
			return nil
		})
		if failed >= 0 {
			solo = append(solo, batch[failed])
			batch = append(batch[:failed], batch[failed+1:]...)
			continue
		}
		switch {
		case err == nil:
			c.commits.Add(1)
		case errors.Is(err, errNothingWritten):
			err = nil
		}
		for _, r := range batch {
			if err != nil {
				r.err = fmt.Errorf("commit: %w", err)
			}
			r.done <- struct{}{}
		}
		break
	}
	for _, r := range solo {
		r.err = c.db.Update(func(tx *bolt.Tx) error {
			err := safeCall(r.fn, tx)
			var rj rejected
			if errors.As(err, &rj) {
				return rj.err
			}
			return err
		})
		if r.err == nil {
			c.commits.Add(1)
		}
		r.done <- struct{}{}
	}
}

func safeCall(fn op, tx *bolt.Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("store write panicked: %v", p)
		}
	}()
	return fn(tx)
}
