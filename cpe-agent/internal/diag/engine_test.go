package diag

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"gatewarden/cpe-agent/internal/model"
	"gatewarden/cpe-agent/internal/store"
	"gatewarden/protocol/cwmp"
)

// rig is a tree with the diagnostics bound, as the agent builds it.
type rig struct {
	e         *Engine
	tree      *model.Tree
	completes atomic.Int32
}

func newRig(t *testing.T, opts Options) *rig {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "state.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	g := &rig{}
	opts.Complete = func(context.Context) error { g.completes.Add(1); return nil }
	opts.Limits.PingInterval = 10 * time.Millisecond
	g.e = New(opts)
	t.Cleanup(g.e.Close)
	r := model.NewRegistry()
	model.BindManagementServer(r, model.ManagementDefaults{URL: "http://127.0.0.1:1/cwmp"})
	g.e.Bind(r)
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	g.tree, err = model.New(context.Background(), r, model.Options{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.tree.Close() })
	return g
}

func (g *rig) spv(t *testing.T, kv ...string) error {
	t.Helper()
	var list []cwmp.ParameterValueStruct
	for i := 0; i < len(kv); i += 2 {
		list = append(list, cwmp.ParameterValueStruct{Name: prefix + kv[i], Value: kv[i+1]})
	}
	_, err := g.tree.SetParameterValues(context.Background(), list, "k")
	return err
}

func (g *rig) get(t *testing.T, name string) string {
	t.Helper()
	v, err := g.tree.GetParameterValues(context.Background(), []string{prefix + name})
	if err != nil || len(v) != 1 {
		t.Fatalf("GPV %s: %v, %v", name, v, err)
	}
	return v[0].Value
}

func (g *rig) finish(t *testing.T) {
	t.Helper()
	g.e.SessionEnded()
	g.e.Wait()
}

func TestRequestedPingRunsAfterTheSession(t *testing.T) {
	requireICMP(t, false)
	g := newRig(t, Options{})
	if got := g.get(t, "IPPing.DiagnosticsState"); got != StateNone {
		t.Fatalf("initial state %s", got)
	}
	if got := g.get(t, "IPPing.SuccessCount"); got != "0" {
		t.Fatalf("initial SuccessCount %q", got)
	}
	// "Requested" first, the inputs after it, in one SPV.
	if err := g.spv(t, "IPPing.DiagnosticsState", "Requested", "IPPing.Host", "127.0.0.1", "IPPing.NumberOfRepetitions", "3"); err != nil {
		t.Fatal(err)
	}
	if got := g.get(t, "IPPing.DiagnosticsState"); got != StateRequested {
		t.Fatalf("state during the session: %s", got)
	}
	if g.completes.Load() != 0 {
		t.Fatal("completed before the session ended")
	}
	g.finish(t)
	if got := g.get(t, "IPPing.DiagnosticsState"); got != StateComplete {
		t.Fatalf("state after the run: %s", got)
	}
	if g.get(t, "IPPing.SuccessCount") != "3" || g.get(t, "IPPing.FailureCount") != "0" {
		t.Fatalf("counts %s/%s", g.get(t, "IPPing.SuccessCount"), g.get(t, "IPPing.FailureCount"))
	}
	if g.get(t, "IPPing.IPAddressUsed") != "127.0.0.1" {
		t.Fatalf("IPAddressUsed %s", g.get(t, "IPPing.IPAddressUsed"))
	}
	avg, _ := strconv.Atoi(g.get(t, "IPPing.AverageResponseTimeDetailed"))
	if avg <= 0 {
		t.Fatalf("AverageResponseTimeDetailed %d", avg)
	}
	if g.completes.Load() != 1 {
		t.Fatalf("%d completions raised", g.completes.Load())
	}
	// Changing an input afterwards resets the state and the results.
	if err := g.spv(t, "IPPing.Timeout", "500"); err != nil {
		t.Fatal(err)
	}
	if g.get(t, "IPPing.DiagnosticsState") != StateNone || g.get(t, "IPPing.SuccessCount") != "0" {
		t.Fatal("an input change kept the old results")
	}
}

func TestOnlyRequestedIsWritable(t *testing.T) {
	g := newRig(t, Options{})
	for _, v := range []string{"Complete", "None", "Error_Internal"} {
		err := g.spv(t, "IPPing.DiagnosticsState", v)
		var f *cwmp.Fault
		if !errors.As(err, &f) || len(f.SetParameterValuesFault) != 1 {
			t.Fatalf("writing %s: %v", v, err)
		}
		if f.SetParameterValuesFault[0].FaultCode != cwmp.FaultInvalidParameterValue {
			t.Fatalf("writing %s: fault %+v", v, f.SetParameterValuesFault)
		}
	}
	// Interface needs a platform that can map it.
	if err := g.spv(t, "TraceRoute.Interface", "Device.IP.Interface.1"); err == nil {
		t.Fatal("an Interface the platform cannot honour was accepted")
	}
}

