package connreq

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gatewarden/acs/internal/store"
)

// devices is an in-memory DeviceSource.
type devices map[string]store.Device

func (m devices) Device(_ context.Context, id string) (store.Device, error) {
	d, ok := m[id]
	if !ok {
		return store.Device{}, store.ErrNotFound
	}
	return d, nil
}

func manyDevices(n int) devices {
	m := devices{}
	for i := range n {
		id := fmt.Sprintf("dev-%d", i)
		m[id] = store.Device{ID: id, ConnectionRequestURL: "http://127.0.0.1:1/"}
	}
	return m
}

// chanFunc adapts a function to a Channel.
type chanFunc func(ctx context.Context, dev store.Device) (Result, error)

func (f chanFunc) Wake(ctx context.Context, dev store.Device) (Result, error) { return f(ctx, dev) }

func okChannel(calls *atomic.Int32) Channel {
	return chanFunc(func(context.Context, store.Device) (Result, error) {
		calls.Add(1)
		return Result{Outcome: OK, Channel: "fake"}, nil
	})
}

// blockingChannel reports each call on entered and answers OK when
// release closes, or the context's error.
func blockingChannel(entered chan<- string, release <-chan struct{}, cancelled *atomic.Int32) Channel {
	return chanFunc(func(ctx context.Context, dev store.Device) (Result, error) {
		entered <- dev.ID
		select {
		case <-release:
			return Result{Outcome: OK, Channel: "fake"}, nil
		case <-ctx.Done():
			cancelled.Add(1)
			return Result{}, ctx.Err()
		}
	})
}

// fakeClock moves forward by exactly what sleepers ask, so sequential
// pacing is measured in virtual time without sleeping.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	slept int
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	c.slept++
	return nil
}

