// Package clock lets the agent's timing logic (session retry, periodic and
// scheduled informs, notification throttling) run on an injected clock, so
// tests can move time forward instantly and deterministically instead of
// sleeping.
//
// There is deliberately no Sleep: code that waits does so on a Timer's
// channel together with its context, which keeps every wait cancellable and
// visible to the Fake's BlockUntil.
package clock

import "time"

// Clock is the source of time and timers. Real returns the system clock;
// tests use a *Fake.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// NewTimer returns a timer that sends the current time on its channel
	// once d has elapsed. A d <= 0 fires at once.
	NewTimer(d time.Duration) Timer
	// AfterFunc calls f once d has elapsed. The returned Timer's C is nil.
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is the subset of *time.Timer the agent uses. Both implementations
// follow the Go 1.23 timer semantics: after Stop or Reset returns, no value
// from the earlier arming is received from C.
type Timer interface {
	// C returns the channel on which the firing time is delivered; nil for
	// timers made by AfterFunc.
	C() <-chan time.Time
	// Stop prevents the timer from firing. It reports whether the call
	// stopped the timer (false if it had already fired or been stopped).
	Stop() bool
	// Reset re-arms the timer to fire after d. It reports whether the timer
	// had been active.
	Reset(d time.Duration) bool
}

// deadliner is implemented by clocks that can arm a timer for an instant
// rather than a duration.
type deadliner interface {
	NewTimerAt(t time.Time) Timer
}

// TimerAt returns a timer due at the instant t on c. Code that computed a
// deadline from an earlier Now uses it, so time that passes between that
// Now and the arming (a Fake advanced meanwhile) does not push the
// deadline later.
func TimerAt(c Clock, t time.Time) Timer {
	if d, ok := c.(deadliner); ok {
		return d.NewTimerAt(t)
	}
	return c.NewTimer(time.Until(t))
}
