package session

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"gatewarden/cpe-agent/internal/acstest"
	"gatewarden/cpe-agent/internal/clock"
	"gatewarden/cpe-agent/internal/store"
	"gatewarden/protocol/cwmp"
)

var epoch = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// waitLimit bounds every real-time wait of a test; nothing legitimate
// comes close (sessions on loopback take milliseconds).
const waitLimit = 10 * time.Second

// harness is one agent (session client on a fake model, real store, fake
// clock) talking to one scripted ACS.
type harness struct {
	t      *testing.T
	acs    *acstest.Server
	clk    *clock.Fake
	model  *fakeModel
	plat   *fakePlatform
	st     *store.Store
	path   string
	bootID string
	mod    func(*Options)

	mu      sync.Mutex
	client  *Client
	cancel  context.CancelFunc
	done    chan error
	results chan Result
	rnd     []float64
}

type harnessOpts struct {
	acs  acstest.Options
	opts func(*Options)
}

func newHarness(t *testing.T, ho harnessOpts) *harness {
	t.Helper()
	acs, err := acstest.Start(ho.acs)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(acs.Close)
	h := &harness{
		t:      t,
		acs:    acs,
		clk:    clock.NewFake(epoch),
		model:  newFakeModel(acs.URL()),
		plat:   &fakePlatform{},
		path:   filepath.Join(t.TempDir(), "state.db"),
		bootID: "boot-1",
		mod:    ho.opts,
	}
	h.openStore()
	return h
}

func (h *harness) openStore() {
	st, err := store.Open(h.path, store.Options{})
	if err != nil {
		h.t.Fatal(err)
	}
	h.st = st
	h.t.Cleanup(func() { st.Close() })
}

// setRand pins the values Options.Rand returns, in order (the last one
// repeats).
func (h *harness) setRand(vals ...float64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.rnd = vals
}

func (h *harness) rand() float64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.rnd) == 0 {
		return 0.5
	}
	v := h.rnd[0]
	if len(h.rnd) > 1 {
		h.rnd = h.rnd[1:]
	}
	return v
}

func testLogger(t *testing.T) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// start builds a Client and runs it.
func (h *harness) start() {
	h.t.Helper()
	results := make(chan Result, 100)
	opts := Options{
		Model:           h.model,
		Store:           h.st,
		Platform:        h.plat,
		BootID:          func() (string, error) { h.mu.Lock(); defer h.mu.Unlock(); return h.bootID, nil },
		Clock:           h.clk,
		Location:        time.FixedZone("CET", 3600),
		RootCAs:         h.acs.CertPool(),
		ResponseTimeout: waitLimit,
		Rand:            h.rand,
		Logger:          testLogger(h.t),
		OnSessionEnd:    func(r Result) { results <- r },
	}
	if h.mod != nil {
		h.mod(&opts)
	}
	c, err := New(opts)
	if err != nil {
		h.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	h.mu.Lock()
	h.client, h.cancel, h.done, h.results = c, cancel, done, results
	h.mu.Unlock()
	h.t.Cleanup(func() { h.stop() })
}

// stop cancels Run and returns what it returned.
func (h *harness) stop() error {
	h.mu.Lock()
	cancel, done := h.cancel, h.done
	h.cancel = nil
	h.mu.Unlock()
	if cancel == nil {
		return nil
	}
	cancel()
	select {
	case err := <-done:
		return err
	case <-time.After(waitLimit):
		h.t.Fatal("Run did not return after its context ended")
		return nil
	}
}

// exited waits for Run to return by itself (reboot, factory reset).
func (h *harness) exited() error {
	h.t.Helper()
	select {
	case err := <-h.done:
		h.mu.Lock()
		h.cancel = nil
		h.mu.Unlock()
		return err
	case <-time.After(waitLimit):
		h.t.Fatal("Run did not return")
		return nil
	}
}

// restart stops the agent and starts it again on the reopened store, in
// a new boot or not.
func (h *harness) restart(newBootID string) {
	h.t.Helper()
	h.stop()
	if err := h.st.Close(); err != nil {
		h.t.Fatal(err)
	}
	h.openStore()
	if newBootID != "" {
		h.mu.Lock()
		h.bootID = newBootID
		h.mu.Unlock()
	}
	h.start()
}

func (h *harness) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	h.t.Cleanup(cancel)
	return ctx
}

// session waits for the next session.
func (h *harness) session() *acstest.Session {
	h.t.Helper()
	s, err := h.acs.NextSession(h.ctx())
	if err != nil {
		h.t.Fatal(err)
	}
	return s
}

// inform waits for the next session and its Inform.
func (h *harness) inform() (*acstest.Session, *acstest.Exchange, *cwmp.Inform) {
	h.t.Helper()
	s := h.session()
	ex, inf, err := s.ExpectInform(h.ctx())
	if err != nil {
		h.t.Fatal(err)
	}
	return s, ex, inf
}

// finish plays the default ACS to the end of s.
func (h *harness) finish(s *acstest.Session, ex *acstest.Exchange) []*acstest.Exchange {
	h.t.Helper()
	seen, err := s.Finish(h.ctx(), ex)
	if err != nil {
		h.t.Fatal(err)
	}
	return seen
}

// result waits for the next session result.
func (h *harness) result() Result {
	h.t.Helper()
	h.mu.Lock()
	ch := h.results
	h.mu.Unlock()
	select {
	case r := <-ch:
		return r
	case <-time.After(waitLimit):
		h.t.Fatal("no session result")
		return Result{}
	}
}

// boot runs the agent's first session to completion: a fresh agent sends
// 0 BOOTSTRAP + 1 BOOT.
func (h *harness) boot() {
	h.t.Helper()
	h.start()
	s, ex, _ := h.inform()
	h.finish(s, ex)
	if r := h.result(); r.Err != nil {
		h.t.Fatalf("boot session failed: %v", r.Err)
	}
}

// waitTimers waits until the agent armed n fake-clock timers.
func (h *harness) waitTimers(n int) {
	h.t.Helper()
	if err := h.clk.BlockUntilContext(h.ctx(), n); err != nil {
		h.t.Fatal(err)
	}
}

// noSession checks that no session opens within a short real time.
func (h *harness) noSession() {
	h.t.Helper()
	if err := h.acs.ExpectNoSession(context.Background(), 150*time.Millisecond); err != nil {
		h.t.Fatal(err)
	}
}

func codes(inf *cwmp.Inform) []string {
	out := make([]string, len(inf.Event))
	for i, e := range inf.Event {
		out[i] = string(e.EventCode)
		if e.CommandKey != "" {
			out[i] += "/" + e.CommandKey
		}
	}
	slices.Sort(out)
	return out
}

func wantEvents(t *testing.T, inf *cwmp.Inform, want ...string) {
	t.Helper()
	got := codes(inf)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("Inform events %q, want %q", got, want)
	}
}

func paramNames(inf *cwmp.Inform) []string {
	var out []string
	for _, p := range inf.ParameterList {
		out = append(out, p.Name)
	}
	return out
}

func storedEvents(t *testing.T, st *store.Store) []string {
	t.Helper()
	evs, err := st.Events()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range evs {
		s := e.Code
		if e.CommandKey != "" {
			s += "/" + e.CommandKey
		}
		out = append(out, s)
	}
	return out
}

func faultCode(t *testing.T, ex *acstest.Exchange) cwmp.FaultCode {
	t.Helper()
	f := ex.Fault()
	if f == nil {
		t.Fatalf("want a fault, got %s", ex.RPC())
	}
	return f.FaultCode
}

func isErr(err, target error) bool { return errors.Is(err, target) }
