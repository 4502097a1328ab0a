package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"gatewarden/acs/server"
	"gatewarden/protocol/cwmp"
	"gatewarden/protocol/digest"
)

// TestMain lets the test binary stand in for the testbench binary when
// `run --baseline` starts its baseline server as a child process.
func TestMain(m *testing.M) {
	if os.Getenv("TESTBENCH_TEST_MAIN") == "1" {
		os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
	}
	baselineCommand = func() (*exec.Cmd, error) {
		cmd := exec.Command(os.Args[0], "serve-baseline")
		cmd.Env = append(os.Environ(), "TESTBENCH_TEST_MAIN=1")
		return cmd, nil
	}
	os.Exit(m.Run())
}

func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestVersion(t *testing.T) {
	code, out, _ := runCLI(t, "version")
	if code != 0 || !strings.HasPrefix(out, "testbench ") || strings.Count(out, "\n") != 1 {
		t.Fatalf("exit %d, output %q", code, out)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"stampede"},
		{"run", "periodic", "--devices", "1"},
		{"run", "--acs", "http://127.0.0.1:1/cwmp", "--devices", "1"},
		{"run", "periodic", "extra", "--acs", "http://127.0.0.1:1/cwmp", "--devices", "1"},
		{"run", "periodic", "--acs", "http://127.0.0.1:1/cwmp"},
		{"run", "periodic", "--acs", "http://127.0.0.1:1/cwmp", "--devices", "1", "--concurrency", "0"},
		{"run", "periodic", "--acs", "http://127.0.0.1:1/cwmp", "--devices", "1", "--no-such-flag"},
		{"run", "stampede", "--acs", "http://127.0.0.1:1/cwmp", "--devices", "1"},
	} {
		if code, _, _ := runCLI(t, args...); code != exitUsage {
			t.Errorf("%q: exit %d, want %d", args, code, exitUsage)
		}
	}
}

func TestRemoteTargetRefused(t *testing.T) {
	for _, u := range []string{"http://192.0.2.10:7547/cwmp", "http://acs.example.com/cwmp"} {
		code, _, errs := runCLI(t, "run", "periodic", "--acs", u, "--devices", "10", "--duration", "1s")
		if code != exitUsage || !strings.Contains(errs, "loopback") || !strings.Contains(errs, "--allow-remote") {
			t.Errorf("%s: exit %d, stderr %q", u, code, errs)
		}
	}
}

func TestMissingFleetSecretRefused(t *testing.T) {
	dir := t.TempDir()
	code, _, errs := runCLI(t, "run", "periodic", "--acs", "http://127.0.0.1:1/cwmp", "--devices", "1", "--acs-data", dir)
	if code != exitUsage || !strings.Contains(errs, "fleet secret") {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	if _, err := os.Stat(filepath.Join(dir, fleetSecretFile)); err == nil {
		t.Fatal("the testbench created a fleet secret in the ACS's data directory")
	}
}

// digestACS is a minimal ACS that authenticates devices with the fleet's
// derived passwords, as the real one does.
func digestACS(t *testing.T, secret []byte) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	auth, err := digest.NewServer(digest.Config{
		Realm: "test",
		Lookup: func(_ context.Context, user string) (digest.Credential, bool, error) {
			return digest.Credential{Password: server.CPEPassword(secret, user)}, true, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	var ended atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := auth.Authenticate(r); err != nil {
			auth.Reject(w, r, err)
			return
		}
		body, _ := io.ReadAll(r.Body)
		if len(body) == 0 {
			ended.Add(1)
			w.WriteHeader(http.StatusNoContent)
			return
		}
		env, err := cwmp.Decode(body)
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		b, _ := cwmp.Marshal(&cwmp.Envelope{Header: cwmp.Header{ID: env.Header.ID}, Body: &cwmp.InformResponse{MaxEnvelopes: 1}})
		w.Header().Set("Content-Type", "text/xml")
		w.Write(b)
	}))
	t.Cleanup(srv.Close)
	return srv, &ended
}

