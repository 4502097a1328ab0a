package loadgen

import (
	"context"
	"sync"
	"time"

	"gatewarden/protocol/digest"
)

// stats is what one worker counted; the runner adds them up at the end,
// so workers share nothing while they run.
type stats struct {
	hist        histogram
	sessions    int64
	rejected    int64
	errors      int64
	kinds       map[string]int64
	challenges  int64
	acsRequests int64
	cpeFaults   int64
	reconnects  int64
	last        time.Time // end of the worker's last session
}

func (s *stats) add(o *stats) {
	s.hist.merge(&o.hist)
	s.sessions += o.sessions
	s.rejected += o.rejected
	s.errors += o.errors
	for k, v := range o.kinds {
		if s.kinds == nil {
			s.kinds = make(map[string]int64)
		}
		s.kinds[k] += v
	}
	s.challenges += o.challenges
	s.acsRequests += o.acsRequests
	s.cpeFaults += o.cpeFaults
	s.reconnects += o.reconnects
	if o.last.After(s.last) {
		s.last = o.last
	}
}

type runner struct {
	cfg     Config
	tgt     *target
	inform  *informTemplate
	devices []device
	// free holds the numbers of devices not in a session, oldest first:
	// a device is in one session at a time, and the fleet is served round
	// robin.
	free chan int32
}

// Run runs one scenario against cfg.ACS and returns its figures. It
// stops by itself: after Duration (sessions under way then are finished),
// or when every device did its one session; ctx cancels it early.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	u, err := ParseTarget(cfg.ACS, cfg.AllowRemote)
	if err != nil {
		return nil, err
	}
	tgt, err := resolveTarget(ctx, u, cfg.AllowRemote)
	if err != nil {
		return nil, err
	}
	inform, err := newInformTemplate(cfg.events())
	if err != nil {
		return nil, err
	}
	r := &runner{
		cfg:     cfg,
		tgt:     tgt,
		inform:  inform,
		devices: make([]device, cfg.Devices),
		free:    make(chan int32, cfg.Devices),
	}
	for i := range r.devices {
		r.devices[i].serial = Serial(cfg.FirstDevice + i)
		r.free <- int32(i)
	}
	if !cfg.repeats() {
		close(r.free)
	}
	return r.run(ctx), nil
}

func (r *runner) run(ctx context.Context) *Result {
	workers := min(r.cfg.Concurrency, r.cfg.Devices)
	ws := make([]*worker, workers)
	for i := range ws {
		ws[i] = &worker{
			run:  r,
			id:   i,
			http: newHTTPConn(r.tgt, r.cfg.TLS, r.cfg.RequestTimeout, r.cfg.UserAgent),
			auth: newSessionAuth(),
		}
	}
	cpu0 := processCPU()
	start := time.Now()
	// No session starts after the deadline; those under way finish, each
	// bounded by its request timeouts.
	startCtx := ctx
	if r.cfg.Duration > 0 {
		var cancel context.CancelFunc
		startCtx, cancel = context.WithDeadline(ctx, start.Add(r.cfg.Duration))
		defer cancel()
	}
	var wg sync.WaitGroup
	for _, w := range ws {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.loop(ctx, startCtx)
		}()
	}
	wg.Wait()
	cpu := processCPU() - cpu0

	var total stats
	for _, w := range ws {
		total.add(&w.stats)
	}
	end := total.last
	if end.IsZero() {
		end = time.Now()
	}
	return r.result(&total, end.Sub(start), cpu, workers)
}

// loop takes devices from the queue and runs their sessions until the
// queue is exhausted (one session per device) or startCtx ends.
func (w *worker) loop(ctx, startCtx context.Context) {
	r := w.run
	for {
		var i int32
		var ok bool
		select {
		case <-startCtx.Done():
			return
		case i, ok = <-r.free:
			if !ok {
				return
			}
		}
		if startCtx.Err() != nil {
			return
		}
		d := &r.devices[i]
		t0 := time.Now()
		o := w.session(ctx, d)
		t1 := time.Now()
		if r.cfg.repeats() {
			r.free <- i // never blocks: the channel holds every device
		}
		if ctx.Err() != nil && !o.ok() {
			return // cancelled: the failure is ours, not the ACS's
		}
		if w.http.dials > 1 {
			w.stats.reconnects += int64(w.http.dials - 1)
		}
		w.stats.last = t1
		switch {
		case o.rejected:
			w.stats.rejected++
		case o.kind != "":
			w.stats.errors++
			if w.stats.kinds == nil {
				w.stats.kinds = make(map[string]int64)
			}
			w.stats.kinds[o.kind]++
		default:
			w.stats.sessions++
			w.stats.hist.record(t1.Sub(t0))
		}
	}
}

// newSessionAuth is a worker's Digest client for devices that take a
// fresh challenge each session; authFor sets the credentials per session.
func newSessionAuth() *digest.Client { return digest.NewClient("", "") }

func (r *runner) result(s *stats, elapsed time.Duration, cpu time.Duration, workers int) *Result {
	res := &Result{
		Scenario:       string(r.cfg.Scenario),
		ACS:            r.cfg.ACS,
		Devices:        r.cfg.Devices,
		Concurrency:    workers,
		DurationS:      elapsed.Seconds(),
		Sessions:       s.sessions,
		Rejected:       s.rejected,
		Errors:         s.errors,
		ErrorKinds:     s.kinds,
		P50Ms:          ms(s.hist.quantile(0.50)),
		P90Ms:          ms(s.hist.quantile(0.90)),
		P99Ms:          ms(s.hist.quantile(0.99)),
		MaxMs:          ms(s.hist.max),
		AuthChallenges: s.challenges,
		ACSRequests:    s.acsRequests,
		CPEFaults:      s.cpeFaults,
		Reconnects:     s.reconnects,
		ReuseNonce:     r.cfg.ReuseNonce,
		ClientCPUS:     cpu.Seconds(),
	}
	if elapsed > 0 {
		res.SessionsPerSec = float64(s.sessions) / elapsed.Seconds()
	}
	if n := s.sessions + s.rejected + s.errors; n > 0 {
		res.ClientCPUUsPerSession = float64(cpu.Microseconds()) / float64(n)
	}
	return res
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
