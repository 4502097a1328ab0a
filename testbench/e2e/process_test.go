package e2e

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// binDir holds the binaries the tests build, once per `go test` run.
var (
	binDir  string
	binMu   sync.Mutex
	binPath = map[string]string{}
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "gatewarden-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// buildBinary builds the main package at pkg (relative to the repository
// root, e.g. "acs/cmd/acs") and returns the binary's path.
func buildBinary(t testing.TB, pkg string) string {
	t.Helper()
	binMu.Lock()
	defer binMu.Unlock()
	if p, ok := binPath[pkg]; ok {
		return p
	}
	out := filepath.Join(binDir, filepath.Base(pkg))
	cmd := exec.Command("go", "build", "-o", out, "./"+pkg)
	cmd.Dir = repoRoot(t)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./%s: %v\n%s", pkg, err, b)
	}
	binPath[pkg] = out
	return out
}

// acsProcess is `acs serve` running as a child process on loopback
// ports the kernel picked, with Digest authentication on.
type acsProcess struct {
	cmd    *exec.Cmd
	cwmp   string
	apiURL string
	exited chan struct{}

	mu     sync.Mutex
	output strings.Builder // its log, for failure messages
}

// freePort asks the kernel for a free loopback port. The ACS gets it on
// its command line, so the test knows its address whatever it logs.
func freePort(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startACSProcess starts `acs serve --data dir` and waits until its API
// answers /healthz; a later cleanup stops it if the test has not killed
// it.
func startACSProcess(t testing.TB, bin, dir string, extra ...string) *acsProcess {
	t.Helper()
	cwmpAddr, apiAddr := freePort(t), freePort(t)
	args := append([]string{"serve", "--data", dir, "--cwmp-addr", cwmpAddr, "--api-addr", apiAddr, "--files-addr", freePort(t)}, extra...)
	cmd := exec.Command(bin, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting acs serve: %v", err)
	}
	p := &acsProcess{cmd: cmd, exited: make(chan struct{}),
		cwmp: "http://" + cwmpAddr + "/cwmp", apiURL: "http://" + apiAddr}
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			if p.output.Len() < 1<<20 {
				p.output.WriteString(line + "\n")
			}
			p.mu.Unlock()
			if os.Getenv("E2E_LOG") != "" {
				fmt.Fprintln(os.Stderr, "acs-process:", line)
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
		_ = cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() { p.stop(t) })
	hc := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(eventWithin)
	for {
		resp, err := hc.Get(p.apiURL + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		select {
		case <-p.exited:
			t.Fatalf("acs serve exited at start:\n%s", p.log())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			p.kill(t)
			t.Fatalf("acs serve did not answer /healthz within %s:\n%s", eventWithin, p.log())
		}
	}
}

func (p *acsProcess) log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.output.String()
}

func (p *acsProcess) pid() int { return p.cmd.Process.Pid }

// kill is kill -9: no shutdown, no flush, no deferred close.
func (p *acsProcess) kill(t testing.TB) {
	t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	select {
	case <-p.exited:
	case <-time.After(eventWithin):
		t.Fatalf("acs serve (pid %d) survived SIGKILL", p.pid())
	}
}

// stop asks for a graceful shutdown and kills after a while.
func (p *acsProcess) stop(t testing.TB) {
	select {
	case <-p.exited:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(15 * time.Second):
		t.Errorf("acs serve (pid %d) ignored SIGTERM for 15 s; killing it", p.pid())
		_ = p.cmd.Process.Signal(syscall.SIGKILL)
		<-p.exited
	}
}

// adminToken reads DATA/admin.token, which the first start wrote.
func adminToken(t testing.TB, dir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "admin.token"))
	if err != nil {
		t.Fatalf("admin token: %v", err)
	}
	fi, err := os.Stat(filepath.Join(dir, "admin.token"))
	if err == nil && fi.Mode().Perm() != 0o600 {
		t.Errorf("admin.token has mode %v, want 0600", fi.Mode().Perm())
	}
	return strings.TrimSpace(string(b))
}

// peakRSS is the process's VmHWM from /proc, in KiB (0 when unknown).
func peakRSS(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb int64
			fmt.Sscanf(strings.TrimSpace(rest), "%d", &kb)
			return kb
		}
	}
	return 0
}
