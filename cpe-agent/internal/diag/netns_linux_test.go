//go:build linux

package diag

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// The namespace tests build a chain of four hosts, each a network
// namespace joined to the next by a veth pair, with the two middle ones
// forwarding:
//
//	a 10.Y.1.2 — 10.Y.1.1 b 10.Y.2.1 — 10.Y.2.2 c 10.Y.3.1 — 10.Y.3.2 d
//
// Probes run in a as a child process of the test binary started with `ip
// netns exec`, so every socket they open (the HTTP client's included) is
// in a. Nothing leaves these namespaces.

// Child-process modes of the test binary, chosen by environment.
const (
	envProbe = "GATEWARDEN_DIAG_PROBE" // run one probe, print JSON, exit
	envServe = "GATEWARDEN_DIAG_SERVE" // serve HTTP on this address until killed
)

func TestMain(m *testing.M) {
	if spec := os.Getenv(envProbe); spec != "" {
		os.Exit(runProbeChild(spec))
	}
	if addr := os.Getenv(envServe); addr != "" {
		os.Exit(serveChild(addr))
	}
	os.Exit(m.Run())
}

type probeRequest struct {
	Kind  Kind
	Ping  PingSpec
	Trace TraceSpec
	Xfer  TransferSpec
}

type probeAnswer struct {
	State string
	Err   string
	Ping  PingResult
	Trace TraceResult
	Xfer  TransferResult
}

func runProbeChild(spec string) int {
	var req probeRequest
	if err := json.Unmarshal([]byte(spec), &req); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	ctx := context.Background()
	var ans probeAnswer
	var err error
	switch req.Kind {
	case KindPing:
		ans.Ping, err = Ping(ctx, req.Ping)
	case KindTrace:
		ans.Trace, err = TraceRoute(ctx, req.Trace)
	case KindDownload:
		ans.Xfer, err = Download(ctx, req.Xfer)
	case KindUpload:
		ans.Xfer, err = Upload(ctx, req.Xfer)
	}
	ans.State = State(err)
	if err != nil {
		ans.Err = err.Error()
	}
	json.NewEncoder(os.Stdout).Encode(ans)
	return 0
}

func serveChild(addr string) int {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	fmt.Println("listening")
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut {
			n, _ := countBody(r)
			fmt.Fprintf(w, "%d", n)
			return
		}
		w.Header().Set("Content-Length", "1048576")
		w.Write(make([]byte, 1<<20))
	})}
	srv.Serve(ln)
	return 0
}

func countBody(r *http.Request) (int64, error) {
	buf := make([]byte, 32<<10)
	var n int64
	for {
		k, err := r.Body.Read(buf)
		n += int64(k)
		if err != nil {
			return n, nil
		}
	}
}

// chain is the four-namespace test network.
type chain struct {
	t      *testing.T
	ns     [4]string // a, b, c, d
	prefix string    // "10.Y."
}