func TestFailedSPVLeavesNothingRequested(t *testing.T) {
	g := newRig(t, Options{})
	// The bad DSCP makes the whole SPV fail; the Requested in it must not
	// survive the rollback.
	if err := g.spv(t, "IPPing.Host", "127.0.0.1", "IPPing.DiagnosticsState", "Requested", "IPPing.DSCP", "64"); err == nil {
		t.Fatal("DSCP 64 accepted")
	}
	if got := g.get(t, "IPPing.DiagnosticsState"); got != StateNone {
		t.Fatalf("state after a failed SPV: %s", got)
	}
	g.finish(t)
	if g.completes.Load() != 0 || g.get(t, "IPPing.DiagnosticsState") != StateNone {
		t.Fatal("a rolled-back request ran")
	}
}

func TestDownloadDiagnosticsThroughTheTree(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut {
			io.Copy(io.Discard, r.Body)
			return
		}
		w.Write(make([]byte, 200000))
	}))
	defer srv.Close()
	g := newRig(t, Options{})
	if err := g.spv(t, "DownloadDiagnostics.DownloadURL", srv.URL+"/f", "DownloadDiagnostics.DiagnosticsState", "Requested",
		"UploadDiagnostics.UploadURL", srv.URL+"/u", "UploadDiagnostics.TestFileLength", "123456", "UploadDiagnostics.DiagnosticsState", "Requested"); err != nil {
		t.Fatal(err)
	}
	g.finish(t)
	if g.get(t, "DownloadDiagnostics.DiagnosticsState") != StateComplete || g.get(t, "DownloadDiagnostics.TestBytesReceived") != "200000" {
		t.Fatalf("download: %s, %s bytes", g.get(t, "DownloadDiagnostics.DiagnosticsState"), g.get(t, "DownloadDiagnostics.TestBytesReceived"))
	}
	if g.get(t, "UploadDiagnostics.DiagnosticsState") != StateComplete || g.get(t, "UploadDiagnostics.TestBytesSent") != "123456" {
		t.Fatalf("upload: %s, %s bytes", g.get(t, "UploadDiagnostics.DiagnosticsState"), g.get(t, "UploadDiagnostics.TestBytesSent"))
	}
	rom, err := time.Parse(time.RFC3339Nano, g.get(t, "DownloadDiagnostics.ROMTime"))
	if err != nil || time.Since(rom) > time.Minute {
		t.Fatalf("ROMTime %q: %v", g.get(t, "DownloadDiagnostics.ROMTime"), err)
	}
	if g.get(t, "DownloadDiagnostics.DownloadTransports") != "HTTP" {
		t.Fatal("transports")
	}
	if g.completes.Load() != 2 {
		t.Fatalf("%d completions for two tests", g.completes.Load())
	}
}

func TestInputChangeAbortsARunningTest(t *testing.T) {
	started := make(chan struct{}, 1)
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("x"))
		w.(http.Flusher).Flush()
		started <- struct{}{}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	g := newRig(t, Options{})
	if err := g.spv(t, "DownloadDiagnostics.DownloadURL", srv.URL, "DownloadDiagnostics.DiagnosticsState", "Requested"); err != nil {
		t.Fatal(err)
	}
	g.e.SessionEnded()
	<-started
	if err := g.spv(t, "DownloadDiagnostics.DSCP", "10"); err != nil {
		t.Fatal(err)
	}
	g.e.Wait()
	if got := g.get(t, "DownloadDiagnostics.DiagnosticsState"); got != StateNone {
		t.Fatalf("state after an aborting input change: %s", got)
	}
	if g.completes.Load() != 0 {
		t.Fatal("an aborted test raised DIAGNOSTICS COMPLETE")
	}
}

func TestTestsAreBoundedInTime(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("x"))
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	defer srv.Close()
	g := newRig(t, Options{Limits: Limits{MaxDuration: 200 * time.Millisecond}})
	if err := g.spv(t, "DownloadDiagnostics.DownloadURL", srv.URL, "DownloadDiagnostics.DiagnosticsState", "Requested"); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	g.finish(t)
	if got := g.get(t, "DownloadDiagnostics.DiagnosticsState"); got != stateTimeout {
		t.Fatalf("state %s", got)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("bounded test took %v", d)
	}
	if g.completes.Load() != 1 {
		t.Fatal("a failed test must still raise DIAGNOSTICS COMPLETE")
	}
}
