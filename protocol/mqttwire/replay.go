package mqttwire

import (
	"errors"
	"fmt"
	"sync"
	"time"
)

// Errors of ReplayGuard.Check.
var (
	ErrReplay = errors.New("message id seen before")
	ErrStale  = errors.New("message too old")
	ErrFuture = errors.New("message time too far ahead")
)

// Defaults of a ReplayGuard.
const (
	DefaultMaxAge  = 10 * time.Minute
	DefaultMaxSkew = 2 * time.Minute
	DefaultWindow  = 1024
)

// ReplayGuard drops ACS→agent messages that were seen before or are too
// old. It keeps the last Window ids in a ring, so memory stays bounded;
// an id that left the ring is older than any MaxAge in practice (the ACS
// sends far fewer than Window messages per device in MaxAge), and an old
// copy is then refused for its time anyway. Safe for concurrent use.
//
// The window is memory only: after an agent restart a copy of a message
// younger than MaxAge can pass once more. Connection requests make that
// harmless (one extra session); bundles are safe because a bundle whose
// Version is already the ParameterKey is not applied again.
type ReplayGuard struct {
	MaxAge  time.Duration // default DefaultMaxAge
	MaxSkew time.Duration // how far ahead of now ts may be; default DefaultMaxSkew
	Window  int           // ids remembered; default DefaultWindow

	mu   sync.Mutex
	seen map[string]struct{}
	ring []string
	next int
}

// Check records id and reports nil if the message is new and fresh at
// now; otherwise it returns ErrReplay, ErrStale or ErrFuture and records
// nothing (a stale message must not push a fresh id out of the window).
func (g *ReplayGuard) Check(id string, ts int64, now time.Time) error {
	maxAge, skew, window := g.MaxAge, g.MaxSkew, g.Window
	if maxAge <= 0 {
		maxAge = DefaultMaxAge
	}
	if skew <= 0 {
		skew = DefaultMaxSkew
	}
	if window <= 0 {
		window = DefaultWindow
	}
	t := FromMillis(ts)
	if age := now.Sub(t); age > maxAge {
		return fmt.Errorf("%w: %s old, limit %s", ErrStale, age.Round(time.Millisecond), maxAge)
	}
	if ahead := t.Sub(now); ahead > skew {
		return fmt.Errorf("%w: %s ahead, limit %s", ErrFuture, ahead.Round(time.Millisecond), skew)
	}
	g.mu.Lock()
	err := g.record(id, window)
	g.mu.Unlock()
	return err
}

// record remembers id, or refuses it as seen, with g.mu held (unlocked by
// the caller rather than by defer, which costs the router build a wrapper
// function).
func (g *ReplayGuard) record(id string, window int) error {
	if g.seen == nil {
		g.seen = make(map[string]struct{}, window)
		g.ring = make([]string, window)
	}
	if _, dup := g.seen[id]; dup {
		return fmt.Errorf("%w: %s", ErrReplay, id)
	}
	if old := g.ring[g.next]; old != "" {
		delete(g.seen, old)
	}
	g.ring[g.next] = id
	g.seen[id] = struct{}{}
	g.next = (g.next + 1) % len(g.ring)
	return nil
}