func run(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func newChain(t *testing.T) *chain {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("network namespaces need root (CI runs as root)")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Fatalf("iproute2 missing (testbench/setup.sh installs it): %v", err)
	}
	tag := fmt.Sprintf("%04x", rand.Uint32N(1<<16))
	c := &chain{t: t, prefix: fmt.Sprintf("10.%d.", 100+rand.IntN(100))}
	for i, role := range []string{"a", "b", "c", "d"} {
		c.ns[i] = "gwdiag-" + tag + "-" + role
		run(t, "ip", "netns", "add", c.ns[i])
		name := c.ns[i]
		t.Cleanup(func() { exec.Command("ip", "netns", "del", name).Run() })
		run(t, "ip", "-n", c.ns[i], "link", "set", "lo", "up")
	}
	for i := 0; i < 3; i++ {
		left, right := fmt.Sprintf("gd%s%dl", tag, i), fmt.Sprintf("gd%s%dr", tag, i)
		run(t, "ip", "link", "add", left, "netns", c.ns[i], "type", "veth", "peer", "name", right, "netns", c.ns[i+1])
		// The first link's left end is the client (.2), every other left
		// end a router (.1).
		lhost, rhost := 1, 2
		if i == 0 {
			lhost, rhost = 2, 1
		}
		run(t, "ip", "-n", c.ns[i], "addr", "add", fmt.Sprintf("%s%d.%d/24", c.prefix, i+1, lhost), "dev", left)
		run(t, "ip", "-n", c.ns[i+1], "addr", "add", fmt.Sprintf("%s%d.%d/24", c.prefix, i+1, rhost), "dev", right)
		run(t, "ip", "-n", c.ns[i], "link", "set", left, "up")
		run(t, "ip", "-n", c.ns[i+1], "link", "set", right, "up")
	}
	p := c.prefix
	run(t, "ip", "-n", c.ns[0], "route", "add", "default", "via", p+"1.1")
	run(t, "ip", "-n", c.ns[1], "route", "add", p+"3.0/24", "via", p+"2.2")
	run(t, "ip", "-n", c.ns[2], "route", "add", "default", "via", p+"2.1")
	run(t, "ip", "-n", c.ns[3], "route", "add", "default", "via", p+"3.1")
	for _, ns := range c.ns[1:3] {
		run(t, "ip", "netns", "exec", ns, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1")
	}
	return c
}

// probe runs req in namespace a.
func (c *chain) probe(req probeRequest) probeAnswer {
	c.t.Helper()
	spec, _ := json.Marshal(req)
	cmd := exec.Command("ip", "netns", "exec", c.ns[0], os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envProbe+"="+string(spec))
	out, err := cmd.Output()
	if err != nil {
		c.t.Fatalf("probe in %s: %v (%s)", c.ns[0], err, out)
	}
	var ans probeAnswer
	if err := json.Unmarshal(out, &ans); err != nil {
		c.t.Fatalf("probe answer %q: %v", out, err)
	}
	return ans
}

// serve starts an HTTP server in namespace d on port 8000 and returns its
// base URL.
func (c *chain) serve() string {
	c.t.Helper()
	addr := c.prefix + "3.2:8000"
	cmd := exec.Command("ip", "netns", "exec", c.ns[3], os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envServe+"="+addr)
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "listening\n" {
		c.t.Fatalf("server in %s: %q %v", c.ns[3], line, err)
	}
	return "http://" + addr
}

func TestNetnsTraceRouteThroughTwoRouters(t *testing.T) {
	c := newChain(t)
	p := c.prefix
	ans := c.probe(probeRequest{Kind: KindTrace, Trace: TraceSpec{Host: p + "3.2", Tries: 3, Timeout: 2 * time.Second, Size: 38, MaxHops: 10}})
	if ans.State != StateComplete {
		t.Fatalf("state %s: %s", ans.State, ans.Err)
	}
	want := []string{p + "1.1", p + "2.2", p + "3.2"}
	if len(ans.Trace.Hops) != len(want) {
		t.Fatalf("%d hops %+v, want %v", len(ans.Trace.Hops), ans.Trace.Hops, want)
	}
	for i, h := range ans.Trace.Hops {
		if h.Address.String() != want[i] || len(h.RoundTrips) != 3 || h.ErrorCode != 0 {
			t.Fatalf("hop %d: %+v, want %s", i+1, h, want[i])
		}
	}
	if ans.Trace.Source.String() != p+"1.2" {
		t.Fatalf("source %v", ans.Trace.Source)
	}

	// Two hops are not enough.
	ans = c.probe(probeRequest{Kind: KindTrace, Trace: TraceSpec{Host: p + "3.2", Tries: 1, Timeout: time.Second, Size: 38, MaxHops: 2}})
	if ans.State != stateMaxHops || len(ans.Trace.Hops) != 2 {
		t.Fatalf("max hops 2: %s %+v", ans.State, ans.Trace.Hops)
	}
}

func TestNetnsPingAcrossTheChain(t *testing.T) {
	c := newChain(t)
	p := c.prefix
	ans := c.probe(probeRequest{Kind: KindPing, Ping: PingSpec{Host: p + "3.2", Count: 3, Timeout: time.Second, Size: 200, Interval: 20 * time.Millisecond}})
	if ans.State != StateComplete || ans.Ping.Success != 3 || ans.Ping.Failure != 0 {
		t.Fatalf("%s %+v %s", ans.State, ans.Ping, ans.Err)
	}
	// Nobody has 10.Y.3.9: b's neighbour lookup fails, so every echo is
	// lost and the test still completes, with failures counted.
	ans = c.probe(probeRequest{Kind: KindPing, Ping: PingSpec{Host: p + "3.9", Count: 2, Timeout: 300 * time.Millisecond, Interval: 10 * time.Millisecond}})
	if ans.State != StateComplete || ans.Ping.Success != 0 || ans.Ping.Failure != 2 {
		t.Fatalf("silent host: %s %+v %s", ans.State, ans.Ping, ans.Err)
	}
	// No route at all from a.
	run(t, "ip", "-n", c.ns[0], "route", "del", "default")
	ans = c.probe(probeRequest{Kind: KindPing, Ping: PingSpec{Host: p + "3.2", Count: 1, Timeout: time.Second}})
	if ans.State != stateNoRoute {
		t.Fatalf("without a route: %s %s", ans.State, ans.Err)
	}
}

func TestNetnsTransfersAcrossTheChain(t *testing.T) {
	c := newChain(t)
	base := c.serve()
	ans := c.probe(probeRequest{Kind: KindDownload, Xfer: TransferSpec{URL: base + "/file", Timeout: 10 * time.Second}})
	if ans.State != StateComplete || ans.Xfer.TestBytes != 1<<20 || ans.Xfer.TotalReceived <= 1<<20 {
		t.Fatalf("download: %s %+v %s", ans.State, ans.Xfer, ans.Err)
	}
	if ans.Xfer.Source.String() != c.prefix+"1.2" {
		t.Fatalf("download source %v", ans.Xfer.Source)
	}
	ans = c.probe(probeRequest{Kind: KindUpload, Xfer: TransferSpec{URL: base + "/up", Length: 500000, Timeout: 10 * time.Second}})
	if ans.State != StateComplete || ans.Xfer.TestBytes != 500000 || ans.Xfer.TotalSent <= 500000 {
		t.Fatalf("upload: %s %+v %s", ans.State, ans.Xfer, ans.Err)
	}
}
