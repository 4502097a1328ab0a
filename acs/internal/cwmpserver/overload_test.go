package cwmpserver

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"gatewarden/acs/internal/cwmpserver/cwmptest"
	"gatewarden/protocol/cwmp"
)

func checkRetryAfter(t *testing.T, r *cwmptest.Reply) int {
	t.Helper()
	if r.Status != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503", r.Status)
	}
	ra, err := strconv.Atoi(r.Header.Get("Retry-After"))
	if err != nil || ra < 5 || ra > 35 {
		t.Fatalf("Retry-After %q, want 5..35 seconds", r.Header.Get("Retry-After"))
	}
	return ra
}

// TestOverloadSessions: beyond MaxSessions open sessions an Inform gets
// 503 with a jittered Retry-After, and is let in once a session ends.
func TestOverloadSessions(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.MaxSessions = 2 })
	ctx := context.Background()
	periodic := cwmp.EventStruct{EventCode: cwmp.EventPeriodic}
	var open []*cwmptest.CPE
	for i := range 2 {
		c := h.cpe("SN-FULL-" + strconv.Itoa(i))
		h.provision(c)
		h.expectMethod(h.must(c.Send(ctx, c.Inform(periodic))), "InformResponse")
		open = append(open, c)
	}
	late := h.cpe("SN-FULL-LATE")
	seen := map[int]bool{}
	for range 20 {
		seen[checkRetryAfter(t, h.must(late.Send(ctx, late.Inform(periodic))))] = true
	}
	if len(seen) < 2 {
		t.Errorf("20 refusals all said Retry-After %v: not jittered", seen)
	}
	if h.store.Calls("AcquireLease") != 4 { // two provisioning sessions, two open ones
		t.Errorf("refused Informs reached the store (%d lease calls)", h.store.Calls("AcquireLease"))
	}
	if n := h.obs.rejectedCount(RejectOverload); n != 20 {
		t.Errorf("%d overload rejections counted, want 20", n)
	}
	h.expectStatus(h.must(open[0].SendEmpty(ctx)), http.StatusNoContent)
	h.expectMethod(h.must(late.Send(ctx, late.Inform(periodic))), "InformResponse")
}

// TestOverloadInFlight: with every processing slot taken, a request that
// would start a session is refused at once, while a request of an open
// session waits for a slot.
func TestOverloadInFlight(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.MaxInFlight = 2 })
	ctx := context.Background()
	periodic := cwmp.EventStruct{EventCode: cwmp.EventPeriodic}
	inSession := h.cpe("SN-SLOT-0")
	h.provision(inSession)
	h.expectMethod(h.must(inSession.Send(ctx, inSession.Inform(periodic))), "InformResponse")

	// Provisioned, a CPE answers the Digest challenge it already has: its
	// Inform is one request, holding one slot.
	blocked := []*cwmptest.CPE{h.cpe("SN-SLOT-1"), h.cpe("SN-SLOT-2")}
	for _, c := range blocked {
		h.provision(c)
	}
	// A handler frees its slot just after its answer went out.
	eventually(t, "slots free", func() bool { return h.srv.Stats().InFlight == 0 })
	gate := make(chan struct{})
	var closeGate sync.Once
	release := func() { closeGate.Do(func() { close(gate) }) }
	t.Cleanup(release) // a failing test must not leave requests blocked
	h.work.mu.Lock()
	h.work.startGate = gate
	h.work.mu.Unlock()
	var wg sync.WaitGroup
	for _, c := range blocked {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := c.Send(ctx, c.Inform(periodic))
			if err != nil || r.Status != http.StatusOK {
				t.Errorf("blocked Inform: %v %v", r, err)
			}
		}()
	}
	eventually(t, "both slots taken", func() bool { return h.srv.Stats().InFlight == 2 })

	newcomer := h.cpe("SN-SLOT-NEW")
	start := time.Now()
	checkRetryAfter(t, h.must(newcomer.Send(ctx, newcomer.Inform(periodic))))
	if d := time.Since(start); d > time.Second {
		t.Errorf("a new session was refused only after %v; refusals must be immediate", d)
	}

	done := make(chan *cwmptest.Reply)
	go func() {
		r, err := inSession.SendEmpty(ctx)
		if err != nil {
			t.Error(err)
		}
		done <- r
	}()
	select {
	case r := <-done:
		t.Fatalf("session request served without a slot: %d", r.Status)
	case <-time.After(100 * time.Millisecond):
	}
	h.work.mu.Lock()
	h.work.startGate = nil
	h.work.mu.Unlock()
	release()
	if r := <-done; r.Status != http.StatusNoContent {
		t.Errorf("waiting session request answered %d, want 204", r.Status)
	}
	wg.Wait()
	eventually(t, "slots free", func() bool { return h.srv.Stats().InFlight == 0 })
}
