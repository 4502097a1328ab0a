//go:build linux

package nstest

import (
	"context"
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"gatewarden/cpe-agent/internal/acstest"
)

// waitLimit bounds real-time waits that are not under test; generous for
// a loaded machine.
const waitLimit = 30 * time.Second

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
	nsSeq     atomic.Int32
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

// requireKernel skips unless the test can create namespaces on a native
// kernel: root, not under qemu-user (which cannot dump netlink for every
// target), iproute2 installed.
func requireKernel(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("network namespace tests need root (CI runs them as root)")
	}
	if emulated() {
		t.Skip("running under qemu-user: namespace tests run natively only")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("iproute2 (ip) is missing: run testbench/setup.sh")
	}
}

// emulated reports whether this binary runs under user-mode emulation:
// its architecture differs from the host's own shell.
func emulated() bool {
	f, err := elf.Open("/bin/sh")
	if err != nil {
		return false
	}
	defer f.Close()
	want := map[string]elf.Machine{"amd64": elf.EM_X86_64, "386": elf.EM_386, "arm64": elf.EM_AARCH64,
		"arm": elf.EM_ARM, "mips": elf.EM_MIPS, "mipsle": elf.EM_MIPS, "riscv64": elf.EM_RISCV}
	m, ok := want[runtime.GOARCH]
	return ok && f.Machine != m
}

// agentBinary builds cpe-agent once for the package.
func agentBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "gw-nstest")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "cpe-agent")
		args := []string{"build", "-o", binPath}
		// GW_NSTEST_RACE=1 builds the agent with the race detector, to
		// check the platform's netlink goroutines against the tree.
		if os.Getenv("GW_NSTEST_RACE") == "1" {
			args = append(args, "-race")
		}
		out, err := exec.Command("go", append(args, "gatewarden/cpe-agent/cmd/cpe-agent")...).CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// netns is a namespace the test owns.
type netns struct {
	t    *testing.T
	name string
}

// newNS creates a namespace with loopback up and a veth pair gw0/gw1,
// both ends inside it and up; t.Cleanup deletes it (and so the pair)
// whatever happens.
func newNS(t *testing.T) *netns {
	t.Helper()
	n := &netns{t: t, name: fmt.Sprintf("gwtest-%d-%d", os.Getpid(), nsSeq.Add(1))}
	n.ipHost("netns", "add", n.name)
	t.Cleanup(func() {
		if out, err := exec.Command("ip", "netns", "del", n.name).CombinedOutput(); err != nil {
			t.Logf("removing namespace %s: %v %s", n.name, err, out)
		}
	})
	n.ip("link", "set", "lo", "up")
	n.ip("link", "add", "gw0", "type", "veth", "peer", "name", "gw1")
	n.ip("link", "set", "gw0", "up")
	n.ip("link", "set", "gw1", "up")
	return n
}

func (n *netns) ipHost(args ...string) string {
	n.t.Helper()
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		n.t.Fatalf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// ip runs `ip -n NS args...`.
func (n *netns) ip(args ...string) string {
	n.t.Helper()
	return n.ipHost(append([]string{"-n", n.name}, args...)...)
}

// startACS starts a scripted ACS whose listening socket lives in the
// namespace (bound to its loopback), so only the agent inside can reach
// it. The socket is created on a thread switched into the namespace; that
// thread is then thrown away rather than switched back.
func (n *netns) startACS(opts acstest.Options) *acstest.Server {
	n.t.Helper()
	type result struct {
		srv *acstest.Server
		err error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread dies with the goroutine
		fd, err := unix.Open("/run/netns/"+n.name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			ch <- result{err: err}
			return
		}
		defer unix.Close(fd)
		if err := unix.Setns(fd, unix.CLONE_NEWNET); err != nil {
			ch <- result{err: fmt.Errorf("setns: %w", err)}
			return
		}
		srv, err := acstest.Start(opts)
		ch <- result{srv, err}
	}()
	r := <-ch
	if r.err != nil {
		n.t.Fatal(r.err)
	}
	n.t.Cleanup(r.srv.Close)
	return r.srv
}

// agent is a cpe-agent process inside a namespace.
type agent struct {
	cmd    *exec.Cmd
	stderr *syncBuffer
	done   chan struct{}
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startAgent runs `ip netns exec NS cpe-agent run --platform linux ...`.
func (n *netns) startAgent(acsURL, dataDir string) *agent {
	n.t.Helper()
	cmd := exec.Command("ip", "netns", "exec", n.name, agentBinary(n.t), "run", "--platform", "linux",
		"--acs-url", acsURL, "--data", dataDir, "--serial", "NS0001", "--connreq-addr", "127.0.0.1:7547",
		"--config", filepath.Join(dataDir, "no-config"), "--log-level", "debug")
	// --config names a file that does not exist, which the agent refuses:
	// point it at an empty UCI file instead.
	if err := os.WriteFile(filepath.Join(dataDir, "no-config"), []byte("config agent 'main'\n"), 0o600); err != nil {
		n.t.Fatal(err)
	}
	a := &agent{cmd: cmd, stderr: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stderr = a.stderr
	if err := cmd.Start(); err != nil {
		n.t.Fatal(err)
	}
	go func() { cmd.Wait(); close(a.done) }()
	n.t.Cleanup(func() {
		a.stop()
		if strings.Contains(a.stderr.String(), "DATA RACE") {
			n.t.Errorf("the agent raced:\n%s", a.stderr)
		}
	})
	return a
}

// stop ends the agent with SIGTERM (SIGKILL if it lingers).
func (a *agent) stop() {
	select {
	case <-a.done:
		return
	default:
	}
	a.cmd.Process.Signal(unix.SIGTERM)
	select {
	case <-a.done:
	case <-time.After(10 * time.Second):
		a.cmd.Process.Kill()
		<-a.done
	}
}

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	t.Cleanup(cancel)
	return ctx
}
