package session

import (
	"fmt"
	"testing"
	"time"

	"gatewarden/cpe-agent/internal/acstest"
	"gatewarden/protocol/cwmp"
)

// TestNewEventDuringBackoffRetriesAtOnce (D§1.7 rule 4): a new event
// during the retry wait starts the retry at once, with the retry's count.
func TestNewEventDuringBackoffRetriesAtOnce(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.setRand(0)
	h.start()
	h.failInform(acstest.Fault(cwmp.FaultACSInternalError))
	if r := h.result(); r.RetryIn != 5*time.Second {
		t.Fatalf("retry in %v", r.RetryIn)
	}
	h.waitTimers(1)
	h.client.ConnectionRequest()
	s, ex, inf := h.inform() // no clock advance needed
	if inf.RetryCount != 1 {
		t.Fatalf("RetryCount %d, want 1", inf.RetryCount)
	}
	wantEvents(t, inf, "0 BOOTSTRAP", "1 BOOT", "6 CONNECTION REQUEST")
	h.finish(s, ex)
	h.result()
	h.noSession() // and the old retry timer is gone
	h.clk.Advance(time.Hour)
	h.noSession()
}

// TestEventListRules: single events once, "M" events once per
// CommandKey, at most 64 per Inform; the rest go next.
func TestEventListRules(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.boot()
	h.stop()
	add := func(code cwmp.EventCode, key string) {
		t.Helper()
		if err := h.client.AddEvent(code, key); err != nil {
			t.Fatal(err)
		}
	}
	add(cwmp.EventDiagnosticsComplete, "")
	add(cwmp.EventDiagnosticsComplete, "")
	add("M X_00D09E_Frob", "k1")
	add("M X_00D09E_Frob", "k1")
	add("M X_00D09E_Frob", "k2")
	for i := 0; i < 70; i++ {
		add(cwmp.EventCode(fmt.Sprintf("X 00D09E e%02d", i)), "")
	}
	if evs := storedEvents(t, h.st); len(evs) != 73 {
		t.Fatalf("%d queued, want 73 (duplicates refused)", len(evs))
	}
	for _, code := range []cwmp.EventCode{cwmp.EventBoot, cwmp.EventTransferComplete, cwmp.EventMReboot, cwmp.EventConnectionRequest} {
		if err := h.client.AddEvent(code, ""); err == nil {
			t.Errorf("AddEvent(%q) accepted; the session raises it itself", code)
		}
	}
	h.restart("")
	s, ex, inf := h.inform()
	if len(inf.Event) != maxEvents {
		t.Fatalf("%d events in one Inform, want %d", len(inf.Event), maxEvents)
	}
	if inf.Event[0].EventCode != cwmp.EventDiagnosticsComplete || inf.Event[1].CommandKey != "k1" || inf.Event[2].CommandKey != "k2" {
		t.Fatalf("queue order lost: %v", inf.Event[:3])
	}
	h.finish(s, ex)
	h.result()
	s, ex, inf = h.inform() // the 9 left over, at once
	if len(inf.Event) != 73-maxEvents {
		t.Fatalf("second Inform has %d events, want %d", len(inf.Event), 73-maxEvents)
	}
	h.finish(s, ex)
}

// TestScheduledInformSurvivesRestart: a ScheduleInform is kept in the
// store and fires at its time after an agent restart.
func TestScheduledInformSurvivesRestart(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.start()
	s, ex := h.established()
	ex, _, err := acstest.CallFor[*cwmp.ScheduleInformResponse](h.ctx(), s, ex, &cwmp.ScheduleInform{DelaySeconds: 3600, CommandKey: "later"})
	if err != nil {
		t.Fatal(err)
	}
	h.finish(s, ex)
	h.result()
	h.restart("")
	h.waitTimers(1)
	h.clk.Advance(time.Hour)
	s, ex, inf := h.inform()
	wantEvents(t, inf, "3 SCHEDULED", "M ScheduleInform/later")
	h.finish(s, ex)
}

// TestURLChangeDuringBackoff: a new ACS URL is news worth a session at
// once, even while a failed bootstrap waits for its retry.
func TestURLChangeDuringBackoff(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	acs2, err := acstest.Start(acstest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer acs2.Close()
	h.start()
	h.failInform(acstest.Status(503))
	if r := h.result(); r.RetryIn == 0 {
		t.Fatal("no retry scheduled")
	}
	h.waitTimers(1)
	h.model.set(map[string]string{paramURL: acs2.URL()}, false)
	s, err := acs2.NextSession(h.ctx())
	if err != nil {
		t.Fatal(err)
	}
	ex, inf, err := s.ExpectInform(h.ctx())
	if err != nil {
		t.Fatal(err)
	}
	wantEvents(t, inf, "0 BOOTSTRAP", "1 BOOT")
	if _, err := s.Finish(h.ctx(), ex); err != nil {
		t.Fatal(err)
	}
	h.result()
	if bs, _ := h.st.Bootstrap(); bs.ACSURL != acs2.URL() {
		t.Fatalf("bootstrap recorded for %q", bs.ACSURL)
	}
}
