package connreq

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"gatewarden/acs/internal/store"
)

// DeviceSource looks devices up; store.Devices is one.
type DeviceSource interface {
	Device(ctx context.Context, id string) (store.Device, error)
}

// Options configure a Dispatcher. The zero value is usable.
type Options struct {
	// Rate is the fleet-wide average of wakes per second. Default 50.
	Rate float64
	// Burst is how many wakes may go at once after a quiet spell.
	// Default 100.
	Burst int
	// MaxConcurrent bounds wakes in progress at once (each holds a
	// connection for up to the channel's timeout). Default 64.
	MaxConcurrent int
	// Limiter replaces the token bucket built from Rate and Burst: a
	// store-backed limiter shared by every node, or a test's.
	Limiter Limiter
	// BusyRetry is the first pause before asking again a device that
	// answered busy (503: its rate limit, or a session in progress); it
	// doubles up to 8 s, jittered. Retries go on while the caller's
	// deadline allows (an API task's wait), or BusyRetries times without
	// a deadline. Default 1 s; negative: never retry.
	BusyRetry   time.Duration
	BusyRetries int // default 3
	// Observe, when set, sees every wake actually attempted (not the calls
	// that joined one): for metrics and logs. It must not block.
	Observe func(deviceID string, res Result, err error)
}

// Dispatcher wakes devices through its channels, paced fleet-wide. It is
// safe for concurrent use.
type Dispatcher struct {
	devices  DeviceSource
	channels []Channel
	limiter  Limiter
	slots    chan struct{}
	observe  func(string, Result, error)

	busyRetry   time.Duration
	busyRetries int

	mu       sync.Mutex
	inflight map[string]*wake
}

var _ Waker = (*Dispatcher)(nil)

// wake is one wake in progress, shared by every caller that asked for the
// device meanwhile.
type wake struct {
	done    chan struct{}
	cancel  context.CancelFunc
	waiters int // guarded by Dispatcher.mu
	res     Result
	err     error
}

// NewDispatcher returns a Dispatcher trying channels in order.
func NewDispatcher(devices DeviceSource, channels []Channel, opts Options) *Dispatcher {
	if opts.Rate == 0 {
		opts.Rate = 50
	}
	if opts.Burst <= 0 {
		opts.Burst = 100
	}
	if opts.MaxConcurrent <= 0 {
		opts.MaxConcurrent = 64
	}
	if opts.BusyRetry == 0 {
		opts.BusyRetry = time.Second
	}
	if opts.BusyRetries <= 0 {
		opts.BusyRetries = 3
	}
	lim := opts.Limiter
	if lim == nil {
		lim = NewTokenBucket(opts.Rate, opts.Burst, nil)
	}
	return &Dispatcher{
		devices:     devices,
		channels:    append([]Channel(nil), channels...),
		limiter:     lim,
		slots:       make(chan struct{}, opts.MaxConcurrent),
		observe:     opts.Observe,
		busyRetry:   opts.BusyRetry,
		busyRetries: opts.BusyRetries,
		inflight:    map[string]*wake{},
	}
}

// Wake asks the device to open a session now. A call for a device that is
// already being woken waits for that wake's result (Result.Joined). The
// wake itself goes on while any caller still waits: a caller whose context
// ends gets its context's error, and the wake is abandoned only when every
// caller has gone.
func (d *Dispatcher) Wake(ctx context.Context, deviceID string) (Result, error) {
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	d.mu.Lock()
	w, joined := d.inflight[deviceID]
	if !joined {
		// Values (trace IDs) carry over; cancellation is by waiter count.
		wctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		w = &wake{done: make(chan struct{}), cancel: cancel}
		d.inflight[deviceID] = w
		go d.run(wctx, deviceID, w)
	}
	w.waiters++
	d.mu.Unlock()

	select {
	case <-w.done:
		res := w.res
		res.Joined = joined
		return res, w.err
	case <-ctx.Done():
		d.mu.Lock()
		w.waiters--
		if w.waiters == 0 {
			w.cancel()
		}
		d.mu.Unlock()
		return Result{}, ctx.Err()
	}
}

func (d *Dispatcher) run(ctx context.Context, deviceID string, w *wake) {
	w.res, w.err = d.attempt(ctx, deviceID)
	// An abandoned wake's outcome is only its cancellation: not worth a
	// metric.
	if d.observe != nil && ctx.Err() == nil {
		d.observe(deviceID, w.res, w.err)
	}
	d.mu.Lock()
	delete(d.inflight, deviceID)
	d.mu.Unlock()
	w.cancel()
	close(w.done)
}

// attempt does one wake: look up, pace, take a slot, try the channels.
func (d *Dispatcher) attempt(ctx context.Context, deviceID string) (Result, error) {
	if len(d.channels) == 0 {
		return Result{}, ErrNoChannel
	}
	dev, err := d.devices.Device(ctx, deviceID)
	if err != nil {
		return Result{}, fmt.Errorf("wake %s: %w", deviceID, err)
	}
	backoff := d.busyRetry
	for retries := 0; ; retries++ {
		res, err := d.once(ctx, deviceID, dev)
		if err != nil || res.Outcome != Busy || !d.mayRetry(ctx, retries, backoff) {
			return res, err
		}
		// The device is rate-limiting or in a session (503): it will take
		// a request shortly, and the caller is still waiting for one.
		if err := sleepCtx(ctx, jitter(backoff)); err != nil {
			return res, nil
		}
		backoff = min(2*backoff, maxBusyBackoff)
	}
}

// once paces, takes a slot and tries the channels in order.
func (d *Dispatcher) once(ctx context.Context, deviceID string, dev store.Device) (Result, error) {
	if err := d.limiter.Wait(ctx); err != nil {
		return Result{}, fmt.Errorf("wake %s: %w", deviceID, err)
	}
	select {
	case d.slots <- struct{}{}:
		defer func() { <-d.slots }()
	case <-ctx.Done():
		return Result{}, fmt.Errorf("wake %s: %w", deviceID, ctx.Err())
	}
	var (
		offline Result
		reached bool
		lastErr error
	)
	for _, ch := range d.channels {
		res, err := ch.Wake(ctx, dev)
		switch {
		case errors.Is(err, ErrUnavailable):
			lastErr = err
			continue
		case err != nil:
			return Result{}, fmt.Errorf("wake %s: %w", deviceID, err)
		case res.Outcome == Offline:
			// Another channel may still reach it.
			offline, reached = res, true
			continue
		}
		return res, nil
	}
	if reached {
		return offline, nil
	}
	return Result{}, fmt.Errorf("wake %s: %w", deviceID, lastErr)
}

// mayRetry: another try after a busy answer fits before the caller's
// deadline (with a deadline, as many as fit; without, BusyRetries).
func (d *Dispatcher) mayRetry(ctx context.Context, retries int, backoff time.Duration) bool {
	if d.busyRetry < 0 {
		return false
	}
	if deadline, ok := ctx.Deadline(); ok {
		return time.Until(deadline) > backoff+backoff/4
	}
	return retries < d.busyRetries
}
