package agent_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"gatewarden/cpe-agent/internal/acstest"
	"gatewarden/cross-build/matrix"
	"gatewarden/protocol/cwmp"
	"gatewarden/protocol/digest"
)

// The benchmarks run the real binary as a child process, as on a router,
// and read its figures from /proc. They run in `make bench` only: the
// 1,000 idle sessions are paced by the connection-request rate limit
// (50 per 5 s), so they take about two minutes.

// envBenchSessions overrides the number of idle sessions.
const envBenchSessions = "GATEWARDEN_BENCH_SESSIONS"

// buildAgent builds cmd/cpe-agent into dir as it ships to routers
// (cross-build/matrix): static, trimmed, stripped.
func buildAgent(tb testing.TB, dir string) string {
	tb.Helper()
	bin := filepath.Join(dir, "cpe-agent")
	// Built as cross-build/matrix builds releases (same tags and flags),
	// so the figures are those of what ships.
	args := append([]string{"build"}, matrix.AgentBuildFlags("")...)
	cmd := exec.Command("go", append(args, "-o", bin, "gatewarden/cpe-agent/cmd/cpe-agent")...)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		tb.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// benchAgent is the binary running one simulated device.
type benchAgent struct {
	cmd  *exec.Cmd
	done chan struct{}
	logs *strings.Builder
	mu   sync.Mutex
}

func startBinary(tb testing.TB, bin string, args ...string) *benchAgent {
	tb.Helper()
	a := &benchAgent{cmd: exec.Command(bin, args...), done: make(chan struct{}), logs: &strings.Builder{}}
	a.cmd.Stderr = lockedWriter{&a.mu, a.logs}
	if err := a.cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	go func() { a.cmd.Wait(); close(a.done) }()
	tb.Cleanup(func() {
		a.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-a.done:
		case <-time.After(waitLimit):
			a.cmd.Process.Kill()
			<-a.done
		}
	})
	return a
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (a *benchAgent) log() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.logs.String()
}

// procStatus returns a /proc/PID/status field in kB (VmRSS, VmHWM).
func procStatus(pid int, field string) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", field, pid)
}

// procCPU returns utime+stime of a process, from /proc/PID/stat.
func procCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces; fields count from ')'.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0, errors.New("short /proc stat line")
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	// USER_HZ is 100 in the Linux ABI /proc reports in.
	return time.Duration(utime+stime) * 10 * time.Millisecond, nil
}

// BenchmarkIdleSessions drives the binary through 1,000 idle sessions
// (connection request, Inform, InformResponse, empty POST, 204) and
// reports its resident memory afterwards (VmRSS, and the peak VmHWM;
// RssAnon and RssFile split VmRSS), again after idleSettle without
// sessions (idle-*), and the CPU time (user+system) per session,
// connection-request handling included. The goal on amd64 is at most 12 MB.
// GOFLAGS reaches the build of the binary (GOFLAGS=-tags=... measures a
// build with tags).
func BenchmarkIdleSessions(b *testing.B) {
	if testing.Short() {
		b.Skip("long benchmark")
	}
	sessions := 1000
	if v := os.Getenv(envBenchSessions); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			b.Fatalf("%s=%q", envBenchSessions, v)
		}
		sessions = n
	}
	bin := buildAgent(b, b.TempDir())
	for range b.N {
		m, cpu, elapsed := idleSessions(b, bin, sessions)
		b.ReportMetric(float64(m["VmRSS"]), "RSS-kB")
		b.ReportMetric(float64(m["VmHWM"]), "HWM-kB")
		b.ReportMetric(float64(m["RssAnon"]), "anon-kB")
		b.ReportMetric(float64(m["RssFile"]), "file-kB")
		b.ReportMetric(float64(cpu.Microseconds())/float64(sessions), "cpu-µs/session")
		b.ReportMetric(float64(sessions), "sessions")
		b.ReportMetric(float64(m["idleVmRSS"]), "idle-RSS-kB")
		b.ReportMetric(float64(m["idleRssAnon"]), "idle-anon-kB")
		b.ReportMetric(float64(m["idleRssFile"]), "idle-file-kB")
		b.Logf("%d idle sessions in %v: VmRSS %d kB (anon %d, file %d, startup %d), VmHWM %d kB, CPU %v (%v per session); binary %d bytes",
			sessions, elapsed.Round(time.Second), m["VmRSS"], m["RssAnon"], m["RssFile"], m["startRSS"], m["VmHWM"], cpu,
			cpu/time.Duration(sessions), m["binary"])
		b.Logf("idle %v later: VmRSS %d kB (anon %d, file %d), %d µs of CPU meanwhile",
			idleSettle, m["idleVmRSS"], m["idleRssAnon"], m["idleRssFile"], m["idleCPUµs"])
	}
}