func TestTokenBucket(t *testing.T) {
	clk := newFakeClock()
	start := clk.Now()
	b := NewTokenBucket(10, 5, clk)
	ctx := context.Background()
	for range 5 {
		if err := b.Wait(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if clk.slept != 0 {
		t.Fatalf("the burst slept %d times", clk.slept)
	}
	for range 20 {
		if err := b.Wait(ctx); err != nil {
			t.Fatal(err)
		}
	}
	// 20 beyond the burst at 10/s: 2 s of virtual time.
	if el := clk.Now().Sub(start); el < 2*time.Second-time.Millisecond || el > 2*time.Second+time.Millisecond {
		t.Errorf("25 waits at 10/s with burst 5 took %v, want 2s", el)
	}
	// A quiet spell refills up to the burst, not beyond.
	clk.mu.Lock()
	clk.now = clk.now.Add(time.Hour)
	clk.mu.Unlock()
	clk.slept = 0
	for range 6 {
		_ = b.Wait(ctx)
	}
	if clk.slept != 1 {
		t.Errorf("after a refill, 6 waits slept %d times, want 1 (burst 5)", clk.slept)
	}
}

func TestTokenBucketDeadlineAndCancel(t *testing.T) {
	b := NewTokenBucket(1, 1, nil)
	if err := b.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if err := b.Wait(ctx); !errors.Is(err, ErrRateLimited) {
		t.Errorf("a 1 s wait under a 10 ms deadline: %v, want ErrRateLimited", err)
	}
	// A cancelled sleeper hands its reservation back.
	clk := newFakeClock()
	b = NewTokenBucket(1, 1, clk)
	_ = b.Wait(context.Background())
	cctx, ccancel := context.WithCancel(context.Background())
	ccancel()
	if err := b.Wait(cctx); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled wait: %v", err)
	}
	b.mu.Lock()
	tokens := b.tokens
	b.mu.Unlock()
	if tokens < -0.001 {
		t.Errorf("tokens %v after a cancelled wait; the reservation was kept", tokens)
	}
}

func TestDispatcherPacing(t *testing.T) {
	clk := newFakeClock()
	start := clk.Now()
	var calls atomic.Int32
	const n, rate, burst = 40, 20, 10
	d := NewDispatcher(manyDevices(n), []Channel{okChannel(&calls)},
		Options{Limiter: NewTokenBucket(rate, burst, clk)})
	for i := range n {
		res, err := d.Wake(context.Background(), fmt.Sprintf("dev-%d", i))
		if err != nil || res.Outcome != OK {
			t.Fatalf("wake %d: %+v, %v", i, res, err)
		}
	}
	want := time.Duration(n-burst) * time.Second / rate
	if el := clk.Now().Sub(start); el < want-time.Millisecond {
		t.Errorf("%d wakes at %d/s (burst %d) took %v, want at least %v", n, rate, burst, el, want)
	}
	if calls.Load() != n {
		t.Errorf("%d channel calls, want %d", calls.Load(), n)
	}
}

func TestDispatcherPacingConcurrent(t *testing.T) {
	// Real time, kept short: 22 concurrent wakes at 400/s with burst 2
	// cannot finish in less than 50 ms.
	var calls atomic.Int32
	const n, rate, burst = 22, 400, 2
	d := NewDispatcher(manyDevices(n), []Channel{okChannel(&calls)}, Options{Rate: rate, Burst: burst})
	start := time.Now()
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if _, err := d.Wake(context.Background(), fmt.Sprintf("dev-%d", i)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if el, want := time.Since(start), time.Duration(n-burst)*time.Second/rate; el < want {
		t.Errorf("%d concurrent wakes took %v, want at least %v", n, el, want)
	}
}

func TestDispatcherDeduplicates(t *testing.T) {
	entered, release := make(chan string, 10), make(chan struct{})
	var cancelled atomic.Int32
	d := NewDispatcher(manyDevices(1), []Channel{blockingChannel(entered, release, &cancelled)}, Options{})
	type out struct {
		res Result
		err error
	}
	results := make(chan out, 3)
	wake := func() {
		res, err := d.Wake(context.Background(), "dev-0")
		results <- out{res, err}
	}
	go wake()
	<-entered
	go wake()
	go wake()
	// Let the joiners register before the first wake finishes.
	waitFor(t, func() bool {
		d.mu.Lock()
		defer d.mu.Unlock()
		return d.inflight["dev-0"] != nil && d.inflight["dev-0"].waiters == 3
	})
	close(release)
	joined := 0
	for range 3 {
		o := <-results
		if o.err != nil || o.res.Outcome != OK {
			t.Errorf("result %+v, %v", o.res, o.err)
		}
		if o.res.Joined {
			joined++
		}
	}
	if joined != 2 {
		t.Errorf("%d calls joined, want 2", joined)
	}
	select {
	case id := <-entered:
		t.Errorf("a second request went to %s", id)
	default:
	}
	// Once done, the next wake sends a new request.
	release2 := make(chan struct{})
	close(release2)
	d.channels = []Channel{blockingChannel(entered, release2, &cancelled)}
	if res, err := d.Wake(context.Background(), "dev-0"); err != nil || res.Joined {
		t.Errorf("fresh wake after the first finished: %+v, %v", res, err)
	}
}

func TestDispatcherAbandonedWake(t *testing.T) {
	entered, release := make(chan string, 10), make(chan struct{})
	defer close(release)
	var cancelled atomic.Int32
	d := NewDispatcher(manyDevices(1), []Channel{blockingChannel(entered, release, &cancelled)}, Options{})
	ctx1, cancel1 := context.WithCancel(context.Background())
	ctx2, cancel2 := context.WithCancel(context.Background())
	errs := make(chan error, 2)
	go func() { _, err := d.Wake(ctx1, "dev-0"); errs <- err }()
	<-entered
	go func() { _, err := d.Wake(ctx2, "dev-0"); errs <- err }()
	waitFor(t, func() bool {
		d.mu.Lock()
		defer d.mu.Unlock()
		return d.inflight["dev-0"].waiters == 2
	})
	// The caller who started it leaves: the wake goes on for the other.
	cancel1()
	if err := <-errs; !errors.Is(err, context.Canceled) {
		t.Errorf("first caller: %v", err)
	}
	time.Sleep(20 * time.Millisecond)
	if cancelled.Load() != 0 {
		t.Fatal("the wake was cancelled while a caller still waited")
	}
	// The last one leaves: the wake is abandoned.
	cancel2()
	if err := <-errs; !errors.Is(err, context.Canceled) {
		t.Errorf("second caller: %v", err)
	}
	waitFor(t, func() bool { return cancelled.Load() == 1 })
	waitFor(t, func() bool {
		d.mu.Lock()
		defer d.mu.Unlock()
		return len(d.inflight) == 0
	})
}

func TestDispatcherBoundsConcurrency(t *testing.T) {
	var now, peak atomic.Int32
	release := make(chan struct{})
	ch := chanFunc(func(ctx context.Context, _ store.Device) (Result, error) {
		n := now.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		<-release
		now.Add(-1)
		return Result{Outcome: OK}, nil
	})
	d := NewDispatcher(manyDevices(6), []Channel{ch}, Options{MaxConcurrent: 2, Rate: -1})
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Go(func() { _, _ = d.Wake(context.Background(), fmt.Sprintf("dev-%d", i)) })
	}
	waitFor(t, func() bool { return now.Load() == 2 })
	time.Sleep(20 * time.Millisecond)
	close(release)
	wg.Wait()
	if peak.Load() != 2 {
		t.Errorf("peak of %d wakes at once, want 2", peak.Load())
	}
}

func TestDispatcherChannelOrder(t *testing.T) {
	var first, second atomic.Int32
	result := func(calls *atomic.Int32, res Result, err error) Channel {
		return chanFunc(func(context.Context, store.Device) (Result, error) {
			calls.Add(1)
			return res, err
		})
	}
	cases := []struct {
		name        string
		a, b        Channel
		want        Outcome
		wantErr     error
		calls1, cb2 int32
	}{
		{"preferred works", result(&first, Result{Outcome: OK, Channel: "mqtt"}, nil), result(&second, Result{Outcome: OK, Channel: "http"}, nil), OK, nil, 1, 0},
		{"preferred unavailable", result(&first, Result{}, fmt.Errorf("%w: not connected", ErrUnavailable)), result(&second, Result{Outcome: Busy}, nil), Busy, nil, 1, 1},
		{"preferred offline", result(&first, Result{Outcome: Offline}, nil), result(&second, Result{Outcome: OK}, nil), OK, nil, 1, 1},
		{"both offline", result(&first, Result{Outcome: Offline, Detail: "a"}, nil), result(&second, Result{}, ErrNoURL), Offline, nil, 1, 1},
		{"bad credentials stop", result(&first, Result{Outcome: BadCredentials}, nil), result(&second, Result{Outcome: OK}, nil), BadCredentials, nil, 1, 0},
		{"none can", result(&first, Result{}, ErrUnavailable), result(&second, Result{}, ErrNoURL), 0, ErrNoURL, 1, 1},
		{"hard error", result(&first, Result{}, errBoomConn), result(&second, Result{Outcome: OK}, nil), 0, errBoomConn, 1, 0},
	}
	for _, c := range cases {
		first.Store(0)
		second.Store(0)
		d := NewDispatcher(manyDevices(1), []Channel{c.a, c.b}, Options{Rate: -1, BusyRetry: -1})
		res, err := d.Wake(context.Background(), "dev-0")
		if c.wantErr != nil {
			if !errors.Is(err, c.wantErr) {
				t.Errorf("%s: error %v, want %v", c.name, err, c.wantErr)
			}
		} else if err != nil || res.Outcome != c.want {
			t.Errorf("%s: %+v, %v; want %v", c.name, res, err, c.want)
		}
		if first.Load() != c.calls1 || second.Load() != c.cb2 {
			t.Errorf("%s: calls %d, %d; want %d, %d", c.name, first.Load(), second.Load(), c.calls1, c.cb2)
		}
	}
}

var errBoomConn = errors.New("boom")

// countingLimiter counts tokens taken.
type countingLimiter struct{ n atomic.Int32 }

func (l *countingLimiter) Wait(context.Context) error { l.n.Add(1); return nil }

func TestDispatcherUnknownDeviceTakesNoToken(t *testing.T) {
	lim := &countingLimiter{}
	var calls atomic.Int32
	var observed atomic.Int32
	d := NewDispatcher(manyDevices(1), []Channel{okChannel(&calls)}, Options{Limiter: lim,
		Observe: func(string, Result, error) { observed.Add(1) }})
	if _, err := d.Wake(context.Background(), "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("error %v, want store.ErrNotFound", err)
	}
	if lim.n.Load() != 0 || calls.Load() != 0 {
		t.Errorf("tokens %d, calls %d for an unknown device", lim.n.Load(), calls.Load())
	}
	if _, err := NewDispatcher(manyDevices(1), nil, Options{}).Wake(context.Background(), "dev-0"); !errors.Is(err, ErrNoChannel) {
		t.Errorf("no channels: %v", err)
	}
	if _, err := d.Wake(context.Background(), "dev-0"); err != nil {
		t.Fatal(err)
	}
	if observed.Load() != 2 {
		t.Errorf("observed %d wakes, want 2", observed.Load())
	}
}

func TestDispatcherOverHTTP(t *testing.T) {
	c := newCPE(t, status(http.StatusNoContent), true)
	devs := devices{"001122-CPE-SN1": device(c.URL + "/cr")}
	d := NewDispatcher(devs, []Channel{NewHTTPChannel(HTTPOptions{Timeout: 2 * time.Second})}, Options{})
	res, err := d.Wake(context.Background(), "001122-CPE-SN1")
	checkNoSecret(t, res, err)
	if err != nil || res.Outcome != OK || res.Channel != "http" || res.Status != http.StatusNoContent {
		t.Errorf("result %+v, %v", res, err)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 5 s")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestResultErr(t *testing.T) {
	if err := (Result{Outcome: OK}).Err(); err != nil {
		t.Errorf("OK: %v", err)
	}
	err := (Result{Outcome: Offline, Detail: "connection refused"}).Err()
	var oe *OutcomeError
	if !errors.As(err, &oe) || oe.Result.Outcome != Offline || err.Error() != "connection request: offline: connection refused" {
		t.Errorf("offline: %v", err)
	}
}
