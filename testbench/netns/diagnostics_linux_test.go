//go:build linux

package netns

import (
	"encoding/json"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"gatewarden/protocol/datamodel"
)

// TestDiagnosticsThroughTheChain is issue 8's acceptance 1: every TR-143
// diagnostic, asked for through the REST API, run by the real agent
// binary in a client namespace across two routers, gives the right
// answer, and the ticket lists them all. The network:
//
//	root 10.X.9.1 ── 10.X.9.2 cli                    (ACS ⇄ agent: CWMP, connection requests)
//	cli 10.X.1.2 ── 10.X.1.1 r1 10.X.2.1 ── 10.X.2.2 r2 10.X.3.1 ── 10.X.3.2 far
//
// with the diagnostics' test server in far. cli routes everything but
// the uplink through r1, so a probe that reached far crossed both
// routers.
func TestDiagnosticsThroughTheChain(t *testing.T) {
	t.Parallel()
	l := newLab(t)
	cli, r1, r2, far := l.ns("cli"), l.ns("r1"), l.ns("r2"), l.ns("far")
	l.link(cli, 2, r1, 1, 1)
	l.link(r1, 1, r2, 2, 2)
	l.link(r2, 1, far, 2, 3)
	l.route(cli, "default", "via", l.addr(1, 1))
	l.route(r1, l.addr(3, 0)+"/24", "via", l.addr(2, 2))
	l.route(r2, "default", "via", l.addr(2, 1))
	l.route(far, "default", "via", l.addr(3, 1))
	l.forwarding(r1)
	l.forwarding(r2)
	rootIP, cliUplink := l.uplink(cli)

	target, client := l.addr(3, 2), l.addr(1, 2)
	speed := startSpeedServer(t, far, target+":8000")
	acs := startACS(t, rootIP)

	serial := "NETNS" + strings.ToUpper(l.tag)
	dataDir, err := os.MkdirTemp("", "gwnt-agent-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dataDir) })
	startAgent(t, cli, dataDir,
		"--acs-url", acs.cwmp, "--serial", serial,
		"--acs-username", serial, "--acs-password", acs.cpePassword(serial),
		"--connreq-addr", cliUplink+":0")
	id := datamodel.DeviceID{OUI: agentOUI, ProductClass: agentProductClass, SerialNumber: serial}.String()
	waitProvisioned(t, acs.admin, id, 60*time.Second)

	ticket := "T-NS-" + l.tag
	var tasks []string
	run := func(t *testing.T, body map[string]any) diagResult {
		t.Helper()
		body["ticket"] = ticket
		start := time.Now()
		var tv taskView
		acs.support.in(t).do("POST", devicePath(id)+"/diagnostics?wait=60s", body, &tv, http.StatusOK)
		if tv.Status != "done" {
			t.Fatalf("%v: task %s: %+v %s", body, tv.Status, tv.Fault, tv.Result)
		}
		var r diagResult
		if err := json.Unmarshal(tv.Result, &r); err != nil {
			t.Fatalf("%v: result %s: %v", body, tv.Result, err)
		}
		what := body["host"]
		if what == nil {
			what = body["url"]
		}
		t.Logf("%s %v: %s from the API call to the result", body["kind"], what, time.Since(start).Round(time.Millisecond))
		tasks = append(tasks, tv.ID)
		return r
	}

	t.Run("ping through two routers", func(t *testing.T) {
		r := run(t, map[string]any{"kind": "ping", "host": target, "count": 3})
		if r.State != "Complete" || r.Ping == nil || r.Ping.Success != 3 || r.Ping.Failure != 0 {
			t.Fatalf("%+v %+v", r, r.Ping)
		}
		if got := r.value("IPAddressUsed"); got != client {
			t.Errorf("IPAddressUsed %q, want the client's chain address %s", got, client)
		}
		if r.Ping.MinMs > r.Ping.AverageMs || r.Ping.AverageMs > r.Ping.MaxMs {
			t.Errorf("response times out of order: %+v", r.Ping)
		}
	})
	t.Run("ping a silent address", func(t *testing.T) {
		// Nobody holds 10.X.3.9: r2's neighbour lookup fails, every echo
		// is lost, and the test still completes with the failures counted.
		r := run(t, map[string]any{"kind": "ping", "host": l.addr(3, 9), "count": 2, "timeout": 300})
		if r.State != "Complete" || r.Ping == nil || r.Ping.Success != 0 || r.Ping.Failure != 2 {
			t.Fatalf("%+v %+v", r, r.Ping)
		}
	})
	t.Run("traceroute across the chain", func(t *testing.T) {
		r := run(t, map[string]any{"kind": "traceroute", "host": target, "timeout": 2000})
		want := []string{l.addr(1, 1), l.addr(2, 2), target}
		if r.State != "Complete" || len(r.Hops) != len(want) {
			t.Fatalf("state %s, hops %+v, want %v", r.State, r.Hops, want)
		}
		for i, h := range r.Hops {
			if h.Address != want[i] {
				t.Errorf("hop %d: %s, want %s", i+1, h.Address, want[i])
			}
			// Three tries by default, each answered.
			if rtts := strings.Split(h.RTTms, ","); len(rtts) != 3 {
				t.Errorf("hop %d: round trips %q, want three", i+1, h.RTTms)
			}
		}
		if n := r.value("RouteHopsNumberOfEntries"); n != "3" {
			t.Errorf("RouteHopsNumberOfEntries %q, want 3", n)
		}
	})
	t.Run("download from the far namespace", func(t *testing.T) {
		const size = 3<<20 + 1234
		r := run(t, map[string]any{"kind": "download", "url": speed.base + "/bytes/" + strconv.Itoa(size)})
		if r.State != "Complete" || r.Speed == nil || r.Speed.Bytes != size {
			t.Fatalf("%+v %+v", r, r.Speed)
		}
		if got := r.value("TestBytesReceived"); got != strconv.Itoa(size) {
			t.Errorf("TestBytesReceived %s, want %d", got, size)
		}
		// TR-143 counts the headers and the handshake at the IP level too.
		if total, _ := strconv.ParseUint(r.value("TotalBytesReceived"), 10, 64); total <= size {
			t.Errorf("TotalBytesReceived %d, want more than the body's %d", total, size)
		}
		if r.Speed.ThroughputKbps <= 0 || r.value("IPAddressUsed") != client {
			t.Errorf("throughput %v kbit/s, IPAddressUsed %q", r.Speed.ThroughputKbps, r.value("IPAddressUsed"))
		}
		assertServed(t, speed, http.MethodGet, client, size)
	})
	t.Run("upload to the far namespace", func(t *testing.T) {
		const size = 700001
		r := run(t, map[string]any{"kind": "upload", "url": speed.base + "/up", "size": size})
		if r.State != "Complete" || r.Speed == nil || r.Speed.Bytes != size {
			t.Fatalf("%+v %+v", r, r.Speed)
		}
		if got := r.value("TestBytesSent"); got != strconv.Itoa(size) {
			t.Errorf("TestBytesSent %s, want %d", got, size)
		}
		if total, _ := strconv.ParseUint(r.value("TotalBytesSent"), 10, 64); total <= size {
			t.Errorf("TotalBytesSent %d, want more than the body's %d", total, size)
		}
		assertServed(t, speed, http.MethodPut, client, size)
	})

	t.Run("the ticket lists them", func(t *testing.T) {
		var tk struct {
			Ticket  string
			Entries []struct {
				Device, Kind, Actor string
				Task                *taskView
			}
		}
		acs.support.in(t).do("GET", "/api/v1/tickets/"+ticket, nil, &tk, http.StatusOK)
		kinds := []string{"ping", "ping", "traceroute", "download", "upload"}
		if tk.Ticket != ticket || len(tk.Entries) != len(tasks) || len(tasks) != len(kinds) {
			t.Fatalf("ticket %s: %d entries for %d diagnostics run: %+v", tk.Ticket, len(tk.Entries), len(tasks), tk)
		}
		for i, e := range tk.Entries {
			if e.Kind != kinds[i] || e.Device != id || e.Task == nil || e.Task.ID != tasks[i] || e.Task.Status != "done" {
				t.Errorf("entry %d: %+v %+v, want %s, task %s done", i, e, e.Task, kinds[i], tasks[i])
			}
		}
	})
}

// assertServed checks that the test server saw exactly one request of
// method, from the client's address, that moved size bytes.
func assertServed(t *testing.T, s *speedServer, method, client string, size int64) {
	t.Helper()
	var got []speedCall
	for _, c := range s.log() {
		if c.Method == method {
			got = append(got, c)
		}
	}
	if len(got) != 1 {
		t.Fatalf("%d %s requests at the test server, want 1: %+v", len(got), method, got)
	}
	c := got[0]
	if c.Remote != client || c.Sent+c.Received != size {
		t.Errorf("server saw %+v, want %d bytes from %s", c, size, client)
	}
}

// taskView is the API's task.
type taskView struct {
	ID     string          `json:"id"`
	Status string          `json:"status"`
	Result json.RawMessage `json:"result"`
	Fault  *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"fault"`
}

// diagResult is a finished diagnostic's result (ARCHITECTURE.md).
type diagResult struct {
	Kind  string `json:"kind"`
	State string `json:"state"`
	Ping  *struct {
		Success, Failure        uint64
		AverageMs, MinMs, MaxMs uint64
	} `json:"ping"`
	Hops []struct {
		Host    string `json:"host"`
		Address string `json:"address"`
		RTTms   string `json:"rttMs"`
	} `json:"hops"`
	Speed *struct {
		Bytes          uint64  `json:"bytes"`
		Seconds        float64 `json:"seconds"`
		ThroughputKbps float64 `json:"throughputKbps"`
	} `json:"speed"`
	Values []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"values"`
}

// value is the reported parameter whose name ends in "."+name.
func (r diagResult) value(name string) string {
	for _, v := range r.Values {
		if strings.HasSuffix(v.Name, "."+name) {
			return v.Value
		}
	}
	return ""
}

// waitProvisioned waits until the ACS knows the device and has given it
// connection-request credentials, i.e. its first session is over.
func waitProvisioned(t *testing.T, admin *apiClient, id string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		var d struct {
			ConnectionRequestURL string `json:"connectionRequestURL"`
			ConnReqUsername      string `json:"connReqUsername"`
			ConnReqPassword      string `json:"connReqPassword"`
		}
		if admin.do("GET", devicePath(id), nil, &d, http.StatusOK, http.StatusNotFound) == http.StatusOK &&
			d.ConnReqUsername != "" && d.ConnReqPassword != "" && d.ConnectionRequestURL != "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not provisioned within %s", id, within)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
