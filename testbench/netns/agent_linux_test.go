//go:build linux

package netns

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// The agent under test is the real binary, built once per test run and
// started inside a namespace with `ip netns exec` (which execs it, so
// the process the test holds is the agent itself).

var agentBuild struct {
	started atomic.Bool
	once    sync.Once
	dir     string
	path    string
	err     error
}

// buildAgent compiles ./cpe-agent/cmd/cpe-agent into dir, once. newLab
// starts it, so the build overlaps the tests' namespace set-up.
func buildAgent(dir string) {
	agentBuild.started.Store(true)
	agentBuild.once.Do(func() {
		root, err := repoRoot()
		if err != nil {
			agentBuild.err = err
			return
		}
		goTool, err := exec.LookPath("go")
		if err != nil {
			agentBuild.err = fmt.Errorf("the go tool builds the agent: %w", err)
			return
		}
		out := filepath.Join(dir, "cpe-agent")
		cmd := exec.Command(goTool, "build", "-o", out, "./cpe-agent/cmd/cpe-agent")
		cmd.Dir = root
		if b, err := cmd.CombinedOutput(); err != nil {
			agentBuild.err = fmt.Errorf("go build ./cpe-agent/cmd/cpe-agent: %w\n%s", err, b)
			return
		}
		agentBuild.path = out
	})
}

// agentBinary waits for the build and returns the binary's path.
func agentBinary(t *testing.T) string {
	t.Helper()
	buildAgent(agentBuild.dir)
	if agentBuild.err != nil {
		t.Fatal(agentBuild.err)
	}
	return agentBuild.path
}

// repoRoot is the folder holding go.mod, found upwards from the working
// directory.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the test's directory")
		}
		dir = parent
	}
}

// agentProc is one agent process running in a namespace.
type agentProc struct {
	t    *testing.T
	name string
	cmd  *exec.Cmd
	log  *logBuffer
	done chan struct{} // closed when the process has exited
	err  error         // its exit status, once done
}

// The identity every test agent has; its serial number varies.
const (
	agentOUI          = "0090F5"
	agentProductClass = "NETNS"
)

// startAgent runs `cpe-agent run ARGS...` in namespace ns until the test
// ends. dataDir gets a config file of its own, so a config on the host
// cannot change what is tested.
func startAgent(t *testing.T, ns, dataDir string, args ...string) *agentProc {
	t.Helper()
	bin := agentBinary(t)
	conf := filepath.Join(dataDir, "gatewarden.conf")
	text := "config agent 'main'\n\toption oui '" + agentOUI + "'\n\toption product_class '" + agentProductClass + "'\n"
	if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	full := append([]string{"netns", "exec", ns, bin, "run", "--platform", "sim", "--data", dataDir,
		"--config", conf, "--log-level", "debug"}, args...)
	p := &agentProc{t: t, name: ns, log: &logBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command("ip", full...)
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	// Should the test binary die without its cleanups, the agent dies too.
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("starting the agent in %s: %v", ns, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.stop()
		if t.Failed() || os.Getenv("NETNS_DEBUG") != "" {
			t.Logf("agent log (%s):\n%s", ns, p.log.String())
		}
	})
	return p
}

// stop ends the agent (SIGTERM, then SIGKILL after 10 s) and waits.
func (p *agentProc) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return
	case <-time.After(10 * time.Second):
	}
	// A Go program dumps its goroutines on SIGQUIT: the log then shows
	// what held the shutdown up.
	p.cmd.Process.Signal(syscall.SIGQUIT)
	select {
	case <-p.done:
	case <-time.After(2 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
	p.t.Errorf("agent in %s did not stop within 10 s of SIGTERM", p.name)
}

// running reports whether the process is still alive.
func (p *agentProc) running() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// waitLog waits until a log line holds every one of parts and returns
// it; it fails the test if the agent exits or within passes first.
func (p *agentProc) waitLog(within time.Duration, parts ...string) string {
	p.t.Helper()
	deadline := time.After(within)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if line, ok := p.log.find(parts); ok {
			return line
		}
		select {
		case <-p.done:
			if line, ok := p.log.find(parts); ok {
				return line
			}
			p.t.Fatalf("agent in %s exited (%v) before logging %q", p.name, p.err, parts)
		case <-deadline:
			p.t.Fatalf("agent in %s did not log %q within %s", p.name, parts, within)
		case <-tick.C:
		}
	}
}

// logBuffer collects a process's output for the test to search.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// find returns the first complete line holding every part.
func (b *logBuffer) find(parts []string) (string, bool) {
	text := b.String()
	for len(text) > 0 {
		line, rest, ok := strings.Cut(text, "\n")
		if !ok {
			return "", false
		}
		text = rest
		all := true
		for _, s := range parts {
			if !strings.Contains(line, s) {
				all = false
				break
			}
		}
		if all {
			return line, true
		}
	}
	return "", false
}
