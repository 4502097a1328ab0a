package cwmpserver

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"gatewarden/acs/internal/cpeauth"
	"gatewarden/acs/internal/cwmpserver/cwmptest"
	"gatewarden/protocol/cwmp"
	"gatewarden/protocol/digest"
)

// failOnce makes the store's op fail once.
func failOnce(st *cwmptest.MemStore, op string) {
	var once sync.Once
	st.Fail = func(o string) error {
		if o != op {
			return nil
		}
		var err error
		once.Do(func() { err = errInjected })
		return err
	}
}

// TestLeaseReleasedOnEveryPath drives a session into each way it can end,
// then checks the device's lease is free and the device can start its
// next session at once.
func TestLeaseReleasedOnEveryPath(t *testing.T) {
	ctx := context.Background()
	periodic := cwmp.EventStruct{EventCode: cwmp.EventPeriodic}
	for _, tc := range []struct {
		name string
		mod  func(*Config)
		run  func(h *harness, c *cwmptest.CPE)
	}{
		{name: "204 end", run: func(h *harness, c *cwmptest.CPE) {
			h.idleSession(c)
		}},
		{name: "RecordInform fails", run: func(h *harness, c *cwmptest.CPE) {
			failOnce(h.store, "RecordInform")
			r := h.must(c.Send(ctx, c.Inform(periodic)))
			h.expectStatus(r, http.StatusServiceUnavailable)
			if r.Header.Get("Retry-After") == "" {
				h.t.Error("503 without Retry-After")
			}
		}},
		{name: "Work.Start fails", run: func(h *harness, c *cwmptest.CPE) {
			h.work.mu.Lock()
			h.work.startErr = errInjected
			h.work.mu.Unlock()
			r := h.must(c.Send(ctx, c.Inform(periodic)))
			h.expectStatus(r, http.StatusServiceUnavailable)
			h.work.mu.Lock()
			h.work.startErr = nil
			h.work.mu.Unlock()
		}},
		{name: "Work.Next fails", run: func(h *harness, c *cwmptest.CPE) {
			h.work.mu.Lock()
			h.work.nextErr = errInjected
			h.work.mu.Unlock()
			h.expectMethod(h.must(c.Send(ctx, c.Inform(periodic))), "InformResponse")
			h.expectStatus(h.must(c.SendEmpty(ctx)), http.StatusNoContent)
			h.work.mu.Lock()
			h.work.nextErr = nil
			h.work.mu.Unlock()
		}},
		{name: "malformed message mid-session, session goes on", run: func(h *harness, c *cwmptest.CPE) {
			h.work.push(&cwmp.GetParameterValues{ParameterNames: []string{"Device."}})
			h.expectMethod(h.must(c.Send(ctx, c.Inform(periodic))), "InformResponse")
			h.expectMethod(h.must(c.SendEmpty(ctx)), "GetParameterValues")
			r := h.must(c.SendRaw(ctx, []byte("<soap:Envelope"), http.Header{"Content-Type": {"text/xml"}}))
			h.expectFault(r, cwmp.FaultACSInvalidArguments)
			h.expectStatus(h.must(c.SendEmpty(ctx)), http.StatusNoContent)
			if answers, _ := h.work.snapshot(); len(answers) != 1 || answers[0] != nil {
				h.t.Errorf("Work.Done got %v, want one lost answer", answers)
			}
		}},
		{name: "CPE vanishes after InformResponse", mod: shortIdle, run: func(h *harness, c *cwmptest.CPE) {
			h.expectMethod(h.must(c.Send(ctx, c.Inform(periodic))), "InformResponse")
			eventually(h.t, "expiry sweep", func() bool { return h.obs.endedCount(OutcomeExpired) == 1 })
		}},
		{name: "CPE vanishes owing an answer", mod: shortIdle, run: func(h *harness, c *cwmptest.CPE) {
			h.work.push(&cwmp.Reboot{CommandKey: "r1"})
			h.expectMethod(h.must(c.Send(ctx, c.Inform(periodic))), "InformResponse")
			h.expectMethod(h.must(c.SendEmpty(ctx)), "Reboot")
			eventually(h.t, "expiry sweep", func() bool { return h.obs.endedCount(OutcomeExpired) == 1 })
			if answers, _ := h.work.snapshot(); len(answers) != 1 || answers[0] != nil {
				h.t.Errorf("Work.Done got %v, want one lost answer", answers)
			}
		}},
		{name: "oversized message mid-session, CPE vanishes", mod: func(c *Config) {
			shortIdle(c)
			c.MaxMessageBytes = 4096
		}, run: func(h *harness, c *cwmptest.CPE) {
			h.expectMethod(h.must(c.Send(ctx, c.Inform(periodic))), "InformResponse")
			r := h.must(c.SendRaw(ctx, bytes.Repeat([]byte(" "), 5000), http.Header{"Content-Type": {"text/xml"}}))
			h.expectStatus(r, http.StatusRequestEntityTooLarge)
			eventually(h.t, "expiry sweep", func() bool { return h.obs.endedCount(OutcomeExpired) == 1 })
		}},
		{name: "answer cannot be delivered", run: func(h *harness, c *cwmptest.CPE) {
			body, err := cwmp.Marshal(c.Inform(periodic))
			if err != nil {
				h.t.Fatal(err)
			}
			req, _ := http.NewRequest(http.MethodPost, "/cwmp", bytes.NewReader(body))
			req.Header.Set("Content-Type", "text/xml")
			// Authenticate as the real CPE would, through a challenge.
			h.authorize(req, c)
			h.srv.ServeHTTP(&brokenWriter{header: http.Header{}}, req)
			if n := h.obs.endedCount(OutcomeAbandoned); n != 1 {
				h.t.Errorf("%d sessions abandoned, want 1", n)
			}
		}},
		{name: "request limit", mod: func(c *Config) { c.MaxRPCsPerSession = 2 }, run: func(h *harness, c *cwmptest.CPE) {
			for i := range 3 {
				h.work.push(&cwmp.GetParameterValues{ParameterNames: []string{"Device." + strconv.Itoa(i) + "."}})
			}
			h.expectMethod(h.must(c.Send(ctx, c.Inform(periodic))), "InformResponse")
			r := h.must(c.SendEmpty(ctx))
			for r.Status == http.StatusOK {
				r = h.must(c.Answer(ctx, r, &cwmp.GetParameterValuesResponse{}))
			}
			h.expectStatus(r, http.StatusNoContent)
			if n := h.obs.endedCount(OutcomeLimit); n != 1 {
				h.t.Errorf("%d sessions ended at the limit, want 1", n)
			}
			h.work.mu.Lock()
			h.work.queue = nil
			h.work.mu.Unlock()
		}},
		{name: "new Inform with RetryCount preempts the open session", run: func(h *harness, c *cwmptest.CPE) {
			h.expectMethod(h.must(c.Send(ctx, c.Inform(periodic))), "InformResponse")
			c.EndSession()
			env := c.Inform(cwmp.EventStruct{EventCode: cwmp.EventBoot})
			env.Body.(*cwmp.Inform).RetryCount = 1
			h.expectMethod(h.must(c.Send(ctx, env)), "InformResponse")
			h.expectStatus(h.must(c.SendEmpty(ctx)), http.StatusNoContent)
			if n := h.obs.endedCount(OutcomePreempted); n != 1 {
				h.t.Errorf("%d sessions preempted, want 1", n)
			}
		}},
		{name: "Inform carrying the last session's cookie", run: func(h *harness, c *cwmptest.CPE) {
			h.expectMethod(h.must(c.Send(ctx, c.Inform(periodic))), "InformResponse")
			h.expectMethod(h.must(c.Send(ctx, c.Inform(periodic))), "InformResponse")
			h.expectStatus(h.must(c.SendEmpty(ctx)), http.StatusNoContent)
			if n := h.obs.endedCount(OutcomePreempted); n != 1 {
				h.t.Errorf("%d sessions preempted, want 1", n)
			}
		}},
		{name: "ReleaseLease fails: the lease expires by itself", mod: func(c *Config) {
			c.SessionIdleTimeout = 100 * time.Millisecond
			c.LeaseTTL = 300 * time.Millisecond
			c.LeaseWait = time.Second
		}, run: func(h *harness, c *cwmptest.CPE) {
			failOnce(h.store, "ReleaseLease")
			h.idleSession(c)
			eventually(h.t, "lease expiry", func() bool { return h.store.LeaseHolder(devIDOf(c.DeviceId)) == "" })
		}},
		{name: "server closes", run: func(h *harness, c *cwmptest.CPE) {
			h.expectMethod(h.must(c.Send(ctx, c.Inform(periodic))), "InformResponse")
			h.srv.Close()
			if n := h.obs.endedCount(OutcomeClosed); n != 1 {
				h.t.Errorf("%d sessions closed, want 1", n)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, tc.mod)
			c := h.cpe("SN-LEASE")
			h.provision(c)
			tc.run(h, c)
			h.expectLeaseFree(devIDOf(c.DeviceId))
			if tc.name == "server closes" {
				return
			}
			if n := h.srv.Stats().Sessions; n != 0 {
				t.Errorf("%d sessions still open", n)
			}
			c.EndSession()
			h.idleSession(c) // the device starts its next session at once
		})
	}
}

