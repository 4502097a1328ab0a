package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
)

// TestSupportDiagnosticsEndToEnd: support staff run each TR-143
// diagnostic from the REST API on a sim agent; the ACS wakes the device,
// sets the request, the agent runs the real probe after the session and
// reports 8 DIAGNOSTICS COMPLETE, and the ACS reads the results into the
// task, all within `wait`; the results are archived under the ticket.
func TestSupportDiagnosticsEndToEnd(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("the agent's ICMP probes need root here (CI runs as root)")
	}
	acs := startACS(t)
	admin := acs.api(t, "admin")
	support := acs.api(t, "support")
	devs := startDevices(t, acs.cwmp, acs.secret, "DIAG", 1)
	waitProvisioned(t, admin, devs)
	d := devs[0]

	speed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut {
			// Take the whole body, as an upload server does: answering
			// first makes net/http close the connection under the
			// agent's write, and the upload fails or not by timing.
			io.Copy(io.Discard, r.Body)
			w.WriteHeader(http.StatusNoContent)
			return
		}
		w.Write(make([]byte, 2<<20))
	}))
	defer speed.Close()

	run := func(body map[string]any) (taskView, time.Duration) {
		t.Helper()
		start := time.Now()
		var tv taskView
		status := support.do("POST", devicePath(d.ID)+"/diagnostics?wait=60s", body, &tv, http.StatusOK)
		if status != http.StatusOK || tv.Status != "done" {
			t.Fatalf("%v: HTTP %d, task %+v %s", body, status, tv, tv.Result)
		}
		return tv, time.Since(start)
	}
	type result struct {
		Kind, State string
		Ping        *struct{ Success, Failure uint64 }
		Hops        []struct{ Address string }
		Speed       *struct {
			Bytes          uint64
			ThroughputKbps float64
		}
		Values []struct{ Name, Value string }
	}
	decode := func(tv taskView) result {
		var r result
		if err := json.Unmarshal(tv.Result, &r); err != nil {
			t.Fatalf("result %s: %v", tv.Result, err)
		}
		return r
	}

	tv, took := run(map[string]any{"kind": "ping", "host": "127.0.0.1", "count": 2, "ticket": "T-E2E"})
	r := decode(tv)
	if r.State != "Complete" || r.Ping == nil || r.Ping.Success != 2 || r.Ping.Failure != 0 {
		t.Fatalf("ping: %s", tv.Result)
	}
	t.Logf("ping: API call to result in %v", took)

	tv, _ = run(map[string]any{"kind": "traceroute", "host": "127.0.0.1", "ticket": "T-E2E"})
	if r := decode(tv); r.State != "Complete" || len(r.Hops) != 1 || r.Hops[0].Address != "127.0.0.1" {
		t.Fatalf("traceroute: %s", tv.Result)
	}
	tv, _ = run(map[string]any{"kind": "download", "url": speed.URL + "/2MB", "ticket": "T-E2E"})
	if r := decode(tv); r.State != "Complete" || r.Speed == nil || r.Speed.Bytes != 2<<20 || r.Speed.ThroughputKbps <= 0 {
		t.Fatalf("download: %s", tv.Result)
	}
	tv, _ = run(map[string]any{"kind": "upload", "url": speed.URL + "/up", "size": 300000, "ticket": "T-E2E"})
	if r := decode(tv); r.State != "Complete" || r.Speed == nil || r.Speed.Bytes != 300000 {
		t.Fatalf("upload: %s", tv.Result)
	}
	// A host nobody can resolve ends in the state TR-143 names, not a fault.
	tv, _ = run(map[string]any{"kind": "ping", "host": "::1", "count": 1})
	if r := decode(tv); r.State != "Complete" && !strings.HasPrefix(r.State, "Error_") {
		t.Fatalf("ping ::1: %s", tv.Result)
	}

	var ticket struct {
		Ticket  string
		Entries []struct {
			Kind string
			Task *taskView
		}
	}
	support.do("GET", "/api/v1/tickets/T-E2E", nil, &ticket, http.StatusOK)
	if len(ticket.Entries) != 4 || ticket.Entries[0].Kind != "ping" || ticket.Entries[3].Kind != "upload" ||
		ticket.Entries[0].Task == nil || ticket.Entries[0].Task.Status != "done" {
		t.Fatalf("ticket: %+v", ticket)
	}
}
