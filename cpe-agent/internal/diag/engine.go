package diag

import (
	"context"
	"crypto/x509"
	"errors"
	"log/slog"
	"strconv"
	"sync"
	"time"
)

// Limits bound every test, whatever the ACS asks for.
type Limits struct {
	// MaxDuration is the longest a test may run; default 60 s.
	MaxDuration time.Duration
	// MaxBytes is the most a download or upload test moves; default
	// 512 MiB. A larger file is cut there and reported as measured.
	MaxBytes uint64
	// PingInterval separates the echoes of a ping; default one second.
	PingInterval time.Duration
}

// Options configures an Engine.
type Options struct {
	// Complete raises "8 DIAGNOSTICS COMPLETE" (session.Client.AddEvent).
	Complete func(ctx context.Context) error
	// Device maps an Interface parameter (a Device.IP.Interface.{i}
	// path) to the network device to send from. Nil: the platform cannot
	// tell, and only an empty Interface (routing decides) is accepted.
	Device  func(ctx context.Context, interfacePath string) (string, error)
	RootCAs *x509.CertPool
	Limits  Limits
	Logger  *slog.Logger
}

// Engine keeps the four tests' inputs, states and results, and runs them
// one at a time. Its small accessors unlock mu by hand rather than defer:
// a defer costs the router binary ~150 bytes a function, and nothing on
// these paths recovers a panic.
type Engine struct {
	opts Options
	log  *slog.Logger

	mu    sync.Mutex
	tests map[Kind]*test
	queue []Kind // requested, in order, waiting for the session to end
	busy  bool   // the worker is running

	wg sync.WaitGroup
}

// Kind names one of the four tests.
type Kind string

const (
	KindPing     Kind = "IPPing"
	KindTrace    Kind = "TraceRoute"
	KindDownload Kind = "DownloadDiagnostics"
	KindUpload   Kind = "UploadDiagnostics"
)

// test is one diagnostic's TR-181 object.
type test struct {
	state     string
	inputs    map[string]string
	results   map[string]string
	hops      []Hop
	requested bool // "Requested" and not yet started
	cancel    context.CancelFunc
	gen       uint64 // bumps when a run's outcome must be dropped
}

