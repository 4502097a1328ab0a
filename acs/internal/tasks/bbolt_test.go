package tasks

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"gatewarden/acs/internal/cpeauth"
	"gatewarden/acs/internal/cwmpserver"
	"gatewarden/acs/internal/cwmpserver/cwmptest"
	"gatewarden/acs/internal/store"
	"gatewarden/acs/internal/store/bbolt"
	"gatewarden/protocol/cwmp"
)

// TestExactlyOnceBBoltRestart is acceptance 3 on the real store: the ACS
// process dies (its bbolt file closed without any session cleanup, then
// reopened by a new process) between sending an AddObject and recording
// the answer, which the device applied. After the restart the task is done
// with the instance number found again, and the device has exactly one new
// instance. A second task queued before the crash runs once after it.
func TestExactlyOnceBBoltRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "acs.db")
	var cur atomic.Pointer[cwmpserver.Server]
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { cur.Load().ServeHTTP(w, r) }))
	defer ts.Close()

	start := func() (*bbolt.Store, *cwmpserver.Server) {
		st, err := bbolt.Open(path, bbolt.Options{})
		if err != nil {
			t.Fatal(err)
		}
		r, err := New(Config{Store: st, Logger: quiet()})
		if err != nil {
			t.Fatal(err)
		}
		srv, err := cwmpserver.New(cwmpserver.Config{Store: st, Work: r, FleetSecret: testSecret, Logger: quiet(), SessionIdleTimeout: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		cur.Store(srv)
		return st, srv
	}
	st, crashed := start()
	defer crashed.Close() // only after the test: a dead process cleans nothing up
	ctx := context.Background()
	d := cwmptest.NewSimDevice(ts.URL, testDeviceID("SN-BOLT"), "SN-BOLT", cpeauth.Password(testSecret, "SN-BOLT"), "Device.")
	defer d.Transport.CloseIdleConnections()
	d.Set("Device.IP.Interface.1.Enable", "1", "boolean")
	if err := d.RunSession(ctx); err != nil {
		t.Fatal(err)
	}
	add := &store.Task{Device: devIDOf(d), Type: TypeAddObject, Priority: store.PriorityOperator, Payload: json.RawMessage(`{"object":"Device.IP.Interface."}`)}
	later := &store.Task{Device: devIDOf(d), Type: TypeSetParameterValues, Priority: store.PriorityCampaign,
		Payload: json.RawMessage(`{"values":[{"name":"Device.ManagementServer.PeriodicInformInterval","value":"86400"}]}`)}
	for _, tk := range []*store.Task{add, later} {
		if err := st.AddTask(ctx, tk); err != nil {
			t.Fatal(err)
		}
	}
	d.Intercept = func(req cwmp.Body) (cwmp.Body, bool, bool) {
		return nil, false, req.Method() == "AddObject" // applied, then the ACS is gone
	}
	if err := d.RunSession(ctx); !errors.Is(err, cwmptest.ErrDropped) {
		t.Fatalf("session: %v", err)
	}
	d.Intercept = nil

	// kill -9: the process, its sessions and its in-memory leases vanish;
	// only what the store made durable remains.
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	st, srv := start()
	defer st.Close()
	defer srv.Close()
	if err := d.RunSession(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := st.Task(ctx, add.ID)
	if err != nil || got.Status != store.StatusDone {
		t.Fatalf("addObject after restart: %+v %v", got, err)
	}
	var res addResult
	json.Unmarshal(got.Result, &res)
	if res.InstanceNumber != 2 || !res.Recovered {
		t.Errorf("result %+v, want instance 2, recovered", res)
	}
	if n := instances(d, "Device.IP.Interface."); n != 2 || appliedCount(d, "AddObject") != 1 {
		t.Errorf("device has %d instances after %d AddObjects, want 2 after 1", n, appliedCount(d, "AddObject"))
	}
	got, _ = st.Task(ctx, later.ID)
	if got.Status != store.StatusDone || appliedCount(d, "SetParameterValues") != 2 { // credentials + this
		t.Errorf("the task queued behind it: %s, %v", got.Status, d.ReceivedMethods())
	}
}
