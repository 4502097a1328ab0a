package agent_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"gatewarden/cpe-agent/agent"
	"gatewarden/cpe-agent/internal/acstest"
	"gatewarden/cpe-agent/internal/clock"
	"gatewarden/cpe-agent/internal/model"
	"gatewarden/cpe-agent/internal/platform"
	"gatewarden/cpe-agent/internal/platform/sim"
	"gatewarden/cpe-agent/internal/session"
	"gatewarden/protocol/cwmp"
	"gatewarden/protocol/digest"
)

// epoch is the fake clock's start: the simulated device's first power-on.
var epoch = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// waitLimit bounds every real-time wait. Sessions on loopback take
// milliseconds; the margin is for a loaded 2-core CI machine.
const waitLimit = 20 * time.Second

// The connection-request credentials the scripted ACS sets in the first
// session, as an ACS does (TR069-DIGEST §6.1).
const (
	crUser = "acs-cr"
	crPass = "cr-secret-1"
)

// device is one real agent (agent.New on the sim platform, real tree and
// store in a temporary directory, fake clock) and the scripted ACS it
// talks to.
type device struct {
	t   *testing.T
	acs *acstest.Server
	clk *clock.Fake
	cfg agent.Config
	// wrap, when set, wraps each boot's sim (extra bindings).
	wrap func(*sim.Sim) platform.Platform

	mu      sync.Mutex
	sims    []*sim.Sim // one per boot of this device, latest last
	a       *agent.Agent
	cancel  context.CancelFunc
	done    chan error
	results chan session.Result
}

type deviceOpts struct {
	acs  acstest.Options
	wrap func(*sim.Sim) platform.Platform
}

func newDevice(t *testing.T, o deviceOpts) *device {
	t.Helper()
	clk := clock.NewFake(epoch)
	if o.acs.Now == nil {
		o.acs.Now = clk.Now // records show the agent's time
	}
	acs, err := acstest.Start(o.acs)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(acs.Close)
	cfg := agent.DefaultConfig()
	cfg.Platform = "sim"
	cfg.ACSURL = acs.URL()
	cfg.DataDir = t.TempDir()
	cfg.Serial = "E2E" + strconv.Itoa(os.Getpid()%1000)
	// A fixed port: ConnectionRequestURL (forced active notification)
	// stays the same across restarts, as it does on a router.
	cfg.ConnReqAddr = freeAddr(t)
	cfg.LocalAddr = freeAddr(t)
	d := &device{t: t, acs: acs, clk: clk, cfg: cfg, wrap: o.wrap, results: make(chan session.Result, 100)}
	t.Cleanup(d.stop)
	return d
}

// freeAddr returns a loopback address with a port nobody listens on.
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func testLogger() *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// start builds the agent over the device's data directory and runs it.
func (d *device) start() {
	d.t.Helper()
	a, err := agent.New(d.cfg,
		agent.WithClock(d.clk),
		agent.WithLogger(testLogger()),
		agent.WithSessionObserver(func(r session.Result) { d.results <- r }),
		agent.WithPlatform(func(cfg agent.Config, clk clock.Clock) (platform.Platform, error) {
			s, err := sim.New(sim.Options{DataDir: cfg.DataDir, Clock: clk, Identity: simIdentity(cfg)})
			if err != nil {
				return nil, err
			}
			d.mu.Lock()
			d.sims = append(d.sims, s)
			d.mu.Unlock()
			if d.wrap != nil {
				return d.wrap(s), nil
			}
			return s, nil
		}),
		agent.WithSessionOptions(func(o *session.Options) {
			o.ResponseTimeout = waitLimit
			o.Rand = func() float64 { return 0.5 }
		}),
	)
	if err != nil {
		d.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	d.mu.Lock()
	d.a, d.cancel, d.done = a, cancel, done
	d.mu.Unlock()
}

// simIdentity is what the built-in sim platform would get from cfg.
func simIdentity(cfg agent.Config) model.Identity {
	return model.Identity{
		Manufacturer:    cfg.Manufacturer,
		ManufacturerOUI: cfg.OUI,
		ModelName:       cfg.ModelName,
		ProductClass:    cfg.ProductClass,
		SerialNumber:    cfg.Serial,
		HardwareVersion: cfg.HardwareVersion,
		SoftwareVersion: "1.0.0-e2e",
	}
}

// stop ends Run (as SIGTERM does) and waits for it; Run closes the store.
func (d *device) stop() {
	d.mu.Lock()
	cancel, done := d.cancel, d.done
	d.cancel = nil
	d.mu.Unlock()
	if cancel == nil {
		return
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			d.t.Errorf("Run returned %v after its context ended", err)
		}
	case <-time.After(waitLimit):
		d.t.Fatal("Run did not return after its context ended")
	}
}