func TestRunWithFleetCredentialsAndBaseline(t *testing.T) {
	dir := t.TempDir()
	secret, err := server.LoadFleetSecret(dir)
	if err != nil {
		t.Fatal(err)
	}
	srv, ended := digestACS(t, secret)
	jsonPath := filepath.Join(t.TempDir(), "report.json")
	code, out, errs := runCLI(t, "run", "periodic", "--acs", srv.URL+"/cwmp", "--devices", "20", "--concurrency", "4",
		"--duration", "300ms", "--baseline", "--acs-data", dir, "--json", jsonPath)
	if code != exitOK {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", code, out, errs)
	}
	if !strings.Contains(out, "sessions/s") || !strings.Contains(out, "ratio to baseline") {
		t.Errorf("table:\n%s", out)
	}
	raw, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	var rep map[string]any
	if err := json.Unmarshal(raw, &rep); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"sessions_per_sec", "p50_ms", "p99_ms", "rejected", "errors", "baseline_sessions_per_sec", "ratio"} {
		if _, ok := rep[k].(float64); !ok {
			t.Errorf("%s missing or not a number in %s", k, raw)
		}
	}
	if rep["errors"].(float64) != 0 || rep["sessions"].(float64) != float64(ended.Load()) || ended.Load() == 0 {
		t.Errorf("errors %v, sessions %v, the ACS ended %d", rep["errors"], rep["sessions"], ended.Load())
	}
	if rep["ratio"].(float64) <= 0 || rep["baseline_sessions_per_sec"].(float64) <= 0 {
		t.Errorf("ratio %v baseline %v", rep["ratio"], rep["baseline_sessions_per_sec"])
	}
	// The baseline ran in a process of its own, whose CPU was measured.
	base, _ := rep["baseline"].(map[string]any)
	if cpu, _ := base["server_cpu_us_per_session"].(float64); cpu <= 0 {
		t.Errorf("baseline server cpu %v", base["server_cpu_us_per_session"])
	}
	if acs, _ := base["acs"].(string); acs == srv.URL+"/cwmp" || !strings.HasPrefix(acs, "http://127.0.0.1:") {
		t.Errorf("baseline target %q", acs)
	}
}

func TestServeBaselineEndsWithItsInput(t *testing.T) {
	p, err := startBaselineProcess()
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(p.url, "text/xml", strings.NewReader("<x/>"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "InformResponse") {
		t.Fatalf("status %d body %q", resp.StatusCode, body)
	}
	if _, err := p.stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := http.Post(p.url, "text/xml", strings.NewReader("<x/>")); err == nil {
		t.Fatal("baseline server still serving after stop")
	}
}

func TestBootStormOneSessionEachScenarioAfterFlags(t *testing.T) {
	dir := t.TempDir()
	secret, err := server.LoadFleetSecret(dir)
	if err != nil {
		t.Fatal(err)
	}
	srv, ended := digestACS(t, secret)
	code, out, errs := runCLI(t, "run", "--acs", srv.URL+"/cwmp", "--acs-data", dir, "boot-storm", "--devices", "7", "--json", "-")
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	if ended.Load() != 7 {
		t.Errorf("boot storm of 7 devices ended %d sessions", ended.Load())
	}
	if !strings.Contains(out, `"scenario": "boot-storm"`) {
		t.Errorf("json on stdout:\n%s", out)
	}
}

func TestNoSuccessIsAFailure(t *testing.T) {
	dir := t.TempDir()
	if _, err := server.LoadFleetSecret(dir); err != nil {
		t.Fatal(err)
	}
	srv, _ := digestACS(t, []byte("another fleet's secret, 32 bytes"))
	code, _, errs := runCLI(t, "run", "boot-storm", "--acs", srv.URL+"/cwmp", "--acs-data", dir, "--devices", "2")
	if code != exitFail || !strings.Contains(errs, "no session succeeded") {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
}
