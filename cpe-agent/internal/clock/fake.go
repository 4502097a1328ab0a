package clock

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Fake is a manually driven Clock for tests. Time stands still until
// Advance moves it; Advance fires every timer that falls due on the way, one
// at a time in due order (ties in arming order), with Now equal to each
// timer's due time while it fires. That makes a test's outcome independent of
// goroutine scheduling, except for what the code under test does after it
// receives from a timer channel: use BlockUntil to wait until it has armed
// its next timer before advancing again.
//
// AfterFunc callbacks run synchronously on the goroutine that called
// Advance, so a callback must not call Advance itself. A timer armed with
// d <= 0 fires at once, as with the time package: a channel timer delivers
// immediately, an AfterFunc callback starts on its own goroutine.
//
// All methods are safe for concurrent use.
type Fake struct {
	// advancing serialises Advance calls so that firing order stays total.
	advancing sync.Mutex

	mu      sync.Mutex
	now     time.Time
	seq     uint64
	armed   []*fakeTimer
	changed chan struct{} // closed and replaced whenever armed changes
}

// NewFake returns a Fake clock that reads start until advanced.
func NewFake(start time.Time) *Fake {
	return &Fake{now: start, changed: make(chan struct{})}
}

// Now returns the fake current time.
func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// NewTimer returns a channel timer due d after the fake current time.
func (f *Fake) NewTimer(d time.Duration) Timer {
	t := &fakeTimer{clock: f, c: make(chan time.Time, 1)}
	f.mu.Lock()
	f.armLocked(t, d)
	f.mu.Unlock()
	return t
}

// NewTimerAt returns a channel timer due at the instant at; one already
// past fires at once.
func (f *Fake) NewTimerAt(at time.Time) Timer {
	t := &fakeTimer{clock: f, c: make(chan time.Time, 1)}
	f.mu.Lock()
	f.armLocked(t, at.Sub(f.now))
	f.mu.Unlock()
	return t
}

// AfterFunc returns a timer that calls fn when due (see Fake for where fn
// runs).
func (f *Fake) AfterFunc(d time.Duration, fn func()) Timer {
	t := &fakeTimer{clock: f, fn: fn}
	f.mu.Lock()
	f.armLocked(t, d)
	f.mu.Unlock()
	return t
}

// Advance moves the clock forward by d, firing every timer due at or before
// the new time, including timers that callbacks arm during the advance. A
// negative d is treated as zero (time never goes backwards), so Advance(0)
// fires whatever is due now.
func (f *Fake) Advance(d time.Duration) {
	f.advancing.Lock()
	defer f.advancing.Unlock()

	f.mu.Lock()
	target := f.now
	if d > 0 {
		target = f.now.Add(d)
	}
	for {
		t := f.nextDueLocked(target)
		if t == nil {
			break
		}
		f.disarmLocked(t)
		if t.due.After(f.now) {
			f.now = t.due
		}
		if t.c != nil {
			t.deliverLocked(f.now)
			continue
		}
		// The callback may use the clock, so it runs without the lock.
		f.mu.Unlock()
		t.fn()
		f.mu.Lock()
	}
	if target.After(f.now) {
		f.now = target
	}
	f.mu.Unlock()
}

// Pending returns how many timers are armed and not yet fired or stopped.
func (f *Fake) Pending() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.armed)
}

// BlockUntil waits until at least n timers are armed. Tests call it before
// Advance so that the code under test has reached its wait; it blocks
// forever if that never happens (go test's -timeout then reports where).
func (f *Fake) BlockUntil(n int) {
	_ = f.BlockUntilContext(context.Background(), n)
}

// BlockUntilContext is BlockUntil with a way out: it returns ctx's error,
// saying how many timers were armed, if ctx ends first.
func (f *Fake) BlockUntilContext(ctx context.Context, n int) error {
	for {
		f.mu.Lock()
		have := len(f.armed)
		changed := f.changed
		f.mu.Unlock()
		if have >= n {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("clock: waiting for %d armed timers, have %d: %w", n, have, ctx.Err())
		}
	}
}

func (f *Fake) armLocked(t *fakeTimer, d time.Duration) {
	if d <= 0 {
		if t.c != nil {
			t.deliverLocked(f.now)
		} else {
			go t.fn()
		}
		return
	}
	f.seq++
	t.due = f.now.Add(d)
	t.seq = f.seq
	t.armed = true
	f.armed = append(f.armed, t)
	f.notifyLocked()
}

func (f *Fake) disarmLocked(t *fakeTimer) bool {
	if !t.armed {
		return false
	}
	t.armed = false
	for i, a := range f.armed {
		if a == t {
			f.armed = append(f.armed[:i], f.armed[i+1:]...)
			break
		}
	}
	f.notifyLocked()
	return true
}

// nextDueLocked picks the earliest armed timer due no later than limit. A
// linear scan is plenty: tests arm a handful of timers.
func (f *Fake) nextDueLocked(limit time.Time) *fakeTimer {
	var best *fakeTimer
	for _, t := range f.armed {
		if t.due.After(limit) {
			continue
		}
		if best == nil || t.due.Before(best.due) || (t.due.Equal(best.due) && t.seq < best.seq) {
			best = t
		}
	}
	return best
}

func (f *Fake) notifyLocked() {
	close(f.changed)
	f.changed = make(chan struct{})
}

type fakeTimer struct {
	clock *Fake
	c     chan time.Time // nil for AfterFunc timers
	fn    func()
	due   time.Time
	seq   uint64
	armed bool
}

func (t *fakeTimer) C() <-chan time.Time {
	if t.c == nil {
		return nil
	}
	return t.c
}

// Stop reports true when it kept a firing from being observed: either the
// timer was armed, or it had fired into its channel and nobody had received
// the value yet (that value is discarded, as Go 1.23 timers do).
func (t *fakeTimer) Stop() bool {
	f := t.clock
	f.mu.Lock()
	defer f.mu.Unlock()
	stopped := f.disarmLocked(t)
	if t.drainLocked() {
		stopped = true
	}
	return stopped
}

func (t *fakeTimer) Reset(d time.Duration) bool {
	f := t.clock
	f.mu.Lock()
	defer f.mu.Unlock()
	wasArmed := f.disarmLocked(t)
	t.drainLocked()
	f.armLocked(t, d)
	return wasArmed
}

// deliverLocked sends without blocking: the channel has room for one value
// and Stop/Reset drain it before any re-arming, so it is always empty here.
func (t *fakeTimer) deliverLocked(now time.Time) {
	select {
	case t.c <- now:
	default:
	}
}

func (t *fakeTimer) drainLocked() bool {
	if t.c == nil {
		return false
	}
	select {
	case <-t.c:
		return true
	default:
		return false
	}
}

var (
	_ Clock = (*Fake)(nil)
	_ Clock = realClock{}
)
