package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// campaignAPI plays the ACS for the firmware commands: a campaign that
// moves one step each time it is read, and an upload endpoint.
type campaignAPI struct {
	t      *testing.T
	mu     sync.Mutex
	steps  []map[string]any
	reads  int
	upload []byte
	ctype  string
	posted map[string]any
}

func wave(n int, pct float64, size, pend, act, ok, failed int) map[string]any {
	return map[string]any{"wave": n, "percent": pct, "size": size, "pending": pend, "active": act, "succeeded": ok, "failed": failed, "skipped": 0}
}

func campaignJSON(state string, cur int, haltReason string, waves ...map[string]any) map[string]any {
	tot := map[string]int{}
	for _, w := range waves {
		for _, k := range []string{"size", "pending", "active", "succeeded", "failed", "skipped"} {
			tot[k] += w[k].(int)
		}
	}
	return map[string]any{"id": "c1", "name": "spring", "file": "fw-2.0", "state": state, "wave": cur, "haltReason": haltReason,
		"waves": waves, "totals": tot, "maxConcurrent": 20, "failureThreshold": 10, "deviceTimeout": "24h0m0s",
		"windows": []string{}, "location": "UTC", "created": "2026-05-01T12:00:00Z", "finished": nil}
}

func (a *campaignAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if r.Header.Get("Authorization") != "Bearer tok" {
		w.WriteHeader(401)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.Method == "GET" && r.URL.Path == "/api/v1/campaigns/c1":
		step := a.steps[min(a.reads, len(a.steps)-1)]
		a.reads++
		_ = json.NewEncoder(w).Encode(step)
	case r.Method == "POST" && r.URL.Path == "/api/v1/campaigns":
		_ = json.NewDecoder(r.Body).Decode(&a.posted)
		w.WriteHeader(201)
		_ = json.NewEncoder(w).Encode(a.steps[0])
	case r.Method == "POST" && r.URL.Path == "/api/v1/campaigns/c1/pause":
		_ = json.NewEncoder(w).Encode(campaignJSON("paused", 1, ""))
	case r.Method == "POST" && r.URL.Path == "/api/v1/files":
		a.upload, _ = io.ReadAll(r.Body)
		a.ctype = r.Header.Get("Content-Type")
		if !bytes.HasPrefix(a.upload, []byte("GWFW")) {
			w.WriteHeader(422)
			_, _ = w.Write([]byte(`{"error":"package rejected: bad magic","code":"package_rejected"}`))
			return
		}
		w.WriteHeader(201)
		_, _ = w.Write([]byte(`{"name":"` + r.URL.Query().Get("name") + `","version":"2.0","boards":["gw-1"],"size":4,"key":"abcd"}`))
	case r.Method == "GET" && r.URL.Path == "/api/v1/files":
		_, _ = w.Write([]byte(`{"files":[{"name":"fw-2.0","version":"2.0","boards":["gw-1","gw-2"],"size":3145728,"uploaded":"2026-05-01T12:00:00Z","uploadedBy":"ops"}]}`))
	default:
		w.WriteHeader(404)
		_, _ = w.Write([]byte(`{"error":"no such route","code":"not_found"}`))
	}
}

func runAgainst(t *testing.T, h http.Handler, args ...string) (int, string, string) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	var out, errOut bytes.Buffer
	home := t.TempDir()
	getenv := func(k string) string {
		switch k {
		case "GATEWARDEN_URL":
			return srv.URL
		case "GATEWARDEN_TOKEN":
			return "tok"
		case "HOME":
			return home
		}
		return ""
	}
	code := run(context.Background(), args, &env{stdout: &out, stderr: &errOut, stdin: strings.NewReader(""), getenv: getenv})
	return code, out.String(), errOut.String()
}

func haltingSteps() []map[string]any {
	return []map[string]any{
		campaignJSON("running", 1, "", wave(1, 1, 2, 0, 2, 0, 0), wave(2, 10, 18, 18, 0, 0, 0)),
		campaignJSON("running", 1, "", wave(1, 1, 2, 0, 2, 0, 0), wave(2, 10, 18, 18, 0, 0, 0)), // unchanged: no new line
		campaignJSON("running", 2, "", wave(1, 1, 2, 0, 0, 2, 0), wave(2, 10, 18, 8, 10, 0, 0)),
		campaignJSON("halted", 2, "wave 2: 2 of 18 devices failed", wave(1, 1, 2, 0, 0, 2, 0), wave(2, 10, 18, 8, 8, 0, 2)),
	}
}

func TestCampaignWatchDrawsProgress(t *testing.T) {
	api := &campaignAPI{t: t, steps: haltingSteps()}
	code, out, errOut := runAgainst(t, api, "campaign", "watch", "c1", "--interval", "100ms")
	if code != exitError || !strings.Contains(errOut, "campaign c1 halted") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 {
		t.Fatalf("want one line per change (3), got %d:\n%s", len(lines), out)
	}
	mustContain(t, lines[0], "[", "] 0/20", "wave 1/2", "running", "active 2")
	mustContain(t, lines[1], "2/20", "ok 2", "wave 2/2")
	mustContain(t, lines[2], "failed 2", "halted", "wave 2: 2 of 18 devices failed", "x")
	if !strings.HasPrefix(lines[1], "[###") {
		t.Errorf("the bar does not show the succeeded devices: %q", lines[1])
	}
}

