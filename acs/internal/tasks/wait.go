package tasks

import (
	"context"
	"fmt"
	"sync"
	"time"

	"gatewarden/acs/internal/store"
)

// Wait returns the task once it is done or faulted, or the latest state of
// it with ctx's error when ctx ends first. Completions on this node wake it
// at once; a task another node completes is seen by reading the store every
// PollInterval.
func (r *Runner) Wait(ctx context.Context, id string) (store.Task, error) {
	var tick *time.Ticker
	for {
		wake, cancel := r.waiters.subscribe(id)
		t, err := r.cfg.Store.Task(ctx, id)
		if err != nil {
			cancel()
			return t, fmt.Errorf("reading task %s: %w", id, err)
		}
		if t.Status == store.StatusDone || t.Status == store.StatusFault {
			cancel()
			return t, nil
		}
		if tick == nil {
			tick = time.NewTicker(r.cfg.PollInterval)
			defer tick.Stop()
		}
		select {
		case <-wake:
		case <-tick.C:
		case <-ctx.Done():
			cancel()
			return t, ctx.Err()
		}
		cancel()
	}
}

// notifier wakes the waiters of a task. A waiter subscribes before it
// reads the store, so a completion between the read and the wait is not
// missed.
type notifier struct {
	mu      sync.Mutex
	waiters map[string]map[chan struct{}]struct{}
}

func (n *notifier) subscribe(id string) (<-chan struct{}, func()) {
	ch := make(chan struct{})
	n.mu.Lock()
	if n.waiters == nil {
		n.waiters = map[string]map[chan struct{}]struct{}{}
	}
	set := n.waiters[id]
	if set == nil {
		set = map[chan struct{}]struct{}{}
		n.waiters[id] = set
	}
	set[ch] = struct{}{}
	n.mu.Unlock()
	return ch, func() {
		n.mu.Lock()
		if set, ok := n.waiters[id]; ok {
			delete(set, ch)
			if len(set) == 0 {
				delete(n.waiters, id)
			}
		}
		n.mu.Unlock()
	}
}

func (n *notifier) notify(id string) {
	n.mu.Lock()
	set := n.waiters[id]
	delete(n.waiters, id)
	n.mu.Unlock()
	for ch := range set {
		close(ch)
	}
}
