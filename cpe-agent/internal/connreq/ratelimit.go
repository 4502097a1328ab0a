package connreq

import (
	"sync"
	"time"
)

// limiter admits at most n events in any window-long span: a ring of the
// last n admission times, so the check is O(1) and memory is fixed. A
// sliding window, unlike fixed buckets, cannot be beaten by a burst that
// straddles a bucket boundary.
type limiter struct {
	mu     sync.Mutex
	window time.Duration
	times  []time.Time
	next   int
	filled bool
}

func newLimiter(n int, window time.Duration) *limiter {
	return &limiter{window: window, times: make([]time.Time, n)}
}

// allow reports whether an event at now is admitted, and records it if so.
func (l *limiter) allow(now time.Time) bool {
	l.mu.Lock()
	ok := !l.filled || now.Sub(l.times[l.next]) >= l.window
	if ok {
		l.times[l.next] = now
		l.next++
		if l.next == len(l.times) {
			l.next, l.filled = 0, true
		}
	}
	l.mu.Unlock()
	return ok
}
