package bbolt

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	bolt "go.etcd.io/bbolt"

	"gatewarden/acs/internal/store"
)

// A batch with a dirty failure (wrote, then failed) and a clean one
// (rejected before writing): the others commit, the dirty op's writes do
// not, and the clean one costs no rollback.
func TestCommitIsolatesFailures(t *testing.T) {
	s := openTemp(t).(*Store)
	defer s.Close()
	var runs [4]atomic.Int32
	dirty := errors.New("dirty")
	put := func(i int, key string, fail error) op {
		return func(tx *bolt.Tx) error {
			runs[i].Add(1)
			if fail != nil && errors.Is(fail, store.ErrConflict) {
				return reject(fail)
			}
			if err := tx.Bucket(bMeta).Put([]byte(key), []byte("v")); err != nil {
				return err
			}
			return fail
		}
	}
	reqs := []*request{
		{fn: put(0, "a", nil), done: make(chan struct{}, 1)},
		{fn: put(1, "b", dirty), done: make(chan struct{}, 1)},
		{fn: put(2, "c", store.ErrConflict), done: make(chan struct{}, 1)},
		{fn: put(3, "d", nil), done: make(chan struct{}, 1)},
	}
	before := s.Commits()
	s.w.run(slices.Clone(reqs)) // run reorders its slice
	for i, r := range reqs {
		select {
		case <-r.done:
		default:
			t.Fatalf("request %d not answered", i)
		}
	}
	if reqs[0].err != nil || reqs[3].err != nil {
		t.Fatalf("good ops failed: %v, %v", reqs[0].err, reqs[3].err)
	}
	if !errors.Is(reqs[1].err, dirty) || !errors.Is(reqs[2].err, store.ErrConflict) {
		t.Fatalf("failures: %v, %v", reqs[1].err, reqs[2].err)
	}
	// The first op ran again after the dirty one forced a rollback; the
	// dirty one ran once in the batch and once alone.
	if runs[0].Load() != 2 || runs[1].Load() != 2 {
		t.Fatalf("runs = %d %d %d %d", runs[0].Load(), runs[1].Load(), runs[2].Load(), runs[3].Load())
	}
	if got := s.Commits() - before; got != 1 {
		t.Fatalf("%d commits, want 1 (the failed solo run commits nothing)", got)
	}
	err := s.db.View(func(tx *bolt.Tx) error {
		m := tx.Bucket(bMeta)
		for k, want := range map[string]bool{"a": true, "b": false, "c": false, "d": true} {
			if got := m.Get([]byte(k)) != nil; got != want {
				return fmt.Errorf("key %s present=%v, want %v", k, got, want)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestCommitSurvivesPanic(t *testing.T) {
	s := openTemp(t).(*Store)
	defer s.Close()
	err := s.w.do(func(*bolt.Tx) error { panic("boom") })
	if err == nil {
		t.Fatal("panicking op reported success")
	}
	if err := s.w.do(func(tx *bolt.Tx) error { return tx.Bucket(bMeta).Put([]byte("k"), []byte("v")) }); err != nil {
		t.Fatalf("store unusable after a panic: %v", err)
	}
}

// A batch of rejections only needs no commit at all.
func TestRejectedOnlyCommitsNothing(t *testing.T) {
	s := openTemp(t).(*Store)
	defer s.Close()
	before := s.Commits()
	for range 5 {
		if _, err := s.Device(context.Background(), "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Fatal(err)
		}
		if err := s.DeleteDevice(context.Background(), "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Fatal(err)
		}
	}
	if got := s.Commits() - before; got != 0 {
		t.Fatalf("%d commits for rejected writes", got)
	}
}

// Concurrent writers share commits: the point of the committer.
func TestGroupCommitShares(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "acs.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	const writers, each = 64, 10
	before := s.Commits()
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				f := store.Fault{Device: fmt.Sprint("dev-", w), RPC: "Reboot", Code: 9000 + i}
				if err := s.AddFault(ctx, &f); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	commits := s.Commits() - before
	all, err := s.Faults(ctx, "", writers*each+1)
	if err != nil || len(all) != writers*each {
		t.Fatalf("%d faults stored (%v), want %d", len(all), err, writers*each)
	}
	t.Logf("%d writes in %d commits", writers*each, commits)
	if commits >= writers*each/2 {
		t.Fatalf("%d writes took %d commits: fsyncs are not shared", writers*each, commits)
	}
}
