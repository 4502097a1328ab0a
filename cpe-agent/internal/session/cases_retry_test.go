package session

import (
	"bytes"
	"testing"
	"time"

	"gatewarden/cpe-agent/internal/acstest"
	"gatewarden/protocol/cwmp"
)

// shortTimeout replaces TR-069's 30 s response timeout so a timing-out
// session costs under a second of real time (see acstest's doc on time),
// with room for a loaded machine to get a request through in time.
func shortTimeout(o *Options) { o.ResponseTimeout = 750 * time.Millisecond }

// failInform answers the next session's Inform so that it fails: by never
// answering within the CPE's timeout, or with a fault.
func (h *harness) failInform(how acstest.Reply) *cwmp.Inform {
	h.t.Helper()
	_, ex, inf := h.inform()
	if err := ex.Reply(how); err != nil {
		h.t.Fatal(err)
	}
	return inf
}

// expectRetryAfter checks that the failed session's retry waits exactly
// wait on the fake clock: not a millisecond earlier.
func (h *harness) expectRetryAfter(wait time.Duration) {
	h.t.Helper()
	h.waitTimers(1)
	h.clk.Advance(wait - time.Millisecond)
	if h.clk.Pending() != 1 {
		h.t.Fatalf("retry fired before %v", wait)
	}
	h.noSession()
	h.clk.Advance(time.Millisecond)
}

// TestCase12RetryBackoff — §8 case 12: With no response for 30 s or more,
// the session fails and a retry happens after a random wait in [5,10] s.
// The next retries fall in [10,20] s, [20,40] s and so on, with
// RetryCount = 1, 2, 3…
func TestCase12RetryBackoff(t *testing.T) {
	h := newHarness(t, harnessOpts{opts: shortTimeout})
	hang := acstest.InformResponse().WithDelay(time.Minute) // far beyond the CPE's timeout
	type step struct {
		rnd    float64
		lo, hi time.Duration
	}
	steps := []step{
		{0, 5 * time.Second, 10 * time.Second},
		{0.75, 10 * time.Second, 20 * time.Second},
		{0.999, 20 * time.Second, 40 * time.Second},
	}
	h.start()
	for n, st := range steps {
		h.setRand(st.rnd)
		inf := h.failInform(hang)
		if inf.RetryCount != uint32(n) {
			t.Fatalf("attempt %d: RetryCount %d, want %d", n+1, inf.RetryCount, n)
		}
		r := h.result()
		if r.Err == nil || r.Established {
			t.Fatalf("attempt %d: a session without an answer did not fail: %+v", n+1, r)
		}
		want := st.lo + time.Duration(st.rnd*float64(st.hi-st.lo))
		if r.RetryIn != want || r.RetryIn < st.lo || r.RetryIn > st.hi {
			t.Fatalf("retry %d waits %v, want %v in [%v,%v]", n+1, r.RetryIn, want, st.lo, st.hi)
		}
		h.expectRetryAfter(r.RetryIn)
	}
	s, ex, inf := h.inform()
	if inf.RetryCount != uint32(len(steps)) {
		t.Fatalf("RetryCount %d, want %d", inf.RetryCount, len(steps))
	}
	wantEvents(t, inf, "0 BOOTSTRAP", "1 BOOT") // the failed sessions' events, kept
	h.finish(s, ex)
}

// TestCase13RetryCountResetAfterSuccess — §8 case 13: After a successful
// session, the next Inform has RetryCount=0.
func TestCase13RetryCountResetAfterSuccess(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.setRand(0)
	h.start()
	h.failInform(acstest.Fault(cwmp.FaultACSInternalError))
	r := h.result()
	if r.Fault == nil || r.Fault.FaultCode != cwmp.FaultACSInternalError {
		t.Fatalf("result %+v, want the Inform's fault 8002", r)
	}
	h.expectRetryAfter(5 * time.Second)
	s, ex, inf := h.inform()
	if inf.RetryCount != 1 {
		t.Fatalf("retry's RetryCount %d, want 1", inf.RetryCount)
	}
	h.finish(s, ex)
	h.result()
	if n, _ := h.st.RetryCount(); n != 0 {
		t.Fatalf("stored RetryCount %d after success", n)
	}
	h.client.ConnectionRequest()
	s, ex, inf = h.inform()
	if inf.RetryCount != 0 {
		t.Fatalf("RetryCount %d after a successful session, want 0", inf.RetryCount)
	}
	h.finish(s, ex)
}