func shortIdle(c *Config) { c.SessionIdleTimeout = 100 * time.Millisecond }

// authorize gives req a valid Digest Authorization for c's device, by
// letting a digest client answer a real challenge.
func (h *harness) authorize(req *http.Request, c *cwmptest.CPE) {
	h.t.Helper()
	serial := c.DeviceId.SerialNumber
	rec := &recorder{header: http.Header{}}
	probe, _ := http.NewRequest(http.MethodPost, req.URL.String(), bytes.NewReader([]byte("<x/>")))
	h.srv.ServeHTTP(rec, probe)
	if rec.status != http.StatusUnauthorized {
		h.t.Fatalf("probe answered %d, want a 401 challenge", rec.status)
	}
	dc := digest.NewClient(serial, cpeauth.Password(testSecret, serial))
	if _, err := dc.Handle(&http.Response{StatusCode: http.StatusUnauthorized, Header: rec.header, Request: probe}); err != nil {
		h.t.Fatal(err)
	}
	if err := dc.Authorize(req); err != nil {
		h.t.Fatal(err)
	}
}

// recorder is a minimal ResponseWriter.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) WriteHeader(s int) {
	if r.status == 0 {
		r.status = s
	}
}
func (r *recorder) Write(b []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	return r.body.Write(b)
}

