package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"testing"
	"time"

	"gatewarden/acs/server"
)

// benchFigures is the part of `testbench run --json` a benchmark reports.
type benchFigures struct {
	Sessions               int64            `json:"sessions"`
	SessionsPerSec         float64          `json:"sessions_per_sec"`
	P50Ms                  float64          `json:"p50_ms"`
	P99Ms                  float64          `json:"p99_ms"`
	Rejected               int64            `json:"rejected"`
	Errors                 int64            `json:"errors"`
	ErrorKinds             map[string]int64 `json:"error_kinds"`
	ACSRequests            int64            `json:"acs_requests"`
	AuthChallenges         int64            `json:"auth_challenges"`
	ReuseNonce             bool             `json:"reuse_nonce"`
	BaselineSessionsPerSec *float64         `json:"baseline_sessions_per_sec"`
	Ratio                  *float64         `json:"ratio"`
	Baseline               *struct {
		ServerCPUUsPerSession float64 `json:"server_cpu_us_per_session"`
	} `json:"baseline"`
}

// benchEnv reads a knob of the benchmarks from the environment.
func benchEnv(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// runTestbench runs `testbench run periodic` against cwmpURL and returns
// its JSON figures.
func runTestbench(b *testing.B, bin, cwmpURL, dataDir string, args ...string) benchFigures {
	b.Helper()
	out := filepath.Join(b.TempDir(), "run.json")
	all := append([]string{"run", "periodic", "--acs", cwmpURL, "--acs-data", dataDir, "--json", out}, args...)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, all...)
	table, err := cmd.CombinedOutput()
	if err != nil {
		b.Fatalf("testbench %s: %v\n%s", strings.Join(all, " "), err, table)
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		b.Fatal(err)
	}
	var f benchFigures
	if err := json.Unmarshal(raw, &f); err != nil {
		b.Fatalf("testbench JSON: %v: %s", err, raw)
	}
	b.Logf("testbench %s\n%s", strings.Join(args, " "), table)
	return f
}

// idlePeriodic is acceptance item 6's measurement against the ACS at
// cwmpURL (data in dataDir): first every identity has its first session
// (device record, connection-request credentials), so that the measured
// run is the steady state, idle periodic sessions (Inform, empty POST,
// 204) with Digest on and durable writes, beside the bare net/http
// baseline of the same run.
//
// With profile set, a CPU profile of this process covers the measured run
// only (E2E_BENCH_CPUPROFILE with the in-process benchmark).
//
// By default every session takes a fresh Digest challenge (401, then the
// Inform again): TR-069 §3.4.4 asks for a new nonce and cnonce for each
// new TCP connection, and every session is one, so that is the figure of
// record. E2E_BENCH_REUSE_NONCE=1 runs the measured part with
// `--reuse-nonce` instead, each device answering its last nonce
// pre-emptively as CPEs that cache one do (the ACS accepts that, RFC 7616
// nonce counts guarding against replay; each device's first session in
// the run still takes a challenge). The challenges/session metric tells
// the two apart in a report.
func idlePeriodic(b *testing.B, cwmpURL, dataDir string, pid int, profile string) {
	tb := buildBinary(b, "testbench/cmd/testbench")
	devices := benchEnv("E2E_BENCH_DEVICES", "10000")
	duration := benchEnv("E2E_BENCH_DURATION", "10s")
	conc := benchEnv("E2E_BENCH_CONCURRENCY", "64")
	warm := runTestbench(b, tb, cwmpURL, dataDir, "--devices", devices, "--concurrency", conc, "--duration", "0")
	if n, _ := strconv.ParseInt(devices, 10, 64); warm.Sessions != n {
		b.Fatalf("warm-up: %d of %s first sessions succeeded (rejected %d, errors %d %v)",
			warm.Sessions, devices, warm.Rejected, warm.Errors, warm.ErrorKinds)
	}
	if profile != "" {
		pf, err := os.Create(profile)
		if err != nil {
			b.Fatal(err)
		}
		if err := pprof.StartCPUProfile(pf); err != nil {
			b.Fatalf("%v (E2E_BENCH_CPUPROFILE and -cpuprofile exclude each other)", err)
		}
		defer func() {
			pprof.StopCPUProfile()
			pf.Close()
		}()
	}
	b.ResetTimer()
	var f benchFigures
	var cpu time.Duration
	for i := 0; i < b.N; i++ {
		// The ACS's CPU is read around the run against it only: the
		// baseline part of the testbench run comes after it and leaves
		// the ACS idle.
		args := []string{"--devices", devices, "--concurrency", conc, "--duration", duration, "--baseline"}
		if benchEnv("E2E_BENCH_REUSE_NONCE", "") == "1" {
			args = append(args, "--reuse-nonce")
		}
		before := cpuTime(pid)
		f = runTestbench(b, tb, cwmpURL, dataDir, args...)
		cpu = cpuTime(pid) - before
	}
	b.StopTimer()
	b.ReportMetric(warm.SessionsPerSec, "first-sessions/s")
	if n := f.Sessions + f.Rejected + f.Errors; n > 0 && cpu > 0 {
		b.ReportMetric(float64(cpu.Microseconds())/float64(n), "acs-cpu-µs/session")
	}
	if f.ACSRequests != 0 {
		b.Errorf("the ACS sent %d requests in idle sessions; idle means Inform, empty POST, 204", f.ACSRequests)
	}
	if f.Sessions > 0 {
		b.ReportMetric(float64(f.AuthChallenges)/float64(f.Sessions), "challenges/session")
	}
	if f.Baseline != nil && f.Baseline.ServerCPUUsPerSession > 0 {
		b.ReportMetric(f.Baseline.ServerCPUUsPerSession, "baseline-cpu-µs/session")
	}
	b.ReportMetric(f.SessionsPerSec, "sessions/s")
	b.ReportMetric(f.P50Ms, "p50-ms")
	b.ReportMetric(f.P99Ms, "p99-ms")
	b.ReportMetric(float64(f.Rejected), "rejected")
	b.ReportMetric(float64(f.Errors), "errors")
	if f.BaselineSessionsPerSec != nil && f.Ratio != nil {
		b.ReportMetric(*f.BaselineSessionsPerSec, "baseline-sessions/s")
		b.ReportMetric(*f.Ratio, "ratio")
	}
	if kb := peakRSS(pid); kb > 0 {
		b.ReportMetric(float64(kb)/1024, "acs-peak-rss-MiB")
	}
}