// TestCase14RetryParameters — §8 case 14: CWMPRetryMinimumWaitInterval=10
// and CWMPRetryIntervalMultiplier=3000 give a first retry wait in [10,30] s.
func TestCase14RetryParameters(t *testing.T) {
	for _, rnd := range []float64{0, 0.5, 0.9999} {
		h := newHarness(t, harnessOpts{})
		h.model.set(map[string]string{paramRetryMinimumWait: "10", paramRetryMultiplier: "3000"}, false)
		h.setRand(rnd)
		h.start()
		h.failInform(acstest.Status(500))
		r := h.result()
		want := 10*time.Second + time.Duration(rnd*float64(20*time.Second))
		if r.RetryIn != want || r.RetryIn < 10*time.Second || r.RetryIn > 30*time.Second {
			t.Fatalf("rand %v: first retry waits %v, want %v in [10s,30s]", rnd, r.RetryIn, want)
		}
		h.expectRetryAfter(r.RetryIn)
		s, ex, inf := h.inform()
		if inf.RetryCount != 1 {
			t.Fatalf("RetryCount %d", inf.RetryCount)
		}
		h.finish(s, ex)
		h.stop()
	}
}

// TestCase15Fault8005 — §8 case 15: Answering the Inform with Fault 8005
// makes the CPE resend the same Inform. Any other Inform fault counts as a
// failed session.
func TestCase15Fault8005(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.setRand(0)
	h.start()
	s, ex, _ := h.inform()
	first := ex.Body
	for i := 0; i < 2; i++ {
		ex.Reply(acstest.Fault(cwmp.FaultACSRetryRequest))
		var err error
		if ex, _, err = s.ExpectInform(h.ctx()); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(ex.Body, first) {
			t.Fatalf("resent Inform differs from the first:\n%s\n%s", first, ex.Body)
		}
	}
	h.finish(s, ex)
	if r := h.result(); r.Err != nil {
		t.Fatal(r.Err)
	}

	// Resends are bounded: the sixth 8005 fails the session.
	if err := h.client.AddEvent(cwmp.EventDiagnosticsComplete, ""); err != nil {
		t.Fatal(err)
	}
	s, ex, _ = h.inform()
	for i := 0; ; i++ {
		ex.Reply(acstest.Fault(cwmp.FaultACSRetryRequest))
		if i == maxResends {
			break
		}
		var err error
		if ex, _, err = s.ExpectInform(h.ctx()); err != nil {
			t.Fatal(err)
		}
	}
	r := h.result()
	if r.Err == nil || len(s.Records()) != 1+maxResends {
		t.Fatalf("after %d POSTs answered 8005: %v", len(s.Records()), r.Err)
	}
	if r.RetryIn == 0 {
		t.Fatal("no retry scheduled")
	}
	h.expectRetryAfter(r.RetryIn)

	// Another fault: a failed session, retried later.
	h.failInform(acstest.Fault(cwmp.FaultACSRequestDenied))
	r = h.result()
	if r.Err == nil || r.Established || r.RetryIn == 0 {
		t.Fatalf("Inform answered with 8001: %+v, want a failed session with a retry", r)
	}
	h.expectRetryAfter(r.RetryIn)
	s, ex, inf := h.inform()
	if inf.RetryCount != 2 {
		t.Fatalf("RetryCount %d, want 2", inf.RetryCount)
	}
	wantEvents(t, inf, "8 DIAGNOSTICS COMPLETE") // kept through both failures
	h.finish(s, ex)
}
