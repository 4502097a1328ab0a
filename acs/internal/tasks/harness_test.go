package tasks

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gatewarden/acs/internal/cpeauth"
	"gatewarden/acs/internal/cwmpserver"
	"gatewarden/acs/internal/cwmpserver/cwmptest"
	"gatewarden/acs/internal/store"
	"gatewarden/protocol/cwmp"
	"gatewarden/protocol/datamodel"
)

var testSecret = []byte("0123456789abcdef0123456789abcdef")

// env is an ACS (CWMP endpoint + runner) on an in-memory store, behind a
// stable URL, so a test can "restart" it: a new node on the same store
// replaces the old one, which is dropped without any cleanup, as after
// kill -9.
type env struct {
	t     *testing.T
	store *cwmptest.MemStore
	ts    *httptest.Server
	cur   atomic.Pointer[node]
	// clock offset of the store (lease expiry) and the runner (backoff).
	offset atomic.Int64
	rec    Reconciler
	mod    func(*Config)

	mu    sync.Mutex
	nodes []*node
}

type node struct {
	srv    *cwmpserver.Server
	runner *Runner
}

func (e *env) now() time.Time { return time.Now().Add(time.Duration(e.offset.Load())) }

// advance moves the store's and runner's clocks forward.
func (e *env) advance(d time.Duration) { e.offset.Add(int64(d)) }

func newEnv(t *testing.T, rec Reconciler, mod func(*Config)) *env {
	e := &env{t: t, store: cwmptest.NewMemStore(), rec: rec, mod: mod}
	e.store.Now = e.now
	e.ts = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.cur.Load().srv.ServeHTTP(w, r)
	}))
	e.restart()
	t.Cleanup(func() {
		e.ts.Close()
		e.mu.Lock()
		defer e.mu.Unlock()
		for _, n := range e.nodes {
			n.srv.Close()
		}
	})
	return e
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// restart replaces the running node by a fresh one on the same store. The
// old node's sessions are simply forgotten, its leases left to expire.
func (e *env) restart() *node {
	cfg := Config{Store: e.store, Reconciler: e.rec, Logger: quiet(), Now: e.now, RetryBase: time.Minute, PollInterval: 20 * time.Millisecond}
	if e.mod != nil {
		e.mod(&cfg)
	}
	r, err := New(cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	srv, err := cwmpserver.New(cwmpserver.Config{
		Store:              e.store,
		Work:               r,
		FleetSecret:        testSecret,
		Logger:             quiet(),
		SessionIdleTimeout: time.Hour, // a crashed node's sweeper must not run in the test
		LeaseWait:          -1,
	})
	if err != nil {
		e.t.Fatal(err)
	}
	n := &node{srv: srv, runner: r}
	e.mu.Lock()
	e.nodes = append(e.nodes, n)
	e.mu.Unlock()
	e.cur.Store(n)
	return n
}

// crash drops the current node as kill -9 would and starts a new one once
// the old node's leases have expired.
func (e *env) crash() *node {
	n := e.restart()
	e.advance(3 * time.Hour)
	return n
}

func (e *env) runner() *Runner { return e.cur.Load().runner }

func testDeviceID(serial string) cwmp.DeviceIdStruct {
	return cwmp.DeviceIdStruct{Manufacturer: "Gatewarden", OUI: "00D09E", ProductClass: "GW-1", SerialNumber: serial}
}

func devIDOf(d *cwmptest.SimDevice) string {
	id := d.DeviceId
	return datamodel.DeviceID{OUI: id.OUI, ProductClass: id.ProductClass, SerialNumber: id.SerialNumber}.String()
}

// device returns a simulated device that has had its first session
// (connection-request credentials set), so later sessions carry tasks only.
func (e *env) device(serial, root string) *cwmptest.SimDevice {
	e.t.Helper()
	d := cwmptest.NewSimDevice(e.ts.URL, testDeviceID(serial), serial, cpeauth.Password(testSecret, serial), root)
	d.Set(root+"ManagementServer.PeriodicInformEnable", "1", "boolean")
	d.Set(root+"IP.Interface.1.Enable", "1", "boolean")
	d.Set(root+"IP.Interface.1.Name", "wan", "string")
	e.t.Cleanup(d.Transport.CloseIdleConnections)
	e.session(d)
	return d
}

func (e *env) session(d *cwmptest.SimDevice) {
	e.t.Helper()
	if err := d.RunSession(context.Background()); err != nil {
		e.t.Fatalf("session of %s: %v", d.DeviceId.SerialNumber, err)
	}
}

// addTask queues a task as the API does.
func (e *env) addTask(d *cwmptest.SimDevice, typ string, priority int, payload any) store.Task {
	e.t.Helper()
	raw, err := json.Marshal(payload)
	if err != nil {
		e.t.Fatal(err)
	}
	t := &store.Task{Device: devIDOf(d), Type: typ, Priority: priority, Payload: raw, Actor: "test"}
	if err := e.store.AddTask(context.Background(), t); err != nil {
		e.t.Fatal(err)
	}
	return *t
}

func (e *env) task(id string) store.Task {
	e.t.Helper()
	t, err := e.store.Task(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return t
}

func (e *env) expectStatus(id, status string) store.Task {
	e.t.Helper()
	t := e.task(id)
	if t.Status != status {
		e.t.Fatalf("task %s (%s) is %s (fault %+v, result %s), want %s", id, t.Type, t.Status, t.Fault, t.Result, status)
	}
	return t
}

func (e *env) param(d *cwmptest.SimDevice, name string) (store.Param, bool) {
	ps, err := e.store.Params(context.Background(), devIDOf(d), name)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, p := range ps {
		if p.Name == name {
			return p, true
		}
	}
	return store.Param{}, false
}

// count returns how many of the device's received requests have method m.
func count(d *cwmptest.SimDevice, m string) int {
	n := 0
	for _, got := range d.ReceivedMethods() {
		if got == m {
			n++
		}
	}
	return n
}

func resultOf[T any](t *testing.T, task store.Task) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(task.Result, &v); err != nil {
		t.Fatalf("result %s: %v", task.Result, err)
	}
	return v
}