// cpuTime is the user and system CPU time the process used so far (0
// when /proc cannot tell).
func cpuTime(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name (field 2) may hold spaces; the rest follows ")".
	_, rest, ok := strings.Cut(string(b), ") ")
	fields := strings.Fields(rest)
	if !ok || len(fields) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	const clockTicks = 100 // USER_HZ on Linux
	return time.Duration(utime+stime) * time.Second / clockTicks
}

// BenchmarkACSIdlePeriodic measures `bin/acs serve` (a separate process,
// bbolt store, Digest on) with `testbench run periodic --devices 10000
// --concurrency 64 --duration 10s --baseline`: sessions/s, p50/p99,
// rejections, errors, the ratio to the bare net/http baseline and the
// ACS's peak RSS (VmHWM). E2E_BENCH_DEVICES, E2E_BENCH_DURATION and
// E2E_BENCH_CONCURRENCY change the run, E2E_BENCH_REUSE_NONCE=1 the
// client's Digest mode (see idlePeriodic).
func BenchmarkACSIdlePeriodic(b *testing.B) {
	bin := buildBinary(b, "acs/cmd/acs")
	dir := b.TempDir()
	p := startACSProcess(b, bin, dir, "--log-level", "warn")
	idlePeriodic(b, p.cwmp, dir, p.pid(), "")
}

// BenchmarkACSIdlePeriodicInProcess is the same measurement with the ACS
// inside the test binary, so a profile covers the ACS alone (the load
// comes from the testbench process): E2E_BENCH_CPUPROFILE=FILE profiles
// the measured run only, `go test -cpuprofile` the warm-up too.
func BenchmarkACSIdlePeriodicInProcess(b *testing.B) {
	dir := b.TempDir()
	srv, err := server.New(server.Config{DataDir: dir, CWMPAddr: "127.0.0.1:0", APIAddr: "127.0.0.1:0", FilesAddr: "127.0.0.1:0", Logger: testLogger()})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- srv.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-errc; err != nil {
			b.Error(err)
		}
	}()
	select {
	case <-srv.Ready():
	case err := <-errc:
		b.Fatal(fmt.Errorf("ACS did not start: %w", err))
	}
	idlePeriodic(b, srv.CWMPURL(), dir, os.Getpid(), os.Getenv("E2E_BENCH_CPUPROFILE"))
}
