package connreq

import (
	"context"
	"sync"
	"time"
)

// Limiter paces wakes. Wait returns when the caller may go, or an error
// when it should not wait (its context ended, or the wait would outlast
// its deadline: ErrRateLimited).
type Limiter interface {
	Wait(ctx context.Context) error
}

// Clock is the time source of a TokenBucket; tests replace it.
type Clock interface {
	Now() time.Time
	// Sleep waits for d or until ctx ends.
	Sleep(ctx context.Context, d time.Duration) error
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// TokenBucket is a Limiter allowing rate events per second on average and
// bursts of up to burst. Waiters reserve their token when they arrive, so
// they are served in arrival order and each sleeps only its own share.
type TokenBucket struct {
	mu     sync.Mutex
	rate   float64
	burst  float64
	tokens float64 // negative: tokens reserved by sleepers
	last   time.Time
	clock  Clock
}

// NewTokenBucket returns a full bucket. A rate of zero or less means no
// limit. A nil clock is the real one.
func NewTokenBucket(rate float64, burst int, clock Clock) *TokenBucket {
	if clock == nil {
		clock = realClock{}
	}
	if burst < 1 {
		burst = 1
	}
	return &TokenBucket{rate: rate, burst: float64(burst), tokens: float64(burst), last: clock.Now(), clock: clock}
}

// Wait takes a token, sleeping until one is due.
func (b *TokenBucket) Wait(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if b.rate <= 0 {
		return nil
	}
	b.mu.Lock()
	now := b.clock.Now()
	if elapsed := now.Sub(b.last); elapsed > 0 {
		b.tokens = min(b.burst, b.tokens+elapsed.Seconds()*b.rate)
		b.last = now
	}
	var wait time.Duration
	if b.tokens < 1 {
		wait = time.Duration((1 - b.tokens) / b.rate * float64(time.Second))
	}
	if deadline, ok := ctx.Deadline(); ok && wait > 0 && wait > time.Until(deadline) {
		b.mu.Unlock()
		return ErrRateLimited
	}
	b.tokens--
	b.mu.Unlock()
	if wait <= 0 {
		return nil
	}
	if err := b.clock.Sleep(ctx, wait); err != nil {
		// Hand the reservation back so later callers need not wait for it.
		b.mu.Lock()
		b.tokens++
		b.mu.Unlock()
		return err
	}
	return nil
}
