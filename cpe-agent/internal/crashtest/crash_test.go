package crashtest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"gatewarden/cpe-agent/agent"
	"gatewarden/cpe-agent/internal/store"
	"gatewarden/protocol/cwmp"
	"gatewarden/protocol/digest"
)

const (
	envRuns = "GATEWARDEN_CRASH_RUNS"
	envSeed = "GATEWARDEN_CRASH_SEED"
	// defaultRuns is what `make test` runs.
	defaultRuns = 50
	// drainLimit bounds the wait for every promise after the last restart
	// (real time; a ScheduleInform is due a second after it was accepted).
	drainLimit = 30 * time.Second
	// stepLimit bounds every other wait of a run.
	stepLimit = 15 * time.Second
)

// totals are the figures of all runs, for the closing note.
type totals struct {
	kills, promises, prohibitions, failed atomic.Int64
}

// TestCrash runs the crash test (see doc.go).
func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	runs := defaultRuns
	if v := os.Getenv(envRuns); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("%s=%q: want a positive number", envRuns, v)
		}
		runs = n
	}
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv(envSeed); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("%s=%q: want a number", envSeed, v)
		}
		seed = n
	}
	t.Logf("%d runs, seed %d (%s=%d replays them)", runs, seed, envSeed, seed)
	var tot totals
	start := time.Now()
	t.Run("runs", func(t *testing.T) {
		for i := range runs {
			t.Run(strconv.Itoa(i), func(t *testing.T) {
				t.Parallel()
				defer func() {
					if t.Failed() {
						tot.failed.Add(1)
					}
				}()
				crashRun(t, i, seed+uint64(i), &tot)
			})
		}
	})
	t.Logf("crash test: %d runs, %d kills, %d promises checked (events, transfers, schedules, changes, attributes), %d Informs and TransferCompletes checked for dropped events, %d failed runs, %v",
		runs, tot.kills.Load(), tot.promises.Load(), tot.prohibitions.Load(), tot.failed.Load(), time.Since(start).Round(time.Millisecond))
}

// runner is one run: a data directory, a peer, a ledger and the current
// child process.
type runner struct {
	t     *testing.T
	n     int
	dir   string
	addr  string
	led   *ledger
	peer  *peer
	rnd   *rand.Rand
	child *child
}

func crashRun(t *testing.T, n int, seed uint64, tot *totals) {
	led := newLedger()
	p, err := newPeer(n, seed, led)
	if err != nil {
		t.Fatal(err)
	}
	defer p.srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go p.loop(ctx)
	r := &runner{t: t, n: n, dir: t.TempDir(), addr: freeAddr(t), led: led, peer: p, rnd: rand.New(rand.NewPCG(seed, 0xc4a5))}
	defer func() {
		if r.child != nil {
			r.child.kill()
		}
	}()

	// One or two kills, each at a random moment of a chaotic stretch.
	kills := 1 + r.rnd.IntN(2)
	for inc := range kills {
		r.start(inc)
		r.chaos(time.Duration(20+r.rnd.IntN(700)) * time.Millisecond)
		r.child.kill()
		r.child = nil
		snap, err := takeSnapshot(r.dir)
		if err != nil {
			t.Fatalf("after kill %d: %v", inc+1, err)
		}
		led.snapshot(snap)
		tot.kills.Add(1)
	}

	// The last restart drains: every promise must be kept.
	p.setChaos(false)
	r.start(kills)
	r.kick()
	r.drain()
	r.connectionRequestDropped()
	if code := r.child.term(); code != 0 {
		t.Errorf("SIGTERM: exit status %d, want 0\n%s", code, r.child.logs())
	}
	r.child = nil

	bad, informs := led.violations()
	_, promises := led.unmet()
	led.mu.Lock()
	failures := append(slices.Clone(led.failures), bad...)
	promises += led.checked
	led.mu.Unlock()
	for _, f := range failures {
		t.Error(f)
	}
	tot.promises.Add(int64(promises))
	tot.prohibitions.Add(int64(informs))
}

// Connection-request ports come from below Linux's ephemeral range
// (32768-60999) and are never handed out twice: a run's port is free
// between a kill and the restart, and an ephemeral port there could go to
// any other socket of the machine, another run's device included.
const (
	portBase  = 20000
	portRange = 12000
)

var (
	portsMu sync.Mutex
	ports   = map[int]bool{}
)

func freeAddr(t *testing.T) string {
	portsMu.Lock()
	defer portsMu.Unlock()
	for range 1000 {
		p := portBase + rand.IntN(portRange)
		if ports[p] {
			continue
		}
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(p))
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			continue // someone else's
		}
		ln.Close()
		ports[p] = true
		return addr
	}
	t.Fatal("no free port for the connection-request listener")
	return ""
}

// start starts incarnation inc of the device.
func (r *runner) start(inc int) {
	r.t.Helper()
	r.led.started(inc)
	c, err := startChild(r.peer.srv.URL(), r.dir, r.addr, fmt.Sprintf("CRASH%04d", r.n), r.led)
	if err != nil {
		r.t.Fatal(err)
	}
	r.child = c
}