func TestCampaignWatchJSONAndCompleted(t *testing.T) {
	done := campaignJSON("completed", 2, "", wave(1, 50, 1, 0, 0, 1, 0), wave(2, 100, 1, 0, 0, 1, 0))
	api := &campaignAPI{t: t, steps: []map[string]any{campaignJSON("running", 1, "", wave(1, 50, 1, 0, 1, 0, 0), wave(2, 100, 1, 1, 0, 0, 0)), done}}
	code, out, errOut := runAgainst(t, api, "--json", "campaign", "watch", "c1", "--interval", "100ms")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 JSON lines:\n%s", out)
	}
	var last map[string]any
	if err := json.Unmarshal([]byte(lines[1]), &last); err != nil || last["state"] != "completed" {
		t.Fatalf("last line %q: %v", lines[1], err)
	}
}

func TestCampaignShowCreatePause(t *testing.T) {
	api := &campaignAPI{t: t, steps: haltingSteps()[2:]}
	code, out, errOut := runAgainst(t, api, "campaign", "show", "c1")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	mustContain(t, out, "Campaign: c1 (spring)", "State:    running", "20 at once", "WAVE", "2 *", "10%", "18")
	code, out, errOut = runAgainst(t, api, "campaign", "create", "--file", "fw-2.0", "--waves", "1%,10%,100%",
		"--filter", `productClass = "GW"`, "--max-concurrent", "20", "--windows", "22:00-05:00", "--failure-threshold", "5%", "--device-timeout", "6h")
	if code != 0 || !strings.Contains(out, "campaign c1 created") {
		t.Fatalf("create: %d %q %q", code, out, errOut)
	}
	want := map[string]any{"file": "fw-2.0", "filter": `productClass = "GW"`, "maxConcurrent": 20.0, "failureThreshold": 5.0, "deviceTimeout": "6h"}
	for k, v := range want {
		if api.posted[k] != v {
			t.Errorf("posted %s = %v, want %v", k, api.posted[k], v)
		}
	}
	if w, _ := json.Marshal(api.posted["waves"]); string(w) != "[1,10,100]" {
		t.Errorf("posted waves %s", w)
	}
	if code, _, errOut := runAgainst(t, api, "campaign", "create", "--waves", "1%"); code != exitUsage {
		t.Errorf("create without --file: %d %s", code, errOut)
	}
	if code, _, errOut := runAgainst(t, api, "campaign", "create", "--file", "f", "--waves", "ten"); code != exitUsage {
		t.Errorf("bad waves: %d %s", code, errOut)
	}
	code, out, _ = runAgainst(t, api, "campaign", "pause", "c1")
	if code != 0 || strings.TrimSpace(out) != "campaign c1 is paused" {
		t.Fatalf("pause: %d %q", code, out)
	}
}

func TestFilesUploadAndList(t *testing.T) {
	api := &campaignAPI{t: t}
	pkg := filepath.Join(t.TempDir(), "fw.gwfw")
	if err := os.WriteFile(pkg, []byte("GWFW"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runAgainst(t, api, "files", "upload", pkg, "--name", "fw-x")
	if code != 0 {
		t.Fatalf("upload: %d %s", code, errOut)
	}
	mustContain(t, out, "uploaded fw-x: version 2.0 for gw-1", "signed by key abcd")
	if string(api.upload) != "GWFW" || api.ctype != "application/octet-stream" {
		t.Fatalf("server got %q as %q", api.upload, api.ctype)
	}
	if err := os.WriteFile(pkg, []byte("junk"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = runAgainst(t, api, "files", "upload", pkg)
	if code != exitError || !strings.Contains(errOut, "422: package rejected") {
		t.Fatalf("rejected upload: %d %q", code, errOut)
	}
	code, out, _ = runAgainst(t, api, "files", "list")
	if code != 0 {
		t.Fatal(code)
	}
	mustContain(t, out, "NAME", "fw-2.0", "gw-1,gw-2", "3.0 MiB", "ops")
}

func TestParsePercents(t *testing.T) {
	got, err := parsePercents("1%, 10%,50,100%")
	if err != nil || len(got) != 4 || got[0] != 1 || got[2] != 50 {
		t.Fatalf("%v %v", got, err)
	}
	for _, bad := range []string{"", "%", "1%,,2", "abc"} {
		if _, err := parsePercents(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// FuzzParsePercents: no panic; every accepted list has one number per
// comma-separated part.
func FuzzParsePercents(f *testing.F) {
	for _, s := range []string{"1%,10%,50%,100%", "0.5", "100", "1e3%", "NaN", ",", "%%"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parsePercents(s)
		if err == nil && len(got) != strings.Count(s, ",")+1 {
			t.Fatalf("%q gave %v", s, got)
		}
	})
}
