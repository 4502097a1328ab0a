package cwmpserver

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"
)

// limiter bounds the requests processed at once. A buffered channel is a
// semaphore whose acquire can also wait with a deadline.
type limiter struct{ slots chan struct{} }

func newLimiter(n int) *limiter { return &limiter{slots: make(chan struct{}, n)} }

// tryAcquire takes a slot if one is free now.
func (l *limiter) tryAcquire() bool {
	select {
	case l.slots <- struct{}{}:
		return true
	default:
		return false
	}
}

// acquire waits up to d for a slot, giving up early when the client leaves.
func (l *limiter) acquire(r *http.Request, d time.Duration) bool {
	if l.tryAcquire() {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case l.slots <- struct{}{}:
		return true
	case <-t.C:
		return false
	case <-r.Context().Done():
		return false
	}
}

func (l *limiter) release() { <-l.slots }

func (l *limiter) inUse() int { return len(l.slots) }

// retryAfter picks a whole number of seconds in [RetryAfterMin,
// RetryAfterMax] at random, so CPEs turned away together do not come back
// together.
func (srv *Server) retryAfter() string {
	lo := int64(srv.cfg.RetryAfterMin / time.Second)
	hi := int64(srv.cfg.RetryAfterMax / time.Second)
	lo = max(lo, retryAfterSecondsFloor)
	hi = max(hi, lo)
	return strconv.FormatInt(lo+rand.Int64N(hi-lo+1), 10)
}

// unavailable answers 503 with a jittered Retry-After.
func (srv *Server) unavailable(w http.ResponseWriter, reason string) {
	h := w.Header()
	h.Set("Retry-After", srv.retryAfter())
	h.Set("Content-Length", "0")
	w.WriteHeader(http.StatusServiceUnavailable)
	srv.cfg.Observer.Rejected(reason, http.StatusServiceUnavailable)
}
