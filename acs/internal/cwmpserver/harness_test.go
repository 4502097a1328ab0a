package cwmpserver

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"gatewarden/acs/internal/cpeauth"
	"gatewarden/acs/internal/cwmpserver/cwmptest"
	"gatewarden/protocol/cwmp"
	"gatewarden/protocol/datamodel"
)

var testSecret = []byte("0123456789abcdef0123456789abcdef")

// fakeWork hands out a scripted list of RPCs and records what it is told.
type fakeWork struct {
	mu       sync.Mutex
	queue    []cwmp.Body
	answers  []cwmp.Body // resp per Done call (nil entries: lost)
	reports  []cwmp.Body
	starts   int
	startErr error
	nextErr  error
	// startGate, when set, blocks Start until it is closed.
	startGate chan struct{}
}

func (f *fakeWork) push(rpcs ...cwmp.Body) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queue = append(f.queue, rpcs...)
}

func (f *fakeWork) Start(ctx context.Context, s *Session) error {
	f.mu.Lock()
	gate := f.startGate
	f.starts++
	err := f.startErr
	f.mu.Unlock()
	if gate != nil {
		<-gate
	}
	return err
}

func (f *fakeWork) Next(ctx context.Context, s *Session) (cwmp.Body, any, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.nextErr != nil {
		return nil, nil, f.nextErr
	}
	if len(f.queue) == 0 {
		return nil, nil, nil
	}
	rpc := f.queue[0]
	f.queue = f.queue[1:]
	return rpc, rpc.Method(), nil
}

func (f *fakeWork) Done(ctx context.Context, s *Session, ticket any, resp cwmp.Body) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.answers = append(f.answers, resp)
	return nil
}

func (f *fakeWork) Report(ctx context.Context, s *Session, req cwmp.Body) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reports = append(f.reports, req)
	return nil
}

func (f *fakeWork) snapshot() (answers, reports []cwmp.Body) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]cwmp.Body(nil), f.answers...), append([]cwmp.Body(nil), f.reports...)
}

