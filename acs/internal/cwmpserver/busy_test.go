package cwmpserver

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"
)

// TestLockSessionWaitsForThePreviousRequest: a request that arrives while
// the session's previous one is finishing waits for it; one that finds
// the session busy for good, or whose client leaves, gives up.
func TestLockSessionWaitsForThePreviousRequest(t *testing.T) {
	s := &session{}
	s.mu.Lock()
	go func() {
		time.Sleep(20 * time.Millisecond)
		s.mu.Unlock()
	}()
	if !lockSession(httptest.NewRequest("POST", "/cwmp", nil), s) {
		t.Fatal("lockSession gave up on a session that became free")
	}
	// s.mu is now held by this test, for good.
	start := time.Now()
	if lockSession(httptest.NewRequest("POST", "/cwmp", nil), s) {
		t.Fatal("lockSession took a held lock")
	}
	if d := time.Since(start); d < sessionBusyWait {
		t.Fatalf("gave up after %v, want %v", d, sessionBusyWait)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start = time.Now()
	if lockSession(httptest.NewRequest("POST", "/cwmp", nil).WithContext(ctx), s) {
		t.Fatal("lockSession took a held lock")
	}
	if d := time.Since(start); d > sessionBusyWait/2 {
		t.Fatalf("a gone client waited %v", d)
	}
}