// brokenWriter fails every write, as a connection the client closed does.
type brokenWriter struct {
	header http.Header
	status int
}

func (w *brokenWriter) Header() http.Header       { return w.header }
func (w *brokenWriter) WriteHeader(s int)         { w.status = s }
func (w *brokenWriter) Write([]byte) (int, error) { return 0, errors.New("connection reset by peer") }

// TestConcurrentSessionsOneDevice: while a device is in session, a second
// Inform for it waits LeaseWait and gets 503 with Retry-After; once the
// first session is over, the device gets in at once.
func TestConcurrentSessionsOneDevice(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.LeaseWait = 300 * time.Millisecond })
	ctx := context.Background()
	a := h.cpe("SN-TWIN")
	h.provision(a)
	b := h.cpe("SN-TWIN") // a clone, or the same CPE misbehaving
	periodic := cwmp.EventStruct{EventCode: cwmp.EventPeriodic}

	h.expectMethod(h.must(a.Send(ctx, a.Inform(periodic))), "InformResponse")
	start := time.Now()
	r := h.must(b.Send(ctx, b.Inform(periodic)))
	h.expectStatus(r, http.StatusServiceUnavailable)
	if waited := time.Since(start); waited < 250*time.Millisecond {
		t.Errorf("refused after %v, want a wait of about LeaseWait", waited)
	}
	if ra, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || ra < 5 || ra > 35 {
		t.Errorf("Retry-After %q, want 5..35", r.Header.Get("Retry-After"))
	}
	if n := h.obs.rejectedCount(RejectLeaseBusy); n != 1 {
		t.Errorf("%d lease_busy rejections, want 1", n)
	}
	// The first session is unaffected.
	h.expectStatus(h.must(a.SendEmpty(ctx)), http.StatusNoContent)
	b.EndSession()
	h.idleSession(b)

	// The same race, both Informs at once: exactly one gets in.
	a.EndSession()
	b.EndSession()
	var wg sync.WaitGroup
	statuses := make([]int, 2)
	for i, c := range []*cwmptest.CPE{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := c.Send(ctx, c.Inform(periodic))
			if err != nil {
				t.Error(err)
				return
			}
			statuses[i] = r.Status
		}()
	}
	wg.Wait()
	if !(statuses[0] == 200 && statuses[1] == 503 || statuses[0] == 503 && statuses[1] == 200) {
		t.Errorf("concurrent Informs answered %v, want one 200 and one 503", statuses)
	}
}

// TestLeaseHeldByAnotherNode: a device in session on another node is
// refused with 503 after LeaseWait, and nothing is recorded.
func TestLeaseHeldByAnotherNode(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.LeaseWait = 200 * time.Millisecond })
	c := h.cpe("SN-ELSEWHERE")
	dev := devIDOf(c.DeviceId)
	h.store.PutLease(dev, "other-node/abc", time.Now().Add(time.Hour))
	r := h.must(c.Send(context.Background(), c.Inform(cwmp.EventStruct{EventCode: cwmp.EventBoot})))
	h.expectStatus(r, http.StatusServiceUnavailable)
	if h.store.Calls("RecordInform") != 0 {
		t.Error("the Inform was recorded without the lease")
	}
	if calls := h.store.Calls("AcquireLease"); calls < 2 {
		t.Errorf("lease tried %d times, want retries within LeaseWait", calls)
	}
	// When the other node's lease lapses the device gets in.
	h.store.PutLease(dev, "other-node/abc", time.Now().Add(-time.Second))
	h.provision(c)
	h.expectLeaseFree(dev)
}