// idleSessions returns the /proc/PID/status figures after the sessions
// (kB; startRSS is VmRSS after the bootstrap session, binary the file's
// size in bytes), the CPU time they took and the wall time.
func idleSessions(b *testing.B, bin string, sessions int) (m map[string]int64, cpu, elapsed time.Duration) {
	acs, err := acstest.Start(acstest.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer acs.Close()
	a := startBinary(b, bin, "run", "--platform", "sim", "--acs-url", acs.URL(), "--data", b.TempDir(),
		"--serial", "BENCH1", "--connreq-addr", freeAddr(b), "--log-level", "warn")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()

	s, err := acs.NextSession(ctx)
	if err != nil {
		b.Fatal(err)
	}
	ex, inf, err := s.ExpectInform(ctx)
	if err != nil {
		b.Fatal(err)
	}
	crURL := values(inf.ParameterList)["Device.ManagementServer.ConnectionRequestURL"]
	ex.Reply(acstest.InformResponse())
	empty, err := s.ExpectEmpty(ctx)
	if err != nil {
		b.Fatal(err)
	}
	if _, _, err := acstest.CallFor[*cwmp.SetParameterValuesResponse](ctx, s, empty, spv("bench",
		"Device.ManagementServer.ConnectionRequestUsername", crUser,
		"Device.ManagementServer.ConnectionRequestPassword", crPass)); err != nil {
		b.Fatal(err)
	}
	if _, err := s.Finish(ctx, s.Pending()); err != nil {
		b.Fatal(err)
	}

	pid := a.cmd.Process.Pid
	cpu0, err := procCPU(pid)
	if err != nil {
		b.Fatal(err)
	}
	m = map[string]int64{}
	if m["startRSS"], err = procStatus(pid, "VmRSS"); err != nil {
		b.Fatal(err)
	}
	if fi, err := os.Stat(bin); err == nil {
		m["binary"] = fi.Size()
	}
	// One digest client for all requests: after the first challenge it
	// answers pre-emptively, one GET per connection request.
	cr := &http.Client{Timeout: waitLimit, Transport: &digest.Transport{Client: digest.NewClient(crUser, crPass)}}
	start := time.Now()
	for i := 0; i < sessions; {
		resp, err := cr.Get(crURL)
		if err != nil {
			b.Fatalf("connection request %d: %v\n%s", i, err, a.log())
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusServiceUnavailable {
			time.Sleep(50 * time.Millisecond) // the rate limit
			continue
		}
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("connection request %d: status %d", i, resp.StatusCode)
		}
		s, err := acs.NextSession(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.Finish(ctx, nil); err != nil {
			b.Fatal(err)
		}
		i++
	}
	elapsed = time.Since(start)
	// The agent logs nothing at warn for a good session; wait for it to
	// be idle again (its last session's end) before reading.
	time.Sleep(200 * time.Millisecond)
	cpu1, err := procCPU(pid)
	if err != nil {
		b.Fatal(err)
	}
	for _, field := range []string{"VmRSS", "VmHWM", "RssAnon", "RssFile"} {
		if m[field], err = procStatus(pid, field); err != nil {
			b.Fatal(err)
		}
	}
	// And once the agent has been idle for a while, as it is between
	// periodic Informs (cmd/cpe-agent returns freed memory to the kernel
	// a second after a burst of sessions), with the CPU that took.
	time.Sleep(idleSettle)
	for _, field := range []string{"VmRSS", "RssAnon", "RssFile"} {
		if m["idle"+field], err = procStatus(pid, field); err != nil {
			b.Fatal(err)
		}
	}
	cpu2, err := procCPU(pid)
	if err != nil {
		b.Fatal(err)
	}
	m["idleCPUµs"] = (cpu2 - cpu1).Microseconds()
	return m, cpu1 - cpu0, elapsed
}

// idleSettle is how long BenchmarkIdleSessions waits after the last session
// before its idle reading.
const idleSettle = 3 * time.Second

// BenchmarkPeriodicInformBytes measures a periodic session on the wire,
// through a byte-counting proxy between the binary and the scripted ACS:
// the Inform POST (request line, headers and body), its body alone, and
// the whole session in each direction.
func BenchmarkPeriodicInformBytes(b *testing.B) {
	bin := buildAgent(b, b.TempDir())
	for range b.N {
		m := periodicBytes(b, bin, 3)
		b.ReportMetric(float64(m.informWire), "inform-wire-B")
		b.ReportMetric(float64(m.informBody), "inform-body-B")
		b.ReportMetric(float64(m.up), "session-up-B")
		b.ReportMetric(float64(m.down), "session-down-B")
		b.Logf("periodic Inform: %d bytes on the wire (%d of SOAP body); whole session %d bytes up, %d down",
			m.informWire, m.informBody, m.up, m.down)
	}
}

type wireFigures struct{ informWire, informBody, up, down int64 }

func periodicBytes(b *testing.B, bin string, n int) wireFigures {
	acs, err := acstest.Start(acstest.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer acs.Close()
	px := startProxy(b, strings.TrimPrefix(strings.TrimSuffix(acs.URL(), "/cwmp"), "http://"))
	conf := filepath.Join(b.TempDir(), "gatewarden")
	os.WriteFile(conf, []byte("config agent 'main'\n\toption periodic_inform_interval '1'\n"), 0o600)
	startBinary(b, bin, "run", "--config", conf, "--platform", "sim", "--acs-url", "http://"+px.addr+"/cwmp",
		"--data", b.TempDir(), "--serial", "BENCH2", "--connreq-addr", freeAddr(b), "--log-level", "warn")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	var f wireFigures
	for got := 0; got < n; {
		s, err := acs.NextSession(ctx)
		if err != nil {
			b.Fatal(err)
		}
		ex, inf, err := s.ExpectInform(ctx)
		if err != nil {
			b.Fatal(err)
		}
		periodicOnly := len(inf.Event) == 1 && inf.Event[0].EventCode == cwmp.EventPeriodic
		if _, err := s.Finish(ctx, ex); err != nil {
			b.Fatal(err)
		}
		conn := px.waitClosed(ctx, b)
		if !periodicOnly {
			continue // the bootstrap session
		}
		got++
		f.informBody += int64(len(ex.Body))
		f.informWire += conn.requests[0]
		f.up += conn.up
		f.down += conn.down
	}
	return wireFigures{f.informWire / int64(n), f.informBody / int64(n), f.up / int64(n), f.down / int64(n)}
}

// proxy forwards TCP connections to target and counts bytes, and the
// size of each HTTP request sent upstream.
type proxy struct {
	addr   string
	closed chan connFigures
}

type connFigures struct {
	up, down int64
	requests []int64 // wire size of each request, in order
}

func startProxy(tb testing.TB, target string) *proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ln.Close() })
	p := &proxy{addr: ln.Addr().String(), closed: make(chan connFigures, 64)}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.serve(c, target)
		}
	}()
	return p
}