// New builds an engine; Bind puts its parameters in the tree.
func New(opts Options) *Engine {
	if opts.Limits.MaxDuration <= 0 {
		opts.Limits.MaxDuration = time.Minute
	}
	if opts.Limits.MaxBytes == 0 {
		opts.Limits.MaxBytes = 512 << 20
	}
	if opts.Limits.PingInterval <= 0 {
		opts.Limits.PingInterval = time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	e := &Engine{opts: opts, log: opts.Logger.With("component", "diag"), tests: map[Kind]*test{}}
	for _, d := range objects {
		t := &test{state: StateNone, inputs: map[string]string{}, results: map[string]string{}}
		for _, in := range d.inputs {
			t.inputs[in.name] = in.def
		}
		e.tests[d.kind] = t
	}
	return e
}

// request marks a test requested (the DiagnosticsState setter).
func (e *Engine) request(k Kind) {
	e.mu.Lock()
	t := e.tests[k]
	e.abortLocked(t)
	t.state, t.requested = StateRequested, true
	t.results, t.hops = map[string]string{}, nil
	e.queue = append(e.queue, k)
	e.mu.Unlock()
}

// restore puts back a state the tree rolls back to.
func (e *Engine) restore(k Kind, state string) {
	e.mu.Lock()
	t := e.tests[k]
	if state != StateRequested {
		t.requested = false
	}
	t.state = state
	e.mu.Unlock()
}

// setInput is an input parameter's setter: it aborts a running test and
// resets the state, unless the test waits to start (the same SPV may
// carry "Requested" before the inputs).
func (e *Engine) setInput(k Kind, name, value string) {
	e.mu.Lock()
	t := e.tests[k]
	t.inputs[name] = value
	if !t.requested {
		e.abortLocked(t)
		if t.state != StateNone {
			t.state = StateNone
			t.results, t.hops = map[string]string{}, nil
		}
	}
	e.mu.Unlock()
}

func (e *Engine) abortLocked(t *test) {
	t.gen++
	if t.cancel != nil {
		t.cancel()
		t.cancel = nil
	}
}

// SessionEnded starts the tests requested during the session that just
// ended (TR-143: after the session, so the test does not compete with
// it).
func (e *Engine) SessionEnded() {
	e.mu.Lock()
	if !e.busy && len(e.queue) > 0 {
		e.busy = true
		e.wg.Add(1)
		go e.work()
	}
	e.mu.Unlock()
}

// Wait blocks until no test runs (tests, shutdown).
func (e *Engine) Wait() { e.wg.Wait() }

// Close aborts every test and waits for the worker.
func (e *Engine) Close() {
	e.mu.Lock()
	for _, t := range e.tests {
		e.abortLocked(t)
		t.requested = false
	}
	e.queue = nil
	e.mu.Unlock()
	e.wg.Wait()
}

func (e *Engine) work() {
	for {
		e.mu.Lock()
		var k Kind
		var t *test
		for len(e.queue) > 0 && t == nil {
			k, e.queue = e.queue[0], e.queue[1:]
			if c := e.tests[k]; c.requested {
				t = c
			}
		}
		if t == nil {
			e.busy = false
			e.mu.Unlock()
			e.wg.Done()
			return
		}
		t.requested = false
		gen := t.gen
		inputs := make(map[string]string, len(t.inputs))
		for n, v := range t.inputs {
			inputs[n] = v
		}
		ctx, cancel := context.WithTimeout(context.Background(), e.opts.Limits.MaxDuration)
		t.cancel = cancel
		e.mu.Unlock()

		out, err := e.run(ctx, k, inputs)
		cancel()
		state := State(err)
		if errors.Is(err, context.DeadlineExceeded) {
			state = StateOther
			if k == KindDownload || k == KindUpload {
				state = stateTimeout
			}
		}

		e.mu.Lock()
		current := t.gen == gen
		if current {
			t.cancel = nil
			t.state = state
			t.results, t.hops = out.results, out.hops
		}
		e.mu.Unlock()
		if !current {
			// An input changed meanwhile: the state is None and no
			// completion is owed.
			continue
		}
		if err != nil {
			e.log.Info("diagnostic ended in error", "test", string(k), "state", state, "err", err)
		} else {
			e.log.Info("diagnostic complete", "test", string(k))
		}
		if e.opts.Complete != nil {
			if err := e.opts.Complete(context.Background()); err != nil {
				e.log.Error("raising 8 DIAGNOSTICS COMPLETE", "err", err)
			}
		}
	}
}

// outcome is a finished run's result parameters.
type outcome struct {
	results map[string]string
	hops    []Hop
}

func (e *Engine) run(ctx context.Context, k Kind, in map[string]string) (outcome, error) {
	out := outcome{results: map[string]string{}}
	device := ""
	if iface := in["Interface"]; iface != "" && e.opts.Device != nil {
		d, err := e.opts.Device(ctx, iface)
		if err != nil {
			return out, &Error{State: StateInternal, Err: err}
		}
		device = d
	}
	u := func(name string) int {
		n, _ := strconv.ParseUint(in[name], 10, 32)
		return int(n)
	}
	ms := func(name string) time.Duration { return time.Duration(u(name)) * time.Millisecond }
	switch k {
	case KindPing:
		res, err := Ping(ctx, PingSpec{
			Host: in["Host"], Proto: in["ProtocolVersion"], Count: u("NumberOfRepetitions"),
			Timeout: ms("Timeout"), Size: u("DataBlockSize"), DSCP: u("DSCP"), Device: device,
			Interval: e.opts.Limits.PingInterval,
		})
		out.results = pingResults(res)
		return out, err
	case KindTrace:
		res, err := TraceRoute(ctx, TraceSpec{
			Host: in["Host"], Proto: in["ProtocolVersion"], Tries: u("NumberOfTries"),
			Timeout: ms("Timeout"), Size: u("DataBlockSize"), DSCP: u("DSCP"),
			MaxHops: u("MaxHopCount"), Device: device,
		})
		out.results, out.hops = traceResults(res)
		return out, err
	case KindDownload, KindUpload:
		spec := TransferSpec{
			Proto: in["ProtocolVersion"], DSCP: u("DSCP"), Device: device,
			Timeout: e.opts.Limits.MaxDuration, MaxBytes: e.opts.Limits.MaxBytes, RootCAs: e.opts.RootCAs,
		}
		var res TransferResult
		var err error
		if k == KindDownload {
			spec.URL = in["DownloadURL"]
			res, err = Download(ctx, spec)
		} else {
			spec.URL = in["UploadURL"]
			spec.Length, _ = strconv.ParseUint(in["TestFileLength"], 10, 64)
			res, err = Upload(ctx, spec)
		}
		out.results = transferResults(k, res)
		return out, err
	}
	return out, &Error{State: StateInternal, Err: errors.New("unknown test " + string(k))}
}

// State returns a test's DiagnosticsState (tests, status page).
func (e *Engine) State(k Kind) string {
	e.mu.Lock()
	s := e.tests[k].state
	e.mu.Unlock()
	return s
}
