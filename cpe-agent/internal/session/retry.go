package session

import (
	"context"
	"strconv"
	"strings"
	"time"
)

// Retry parameters (TR069-DIGEST §1.7): defaults and the data model's ranges.
const (
	defaultRetryMinimumWait = 5
	defaultRetryMultiplier  = 2000
	retryExponentCap        = 10
	// maxRetryWait caps what absurd but valid parameters (m=65535,
	// k=65535) would make a wait of longer than time itself.
	maxRetryWait = 10 * 365 * 24 * time.Hour
)

// retryWait returns a random wait for retry n (n >= 1) in
// [m·(k/1000)^(n−1), m·(k/1000)^n] seconds, n capped at 10; r is uniform
// in [0,1).
func retryWait(n uint32, m, k uint32, r float64) time.Duration {
	if n < 1 {
		n = 1
	}
	if n > retryExponentCap {
		n = retryExponentCap
	}
	// ratio^(n-1) by repeated multiplication: n is at most 10, and
	// math.Pow would link 8 KB of soft-float code into the router for
	// this one call.
	ratio := float64(k) / 1000
	lo := float64(m)
	for range n - 1 {
		lo *= ratio
	}
	hi := lo * ratio
	secs := lo + r*(hi-lo)
	if secs >= maxRetryWait.Seconds() {
		return maxRetryWait
	}
	return time.Duration(secs * float64(time.Second))
}

// retryParams reads m and k from the model; a value that is missing or
// out of its range means the default behaviour.
func (c *Client) retryParams(ctx context.Context) (m, k uint32) {
	m = c.uintParam(ctx, paramRetryMinimumWait, 1, 65535, defaultRetryMinimumWait)
	k = c.uintParam(ctx, paramRetryMultiplier, 1000, 65535, defaultRetryMultiplier)
	return m, k
}

func (c *Client) uintParam(ctx context.Context, path string, lo, hi, def uint32) uint32 {
	s, err := c.m.Value(ctx, path)
	if err != nil {
		return def
	}
	v, err := strconv.ParseUint(strings.TrimSpace(s), 10, 32)
	if err != nil || uint32(v) < lo || uint32(v) > hi {
		return def
	}
	return uint32(v)
}

func (c *Client) boolParam(ctx context.Context, path string, def bool) bool {
	s, err := c.m.Value(ctx, path)
	if err != nil {
		return def
	}
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "true":
		return true
	case "0", "false":
		return false
	}
	return def
}