// chaos lets the device run for d while the parent sends connection
// requests and commands local changes at random.
func (r *runner) chaos(d time.Duration) {
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		time.Sleep(time.Duration(5+r.rnd.IntN(30)) * time.Millisecond)
		switch x := r.rnd.Float64(); {
		case x < 0.45:
			r.localChange(changeParams[r.rnd.IntN(len(changeParams))])
		case x < 0.7:
			r.connectionRequest()
		}
	}
}

// localChange commands a change with a value never used before and
// returns its record.
func (r *runner) localChange(param string) *change {
	var value string
	r.led.mu.Lock()
	n := len(r.led.changes)
	r.led.mu.Unlock()
	switch param {
	case paramSSID:
		value = fmt.Sprintf("crash-%d-%d", r.n, n)
	case paramRekey:
		value = strconv.Itoa(100000 + n)
	default:
		value = strconv.Itoa(1000 + n)
	}
	c := r.led.newChange(param, value)
	r.child.command(fmt.Sprintf("local %d %s %s\n", c.n, param, value))
	return c
}

// connectionRequest sends one, if the device has published its URL, and
// reports whether it was accepted.
func (r *runner) connectionRequest() bool {
	url := r.led.connReqURL()
	if url == "" {
		return false
	}
	done := r.led.crRequest()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	user, pass := crCredentials(r.n)
	c := &http.Client{Timeout: 2 * time.Second, Transport: &digest.Transport{Client: digest.NewClient(user, pass), Base: tr}}
	resp, err := c.Get(url)
	if err != nil {
		done(false)
		return false
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	ok := resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusNoContent
	done(ok)
	return ok
}

// kick sends a connection request after the restart once the credentials
// are known to be set, so a retry wait left by a failed session is cut
// short; it insists a little, since the listener comes up with the agent.
func (r *runner) kick() {
	if creds, _ := r.led.configured(); !creds {
		return
	}
	deadline := time.Now().Add(stepLimit)
	for !r.connectionRequest() {
		if time.Now().After(deadline) {
			r.t.Errorf("the acknowledged connection-request credentials no longer work after the restart\n%s", r.child.logs())
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// drain waits until every promise is kept and the settings the last
// check needs are in place.
func (r *runner) drain() {
	r.t.Helper()
	deadline := time.Now().Add(drainLimit)
	lastKick := time.Now()
	for {
		missing, _ := r.led.unmet()
		creds, retry := r.led.configured()
		ready := creds && retry && r.led.active(paramSSID) && r.led.active(paramMTU)
		if len(missing) == 0 && ready {
			return
		}
		if time.Now().After(deadline) {
			for _, m := range missing {
				r.t.Error(m)
			}
			if !ready {
				r.t.Error("the ACS settings for the last check were never acknowledged")
			}
			r.t.Fatalf("not drained after %v\n%s", drainLimit, r.child.logs())
		}
		// Nothing moving: a connection request starts a session.
		if time.Since(lastKick) > 1500*time.Millisecond {
			r.connectionRequest()
			lastKick = time.Now()
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// connectionRequestDropped checks the rule for 6 CONNECTION REQUEST in a
// failed session: a session carrying it and 4 VALUE CHANGE fails; the next
// session carries the value change again, but not the connection request.
func (r *runner) connectionRequestDropped() {
	r.t.Helper()
	held := make(chan []string, 1)
	release := make(chan struct{})
	failed := make(chan []string, 1)
	next := make(chan []string, 1)
	r.peer.push(hold(held, release), failInform(failed), standard(next))
	if !r.connectionRequest() {
		r.t.Fatalf("connection request refused\n%s", r.child.logs())
	}
	wait := func(ch <-chan []string, what string) []string {
		r.t.Helper()
		select {
		case ev := <-ch:
			return ev
		case <-time.After(stepLimit):
			r.t.Fatalf("no %s\n%s", what, r.child.logs())
			return nil
		}
	}
	wait(held, "session for the connection request")
	// During the session: a change (active) and a connection request,
	// both for one session after it. The listener asks for the session
	// only after its 200 is written, so the parent waits for the agent to
	// log the request before ending the held session.
	c := r.localChange(paramSSID)
	r.waitAck(c)
	requested := r.child.count(crRequestedLog)
	if !r.connectionRequest() {
		r.t.Fatalf("connection request during the session refused\n%s", r.child.logs())
	}
	deadline := time.Now().Add(stepLimit)
	for r.child.count(crRequestedLog) == requested {
		if time.Now().After(deadline) {
			r.t.Fatalf("the agent did not take up the connection request\n%s", r.child.logs())
		}
		time.Sleep(2 * time.Millisecond)
	}
	close(release)
	ev := wait(failed, "session after the held one")
	vc, cr := string(cwmp.EventValueChange), string(cwmp.EventConnectionRequest)
	if !slices.Contains(ev, vc) || !slices.Contains(ev, cr) {
		r.t.Fatalf("session after the held one carries %q, want %s and %s", ev, vc, cr)
	}
	// The failed session's value change is retried, at once since another
	// parameter with active notification changes; its connection request
	// is gone.
	r.waitAck(r.localChange(paramMTU))
	ev = wait(next, "session after the failed one")
	r.led.checkedOne()
	if !slices.Contains(ev, vc) || slices.Contains(ev, cr) {
		r.t.Errorf("session after the failed one carries %q: want %s, and no %s", ev, vc, cr)
	}
}

func (r *runner) waitAck(c *change) {
	r.t.Helper()
	deadline := time.Now().Add(stepLimit)
	for {
		r.led.mu.Lock()
		acked := !c.acked.IsZero()
		r.led.mu.Unlock()
		if acked {
			return
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("local change %d not acknowledged\n%s", c.n, r.child.logs())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// takeSnapshot opens the state a kill left behind, as the next start
// will, and reads what it promises.
func takeSnapshot(dir string) (snapshot, error) {
	var snap snapshot
	var sim struct {
		BootID string `json:"boot_id"`
	}
	if b, err := os.ReadFile(filepath.Join(dir, "sim-state.json")); err == nil {
		if err := json.Unmarshal(b, &sim); err != nil {
			return snap, fmt.Errorf("the sim's state file is damaged: %w", err)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return snap, err
	}
	path := filepath.Join(dir, agent.StateFile)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return snap, nil // killed before the agent created it
	}
	st, err := store.Open(path, store.Options{})
	if err != nil {
		return snap, fmt.Errorf("the state does not open: %w", err)
	}
	defer st.Close()
	evs, err := st.Events()
	if err != nil {
		return snap, fmt.Errorf("reading events: %w", err)
	}
	for _, e := range evs {
		k := e.Code
		if e.CommandKey != "" {
			k += "/" + e.CommandKey
		}
		snap.events = append(snap.events, k)
	}
	ts, err := st.Transfers()
	if err != nil {
		return snap, fmt.Errorf("reading transfers: %w", err)
	}
	for _, tr := range ts {
		snap.transfers = append(snap.transfers, tr.CommandKey)
	}
	sched, err := st.ScheduledInforms()
	if err != nil {
		return snap, fmt.Errorf("reading scheduled informs: %w", err)
	}
	for _, s := range sched {
		snap.scheduled = append(snap.scheduled, s.CommandKey)
	}
	bs, err := st.Bootstrap()
	if err != nil {
		return snap, fmt.Errorf("reading the bootstrap record: %w", err)
	}
	snap.bootstrapDone = bs.Done
	boot, err := st.BootID()
	if err != nil {
		return snap, fmt.Errorf("reading the boot id: %w", err)
	}
	snap.bootRecorded = boot != "" && boot == sim.BootID
	return snap, nil
}

// child is one incarnation of the device process.
type child struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	errs  *lockedBuffer
	done  chan struct{}
	mu    sync.Mutex // serialises commands
}

func startChild(acsURL, dir, addr, serial string, led *ledger) (*child, error) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(),
		envChild+"=1", envACS+"="+acsURL, envDir+"="+dir, envCRAddr+"="+addr, envSerial+"="+serial)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	c := &child{cmd: cmd, stdin: stdin, errs: &lockedBuffer{}, done: make(chan struct{})}
	cmd.Stderr = c.errs
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting the device process: %w", err)
	}
	acks := make(chan struct{})
	go func() {
		defer close(acks)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if len(f) >= 2 && f[0] == "ack" {
				if n, err := strconv.Atoi(f[1]); err == nil {
					led.changeAcked(n)
				}
			} else if len(f) >= 2 && f[0] == "nack" {
				led.fail("local change refused: %s", sc.Text())
			}
		}
	}()
	go func() {
		<-acks // every ack read before Wait closes the pipe
		cmd.Wait()
		close(c.done)
	}()
	return c, nil
}

func (c *child) command(line string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	io.WriteString(c.stdin, line) // fails once the child is dead: nothing to do
}

// kill is the power cut: SIGKILL, then wait for the process to be gone.
func (c *child) kill() {
	c.cmd.Process.Signal(syscall.SIGKILL)
	<-c.done
}

// term asks the agent to stop and returns its exit status (-1: it did not
// stop in time and was killed).
func (c *child) term() int {
	c.stdin.Close()
	c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.done:
		return c.cmd.ProcessState.ExitCode()
	case <-time.After(stepLimit):
		c.kill()
		return -1
	}
}

// crRequestedLog is what the session logs when a connection request has
// set its "6 CONNECTION REQUEST" pending.
const crRequestedLog = `msg="session requested" component=session event="6 CONNECTION REQUEST"`

// count returns how often s occurs in the child's log so far.
func (c *child) count(s string) int { return bytes.Count(c.errs.Bytes(), []byte(s)) }

// logs returns the end of the child's log, for failure messages.
func (c *child) logs() string {
	if c == nil {
		return ""
	}
	b := c.errs.Bytes()
	const keep = 6000
	if len(b) > keep {
		b = b[len(b)-keep:]
	}
	return "device log (end):\n" + string(b)
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) Bytes() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return bytes.Clone(l.b.Bytes())
}
