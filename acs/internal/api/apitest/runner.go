package apitest

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"gatewarden/acs/internal/store"
)

// Outcome is how a fake task ends.
type Outcome struct {
	Result json.RawMessage
	Fault  *store.TaskFault
}

// Runner is a task runner that finishes each task after Delay with what
// Finish returns (done with no result when Finish is nil). A negative
// Delay leaves tasks queued forever.
type Runner struct {
	Store  *MemStore
	Delay  time.Duration
	Finish func(t store.Task) Outcome

	mu      sync.Mutex
	changed chan struct{} // closed and replaced when a task finishes
	timers  []*time.Timer
}

// NewRunner returns a runner that finishes tasks after delay.
func NewRunner(m *MemStore, delay time.Duration) *Runner {
	return &Runner{Store: m, Delay: delay, changed: make(chan struct{})}
}

// Submit stores the task and schedules its end.
func (r *Runner) Submit(ctx context.Context, t *store.Task) error {
	if err := r.Store.AddTask(ctx, t); err != nil {
		return err
	}
	t.Key = "key-" + t.ID
	if err := r.Store.UpdateTask(ctx, *t); err != nil {
		return err
	}
	if r.Delay < 0 {
		return nil
	}
	id := t.ID
	r.mu.Lock()
	r.timers = append(r.timers, time.AfterFunc(r.Delay, func() { r.complete(id) }))
	r.mu.Unlock()
	return nil
}

func (r *Runner) complete(id string) {
	ctx := context.Background()
	t, err := r.Store.Task(ctx, id)
	if err != nil {
		return
	}
	var out Outcome
	if r.Finish != nil {
		out = r.Finish(t)
	}
	t.Completed = time.Now().UTC()
	t.Result = out.Result
	t.Fault = out.Fault
	t.Status = store.StatusDone
	if out.Fault != nil {
		t.Status = store.StatusFault
	}
	_ = r.Store.UpdateTask(ctx, t)
	r.mu.Lock()
	close(r.changed)
	r.changed = make(chan struct{})
	r.mu.Unlock()
}

// Wait returns the task once it finished, or ctx's error.
func (r *Runner) Wait(ctx context.Context, id string) (store.Task, error) {
	for {
		r.mu.Lock()
		ch := r.changed
		r.mu.Unlock()
		t, err := r.Store.Task(ctx, id)
		if err != nil {
			return store.Task{}, err
		}
		if t.Status == store.StatusDone || t.Status == store.StatusFault {
			return t, nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return store.Task{}, ctx.Err()
		}
	}
}

// Stop cancels tasks not finished yet.
func (r *Runner) Stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, t := range r.timers {
		t.Stop()
	}
}

// Waker records the devices it was asked to wake.
type Waker struct {
	mu    sync.Mutex
	woken []string
	Err   error
}

func (w *Waker) Wake(_ context.Context, id string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.woken = append(w.woken, id)
	return w.Err
}

// Woken returns the device IDs woken so far.
func (w *Waker) Woken() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.woken...)
}