func (p *proxy) serve(c net.Conn, target string) {
	defer c.Close()
	u, err := net.Dial("tcp", target)
	if err != nil {
		return
	}
	defer u.Close()
	var f connFigures
	pr, pw := io.Pipe()
	parsed := make(chan []int64, 1)
	go func() { parsed <- requestSizes(pr) }()
	downDone := make(chan int64, 1)
	go func() {
		n, _ := io.Copy(c, u)
		c.(*net.TCPConn).CloseWrite()
		downDone <- n
	}()
	f.up, _ = io.Copy(io.MultiWriter(u, pw), c)
	pw.Close()
	u.(*net.TCPConn).CloseWrite()
	f.down = <-downDone
	f.requests = <-parsed
	p.closed <- f
}

// requestSizes parses a stream of HTTP requests and returns the bytes
// each took.
func requestSizes(r io.Reader) []int64 {
	cr := &countReader{r: r}
	br := bufio.NewReader(cr)
	var sizes []int64
	var prev int64
	for {
		req, err := http.ReadRequest(br)
		if err != nil {
			io.Copy(io.Discard, br)
			return sizes
		}
		io.Copy(io.Discard, req.Body)
		req.Body.Close()
		used := cr.n - int64(br.Buffered())
		sizes = append(sizes, used-prev)
		prev = used
	}
}

type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func (p *proxy) waitClosed(ctx context.Context, tb testing.TB) connFigures {
	select {
	case f := <-p.closed:
		return f
	case <-ctx.Done():
		tb.Fatal("the session's connection did not close")
		return connFigures{}
	}
}
