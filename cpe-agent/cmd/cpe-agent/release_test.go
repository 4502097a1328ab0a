package main

import (
	"sync/atomic"
	"testing"
	"time"

	"gatewarden/cpe-agent/internal/session"
)

// A burst of sessions releases memory once, after the last one.
func TestReleaseAfterBurst(t *testing.T) {
	const after = 200 * time.Millisecond
	var n atomic.Int32
	released := make(chan time.Time, 4)
	r := newReleaser(after, func() {
		n.Add(1)
		released <- time.Now()
	})
	defer r.stop()
	var last time.Time
	for range 5 {
		last = time.Now()
		r.sessionEnded(session.Result{})
	}
	select {
	case at := <-released:
		if at.Sub(last) < after {
			t.Errorf("released %v after the last session, want at least %v", at.Sub(last), after)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no release after the burst")
	}
	time.Sleep(2 * after)
	if got := n.Load(); got != 1 {
		t.Errorf("released %d times for one burst", got)
	}
}

// No session, no release; stop cancels one pending.
func TestReleaseStops(t *testing.T) {
	var n atomic.Int32
	r := newReleaser(20*time.Millisecond, func() { n.Add(1) })
	time.Sleep(50 * time.Millisecond)
	r.sessionEnded(session.Result{})
	r.stop()
	time.Sleep(50 * time.Millisecond)
	if got := n.Load(); got != 0 {
		t.Errorf("released %d times", got)
	}
}