// restart stops the agent and starts a new one on the same data
// directory: an agent restart within the same boot.
func (d *device) restart() {
	d.t.Helper()
	d.stop()
	d.start()
}

// boots returns how many times the sim platform was built (one per agent
// start and per in-process reboot).
func (d *device) boots() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.sims)
}

// sim returns the current boot's simulated device.
func (d *device) sim() *sim.Sim {
	d.t.Helper()
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.sims) == 0 {
		d.t.Fatal("no sim yet: the agent has not started")
	}
	return d.sims[len(d.sims)-1]
}

func (d *device) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	d.t.Cleanup(cancel)
	return ctx
}

// inform waits for the next session and its Inform.
func (d *device) inform() (*acstest.Session, *acstest.Exchange, *cwmp.Inform) {
	d.t.Helper()
	s, err := d.acs.NextSession(d.ctx())
	if err != nil {
		d.t.Fatal(err)
	}
	ex, inf, err := s.ExpectInform(d.ctx())
	if err != nil {
		d.t.Fatal(err)
	}
	return s, ex, inf
}

// open answers the Inform ex with InformResponse and waits for the CPE's
// empty POST (it has nothing of its own to send), which stays pending for
// the ACS's requests.
func (d *device) open(s *acstest.Session, ex *acstest.Exchange) {
	d.t.Helper()
	if err := ex.Reply(acstest.InformResponse()); err != nil {
		d.t.Fatal(err)
	}
	if _, err := s.ExpectEmpty(d.ctx()); err != nil {
		d.t.Fatal(err)
	}
}

// call sends req in answer to the pending POST and returns the CPE's
// answer (a response or a fault), which is then pending.
func (d *device) call(s *acstest.Session, req cwmp.Body) *acstest.Exchange {
	d.t.Helper()
	ex := s.Pending()
	if ex == nil {
		d.t.Fatalf("session %d: nothing pending to answer with %s", s.Index(), req.Method())
	}
	ans, err := s.Call(d.ctx(), ex, req)
	if err != nil {
		d.t.Fatal(err)
	}
	return ans
}

// callOK is call expecting the response type T.
func callOK[T cwmp.Body](d *device, s *acstest.Session, req cwmp.Body) T {
	d.t.Helper()
	ans := d.call(s, req)
	if f := ans.Fault(); f != nil {
		d.t.Fatalf("%s answered with fault %d %q", req.Method(), f.FaultCode, f.FaultString)
	}
	b, ok := ans.Envelope.Body.(T)
	if !ok {
		d.t.Fatalf("%s answered with %s", req.Method(), ans.RPC())
	}
	return b
}

// callFault is call expecting a CWMP fault.
func (d *device) callFault(s *acstest.Session, req cwmp.Body) *cwmp.Fault {
	d.t.Helper()
	ans := d.call(s, req)
	f := ans.Fault()
	if f == nil {
		d.t.Fatalf("%s answered with %s, want a fault", req.Method(), ans.RPC())
	}
	return f
}

// end answers the pending POST with 204, ending the session, and waits
// for the agent's view of the session's end.
func (d *device) end(s *acstest.Session) session.Result {
	d.t.Helper()
	ex := s.Pending()
	if ex == nil {
		d.t.Fatalf("session %d: nothing pending to end", s.Index())
	}
	if err := ex.Reply(acstest.Empty()); err != nil {
		d.t.Fatal(err)
	}
	if err := ex.Written(d.ctx()); err != nil {
		d.t.Fatal(err)
	}
	return d.result()
}

// finish plays a well-behaved ACS to the end of s and waits for the
// session's result.
func (d *device) finish(s *acstest.Session, ex *acstest.Exchange) session.Result {
	d.t.Helper()
	if _, err := s.Finish(d.ctx(), ex); err != nil {
		d.t.Fatal(err)
	}
	return d.result()
}

// result waits for the next session result.
func (d *device) result() session.Result {
	d.t.Helper()
	select {
	case r := <-d.results:
		return r
	case <-time.After(waitLimit):
		d.t.Fatal("no session result")
		return session.Result{}
	}
}

