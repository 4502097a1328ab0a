package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// pushACS answers the two push routes as an ACS would while a push to
// three devices progresses: one more answer per progress request.
func pushACS(t *testing.T, final map[string]int) (*httptest.Server, *atomic.Int32) {
	var polls atomic.Int32
	mux := http.NewServeMux()
	counts := func(step int) map[string]int {
		c := map[string]int{"total": 3, "pending": 3}
		order := []string{"applied", "unchanged", "fault"}
		for i := 0; i < step && i < 3; i++ {
			k := order[i]
			if final[k] == 0 {
				k = "applied"
			}
			c[k]++
			c["pending"]--
		}
		if step >= 3 {
			c["pending"] = final["pending"]
		}
		return c
	}
	mux.HandleFunc("POST /api/v1/presets/{name}/push", func(w http.ResponseWriter, r *http.Request) {
		var body struct{ Group string }
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Group != "pilot" || r.PathValue("name") != "wifi" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusAccepted)
		json.NewEncoder(w).Encode(map[string]any{"id": "P1", "preset": "wifi", "group": "pilot", "version": "m:wifi@1-abcdef", "counts": counts(0)})
	})
	mux.HandleFunc("GET /api/v1/pushes/{id}", func(w http.ResponseWriter, r *http.Request) {
		n := int(polls.Add(1))
		json.NewEncoder(w).Encode(map[string]any{"id": "P1", "preset": "wifi", "group": "pilot", "counts": counts(n),
			"deliveries": []map[string]any{{"device": "00D09E-GW-1", "status": "fault", "fault": map[string]any{"code": 9007, "message": "bad"}}}})
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, &polls
}

func runPushCLI(t *testing.T, url string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	getenv := func(k string) string {
		switch k {
		case "GATEWARDEN_URL":
			return url
		case "GATEWARDEN_TOKEN":
			return "tok"
		case "HOME":
			return t.TempDir()
		}
		return ""
	}
	code := run(context.Background(), args, &env{stdout: &out, stderr: &errOut, stdin: strings.NewReader(""), getenv: getenv})
	return code, out.String(), errOut.String()
}

func TestPresetsPushProgress(t *testing.T) {
	srv, polls := pushACS(t, map[string]int{"applied": 1, "unchanged": 1})
	code, out, errOut := runPushCLI(t, srv.URL, "presets", "push", "wifi", "--group", "pilot", "--interval", "100ms")
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) < 4 || !strings.Contains(lines[0], "push P1 of wifi to pilot: 3 devices") {
		t.Fatalf("output:\n%s", out)
	}
	last := lines[len(lines)-1]
	if !strings.HasPrefix(last, "[########################################] 3/3 100%") || !strings.Contains(last, "pending 0") {
		t.Fatalf("last progress line %q", last)
	}
	if polls.Load() != 3 {
		t.Fatalf("%d polls", polls.Load())
	}
}

func TestPresetsPushFaultAndPending(t *testing.T) {
	srv, _ := pushACS(t, map[string]int{"applied": 1, "unchanged": 1, "fault": 1})
	code, out, _ := runPushCLI(t, srv.URL, "presets", "push", "wifi", "--group", "pilot", "--interval", "100ms")
	if code != exitError || !strings.Contains(out, "x") {
		t.Fatalf("a refused push: exit %d\n%s", code, out)
	}
	srv, _ = pushACS(t, map[string]int{"pending": 1})
	code, _, errOut := runPushCLI(t, srv.URL, "presets", "push", "wifi", "--group", "pilot", "--interval", "100ms", "--timeout", "250ms")
	if code != exitPending || !strings.Contains(errOut, "converge at their next Inform") {
		t.Fatalf("a push with devices pending: exit %d, %s", code, errOut)
	}
	if code, _, _ := runPushCLI(t, srv.URL, "presets", "push", "wifi"); code != exitUsage {
		t.Fatalf("no --group: exit %d", code)
	}
	code, out, _ = runPushCLI(t, srv.URL, "push", "show", "P1")
	if code != exitOK || !strings.Contains(out, "9007 bad") {
		t.Fatalf("push show: %d\n%s", code, out)
	}
}