type harness struct {
	t     *testing.T
	store *cwmptest.MemStore
	work  *fakeWork
	srv   *Server
	ts    *httptest.Server
	obs   *countingObserver
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newHarness(t *testing.T, mod func(*Config), httpMods ...func(*http.Server)) *harness {
	t.Helper()
	h := &harness{t: t, store: cwmptest.NewMemStore(), work: &fakeWork{}, obs: newCountingObserver()}
	cfg := Config{
		Store:         h.store,
		Work:          h.work,
		FleetSecret:   testSecret,
		Logger:        quietLogger(),
		Observer:      h.obs,
		RetryAfterMin: 5 * time.Second,
		RetryAfterMax: 35 * time.Second,
	}
	if mod != nil {
		mod(&cfg)
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h.srv = srv
	h.ts = httptest.NewUnstartedServer(srv)
	ConfigureHTTPServer(h.ts.Config)
	for _, m := range httpMods {
		m(h.ts.Config)
	}
	h.ts.Start()
	t.Cleanup(func() {
		h.ts.Close()
		srv.Close()
	})
	return h
}

// with returns the harness reporting to t (a subtest's).
func (h *harness) with(t *testing.T) *harness {
	c := *h
	c.t = t
	return &c
}

func testDeviceID(serial string) cwmp.DeviceIdStruct {
	return cwmp.DeviceIdStruct{Manufacturer: "Gatewarden", OUI: "00D09E", ProductClass: "GW-1", SerialNumber: serial}
}

func devIDOf(id cwmp.DeviceIdStruct) string {
	return datamodel.DeviceID{OUI: id.OUI, ProductClass: id.ProductClass, SerialNumber: id.SerialNumber}.String()
}

func tr181Params(paramKey string) []cwmp.ParameterValueStruct {
	return []cwmp.ParameterValueStruct{
		{Name: "Device.RootDataModelVersion", Value: "2.17", Type: "string"},
		{Name: "Device.DeviceInfo.HardwareVersion", Value: "hw1", Type: "string"},
		{Name: "Device.DeviceInfo.SoftwareVersion", Value: "2.1.0", Type: "string"},
		{Name: "Device.DeviceInfo.ProvisioningCode", Value: "", Type: "string"},
		{Name: "Device.ManagementServer.ParameterKey", Value: paramKey, Type: "string"},
		{Name: "Device.ManagementServer.ConnectionRequestURL", Value: "http://192.0.2.1:7547/cr", Type: "string"},
		{Name: "Device.ManagementServer.AliasBasedAddressing", Value: "0", Type: "boolean"},
	}
}

// cpe returns a scripted CPE with correct credentials for serial.
func (h *harness) cpe(serial string) *cwmptest.CPE {
	c := cwmptest.NewCPE(h.ts.URL+"/cwmp", testDeviceID(serial), serial, cpeauth.Password(testSecret, serial))
	c.Params = tr181Params("")
	h.t.Cleanup(c.Transport.CloseIdleConnections)
	return c
}

// provision marks the device as set up, so sessions carry only the
// Work's requests.
func (h *harness) provision(c *cwmptest.CPE) {
	h.t.Helper()
	ctx := context.Background()
	r := h.must(c.Send(ctx, c.Inform(cwmp.EventStruct{EventCode: cwmp.EventBootstrap})))
	h.expectMethod(r, "InformResponse")
	r = h.must(c.SendEmpty(ctx))
	h.expectMethod(r, "SetParameterValues")
	r = h.must(c.Answer(ctx, r, &cwmp.SetParameterValuesResponse{}))
	h.expectStatus(r, http.StatusNoContent)
	c.EndSession()
}

func (h *harness) must(r *cwmptest.Reply, err error) *cwmptest.Reply {
	h.t.Helper()
	if err != nil {
		h.t.Fatal(err)
	}
	return r
}

func (h *harness) expectMethod(r *cwmptest.Reply, method string) {
	h.t.Helper()
	if r.Status != http.StatusOK || r.Method() != method {
		h.t.Fatalf("want 200 %s, got %d %q (decode error %v): %.300s", method, r.Status, r.Method(), r.DecodeErr, r.Body)
	}
}

func (h *harness) expectStatus(r *cwmptest.Reply, status int) {
	h.t.Helper()
	if r.Status != status {
		h.t.Fatalf("want status %d, got %d: %.300s", status, r.Status, r.Body)
	}
}

func (h *harness) expectFault(r *cwmptest.Reply, code cwmp.FaultCode) {
	h.t.Helper()
	f := r.Fault()
	if f == nil || f.FaultCode != code {
		h.t.Fatalf("want fault %d, got %d %q: %.300s", code, r.Status, r.Method(), r.Body)
	}
}

// idleSession runs Inform, empty POST, 204 and fails the test otherwise.
func (h *harness) idleSession(c *cwmptest.CPE) {
	h.t.Helper()
	ctx := context.Background()
	r := h.must(c.Send(ctx, c.Inform(cwmp.EventStruct{EventCode: cwmp.EventPeriodic})))
	h.expectMethod(r, "InformResponse")
	r = h.must(c.SendEmpty(ctx))
	h.expectStatus(r, http.StatusNoContent)
	c.EndSession()
}

func (h *harness) expectLeaseFree(devID string) {
	h.t.Helper()
	if holder := h.store.LeaseHolder(devID); holder != "" {
		h.t.Fatalf("lease of %s still held by %s", devID, holder)
	}
}

// eventually polls cond for up to 5 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// countingObserver counts events for assertions.
type countingObserver struct {
	mu       sync.Mutex
	ended    map[string]int
	rejected map[string]int
	rpcs     map[string]int
	faults   map[cwmp.FaultCode]int
	started  int
}

func newCountingObserver() *countingObserver {
	return &countingObserver{ended: map[string]int{}, rejected: map[string]int{}, rpcs: map[string]int{}, faults: map[cwmp.FaultCode]int{}}
}

func (o *countingObserver) SessionStarted() { o.mu.Lock(); o.started++; o.mu.Unlock() }
func (o *countingObserver) SessionEnded(outcome string, _ time.Duration) {
	o.mu.Lock()
	o.ended[outcome]++
	o.mu.Unlock()
}
func (o *countingObserver) RPCSent(m string)             { o.mu.Lock(); o.rpcs[m]++; o.mu.Unlock() }
func (o *countingObserver) CPERequest(string)            {}
func (o *countingObserver) FaultSent(c cwmp.FaultCode)   { o.mu.Lock(); o.faults[c]++; o.mu.Unlock() }
func (o *countingObserver) FaultReceived(cwmp.FaultCode) {}
func (o *countingObserver) Rejected(reason string, _ int) {
	o.mu.Lock()
	o.rejected[reason]++
	o.mu.Unlock()
}

func (o *countingObserver) endedCount(outcome string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.ended[outcome]
}

func (o *countingObserver) rejectedCount(reason string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.rejected[reason]
}

// repoRoot walks up from the test's directory to the folder holding go.mod.
func repoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test directory")
		}
		dir = parent
	}
}

var errInjected = errors.New("injected failure")