// bootstrap starts a factory-fresh agent and runs its first session, in
// which the ACS sets the connection-request credentials (as every ACS
// does), leaving the session open (empty POST pending) for the caller's
// requests.
func (d *device) bootstrap() (*acstest.Session, *cwmp.Inform) {
	d.t.Helper()
	d.start()
	s, ex, inf := d.inform()
	wantEvents(d.t, inf, "0 BOOTSTRAP", "1 BOOT")
	d.open(s, ex)
	resp := callOK[*cwmp.SetParameterValuesResponse](d, s, spv("bootstrap",
		"Device.ManagementServer.ConnectionRequestUsername", crUser,
		"Device.ManagementServer.ConnectionRequestPassword", crPass))
	if resp.Status != 0 {
		d.t.Fatalf("SPV of the connection-request credentials: status %d", resp.Status)
	}
	return s, inf
}

// booted is bootstrap with the first session ended.
func (d *device) booted() {
	d.t.Helper()
	s, _ := d.bootstrap()
	if r := d.end(s); r.Err != nil {
		d.t.Fatalf("bootstrap session failed: %v", r.Err)
	}
}

// connReqURL is the URL the agent publishes (and sent in its Informs).
func (d *device) connReqURL() string {
	d.t.Helper()
	deadline := time.Now().Add(waitLimit)
	for {
		d.mu.Lock()
		a := d.a
		d.mu.Unlock()
		if a != nil {
			if u := a.ConnectionRequestURL(); u != "" {
				return u
			}
		}
		if time.Now().After(deadline) {
			d.t.Fatal("the agent published no connection-request URL")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// connectionRequest sends an authenticated GET to the agent's listener,
// as the ACS does, and returns the status.
func (d *device) connectionRequest(user, pass string) int {
	d.t.Helper()
	return getWithDigest(d.t, d.connReqURL(), user, pass)
}

func getWithDigest(t testing.TB, url, user, pass string) int {
	t.Helper()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c := &http.Client{Timeout: waitLimit, Transport: &digest.Transport{Client: digest.NewClient(user, pass), Base: tr}}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// kick opens a session through a connection request and returns it with
// the empty POST pending.
func (d *device) kick() (*acstest.Session, *cwmp.Inform) {
	d.t.Helper()
	if code := d.connectionRequest(crUser, crPass); code != http.StatusOK {
		d.t.Fatalf("connection request: status %d", code)
	}
	s, ex, inf := d.inform()
	d.open(s, ex)
	return s, inf
}

// noSession checks that no session opens within a short real time.
func (d *device) noSession() {
	d.t.Helper()
	if err := d.acs.ExpectNoSession(context.Background(), 300*time.Millisecond); err != nil {
		d.t.Fatal(err)
	}
}

// localChange is a change made on the device (its web UI), through the
// sim provider.
func (d *device) localChange(path, value string) {
	d.t.Helper()
	if err := d.sim().LocalChange(d.ctx(), path, value); err != nil {
		d.t.Fatal(err)
	}
}

func spv(key string, kv ...string) *cwmp.SetParameterValues {
	req := &cwmp.SetParameterValues{ParameterKey: key}
	for i := 0; i+1 < len(kv); i += 2 {
		req.ParameterList = append(req.ParameterList, cwmp.ParameterValueStruct{Name: kv[i], Value: kv[i+1], Type: "xsd:string"})
	}
	return req
}

func gpv(names ...string) *cwmp.GetParameterValues {
	return &cwmp.GetParameterValues{ParameterNames: names}
}

// values turns a GPV answer into a map.
func values(list []cwmp.ParameterValueStruct) map[string]string {
	m := make(map[string]string, len(list))
	for _, p := range list {
		m[p.Name] = p.Value
	}
	return m
}

// events returns an Inform's events as "code" or "code/key", sorted.
func events(inf *cwmp.Inform) []string {
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

func wantEvents(t testing.TB, inf *cwmp.Inform, want ...string) {
	t.Helper()
	got := events(inf)
	want = slices.Clone(want)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("Inform events %q, want %q", got, want)
	}
}

// rebootParam is bound by withRebootParam: setting it needs a reboot.
const rebootParam = "Device.DeviceInfo.HostName"

// rebootSim is the sim with one parameter whose new value takes effect
// only after a reboot, so SetParameterValues can answer Status 1.
type rebootSim struct{ *sim.Sim }

func (r rebootSim) Register(reg *model.Registry) error {
	if err := r.Sim.Register(reg); err != nil {
		return err
	}
	reg.Param(rebootParam, model.Stored("gateway").RebootRequired())
	return reg.Err()
}

func withRebootParam(s *sim.Sim) platform.Platform { return rebootSim{s} }

// pollInterval is a little over the tree's value-change poll period (the
// agent uses the default).
func (d *device) pollInterval() time.Duration { return model.DefaultPollInterval + time.Second }
