package model

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"gatewarden/cpe-agent/internal/clock"
	"gatewarden/cpe-agent/internal/store"
)

// DefaultPollInterval is how often Run compares the notified parameters
// with their last reported values when Options.PollInterval is zero.
const DefaultPollInterval = 30 * time.Second

// Options configure a Tree.
type Options struct {
	// Store persists values, instances, attributes and pending changes.
	// Required.
	Store *store.Store
	// Clock drives the value-change poll; nil means the system clock.
	Clock clock.Clock
	// OnValueChange is called, outside the tree's lock, when a parameter
	// with notification (passive or active, or forced active) changed by
	// something other than the ACS; active reports whether any of the new
	// changes asks for an immediate session.
	OnValueChange func(active bool)
	// PollInterval is Run's polling period; 0 means DefaultPollInterval.
	PollInterval time.Duration
	// Logger receives rollback failures and poll errors; nil discards.
	Logger *slog.Logger
}

// Tree is the live Device.* tree. Its methods are safe for concurrent use;
// each RPC runs atomically with respect to the others.
type Tree struct {
	reg  *Registry
	root *tnode
	st   *store.Store
	clk  clock.Clock
	log  *slog.Logger
	opts Options

	// mu serialises every operation: RPCs, local changes, polls. Provider
	// callbacks run with it held. Short methods unlock it explicitly
	// rather than by defer: each deferred Unlock costs a wrapper function
	// and exit code in the router build, and nothing recovers a provider
	// panic, so defer would not keep the lock usable anyway.
	mu        sync.Mutex
	values    map[string]string   // persisted stored values by path
	attrs     map[string]attr     // non-default attributes by path
	inst      map[string]*instSet // instances by concrete table path
	pending   map[string]struct{} // changed, not yet delivered
	baseline  map[string]string   // watched path -> value the ACS knows
	reported  map[string]string   // pending paths the last Inform carried
	watchers  map[string][]func(string)
	forcedInf []*tnode // forcedInform parameters, schema order
	forcedAct []*tnode // parameters whose active notification is on by default
	gpvHint   int      // size of the largest GetParameterValues answer so far
	closed    bool
}

// New builds the tree from a registry (which it consumes), loads the
// persisted state, creates the factory instances a fresh store lacks and
// takes the current values of notified parameters as the baseline for
// change detection.
func New(ctx context.Context, r *Registry, opts Options) (*Tree, error) {
	if opts.Store == nil {
		return nil, errors.New("model: Options.Store is required")
	}
	if r.built {
		return nil, errors.New("model: registry already built into a tree")
	}
	if err := r.finish(); err != nil {
		return nil, err
	}
	t := &Tree{
		reg:      r,
		root:     r.root,
		st:       opts.Store,
		clk:      opts.Clock,
		log:      opts.Logger,
		opts:     opts,
		inst:     map[string]*instSet{},
		pending:  map[string]struct{}{},
		baseline: map[string]string{},
		watchers: map[string][]func(string){},
	}
	if t.clk == nil {
		t.clk = clock.Real()
	}
	if t.log == nil {
		t.log = slog.New(slog.DiscardHandler)
	}
	if t.opts.PollInterval <= 0 {
		t.opts.PollInterval = DefaultPollInterval
	}
	t.forcedInf, t.forcedAct = r.forced()
	snap, err := load(t.st)
	if err != nil {
		return nil, err
	}
	t.values = snap.values
	t.attrs = snap.attrs
	for table, nums := range snap.instances {
		s := &instSet{nums: nums}
		for i, n := range nums {
			if k, ok := snap.keys[instancePath(table, n)]; ok {
				if s.keys == nil {
					s.keys = make([]string, len(nums))
				}
				s.keys[i] = k
			}
		}
		t.inst[table] = s
	}
	for _, p := range snap.pending {
		t.pending[p] = struct{}{}
	}
	t.mu.Lock()
	var fire []fired
	err = t.start(ctx, snap.seeded, &fire)
	t.mu.Unlock()
	if err != nil {
		return nil, err
	}
	r.handle.t.Store(t)
	t.notifyChanged(fire)
	return t, nil
}

// start seeds factory instances, records pinned values and takes the
// baseline. Called with t.mu held.
func (t *Tree) start(ctx context.Context, seeded map[string]bool, fire *[]fired) error {
	if err := t.seedFactory(ctx, seeded); err != nil {
		return err
	}
	if err := t.checkPinned(ctx, fire); err != nil {
		return err
	}
	ws := t.watchedTargets(ctx)
	for i := range ws {
		w := &ws[i]
		v, err := t.rawValue(ctx, w.n, &w.ix, w.path)
		if err != nil {
			return fmt.Errorf("model: reading %s: %w", w.path, err)
		}
		if _, ok := t.baseline[w.path]; !ok {
			t.baseline[w.path] = v
		}
	}
	return nil
}

// Close detaches the tree from its registry's Handle; the store stays
// open (it belongs to the caller).
func (t *Tree) Close() error {
	t.mu.Lock()
	t.closed = true
	t.mu.Unlock()
	t.reg.handle.t.CompareAndSwap(t, nil)
	return nil
}
