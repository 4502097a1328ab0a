package main_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"gatewarden/cpe-agent/internal/acstest"
	"gatewarden/protocol/cwmp"
	"gatewarden/protocol/digest"
)

// testVersion is stamped into the binary the tests build, as make build
// stamps the release version.
const testVersion = "v0.0.0-bintest"

// waitLimit bounds every real-time wait; generous for a loaded machine.
const waitLimit = 30 * time.Second

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
	buildDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// agentBinary builds bin/cpe-agent once for the package's tests.
func agentBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "cpe-agent-bin")
		if buildErr != nil {
			return
		}
		binPath = filepath.Join(buildDir, "cpe-agent")
		cmd := exec.Command("go", "build",
			"-ldflags", "-X gatewarden/protocol/buildinfo.Version="+testVersion,
			"-o", binPath, "gatewarden/cpe-agent/cmd/cpe-agent")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// proc is a running cpe-agent.
type proc struct {
	t      *testing.T
	cmd    *exec.Cmd
	stderr *syncBuffer
	done   chan struct{}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
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

func start(t *testing.T, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(agentBinary(t), args...)
	p := &proc{t: t, cmd: cmd, stderr: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// stop sends SIGTERM and returns the exit status.
func (p *proc) stop() int {
	p.t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return p.cmd.ProcessState.ExitCode()
	case <-time.After(waitLimit):
		p.t.Fatalf("cpe-agent did not stop after SIGTERM\n%s", p.stderr)
		return -1
	}
}

// runOnce runs the binary to completion and returns its exit status and
// output.
func runOnce(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(agentBinary(t), args...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if err != nil && cmd.ProcessState == nil {
		t.Fatal(err)
	}
	return cmd.ProcessState.ExitCode(), o.String(), e.String()
}

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	t.Cleanup(cancel)
	return ctx
}

func inform(t *testing.T, acs *acstest.Server, p *proc) (*acstest.Session, *acstest.Exchange, *cwmp.Inform) {
	t.Helper()
	s, err := acs.NextSession(ctxFor(t))
	if err != nil {
		t.Fatalf("%v\n%s", err, p.stderr)
	}
	ex, inf, err := s.ExpectInform(ctxFor(t))
	if err != nil {
		t.Fatalf("%v\n%s", err, p.stderr)
	}
	return s, ex, inf
}

func eventList(inf *cwmp.Inform) []string {
	var out []string
	for _, e := range inf.Event {
		out = append(out, string(e.EventCode))
	}
	slices.Sort(out)
	return out
}

func params(list []cwmp.ParameterValueStruct) map[string]string {
	m := map[string]string{}
	for _, p := range list {
		m[p.Name] = p.Value
	}
	return m
}

// open answers the Inform and waits for the CPE's empty POST.
func open(t *testing.T, s *acstest.Session, ex *acstest.Exchange) {
	t.Helper()
	if err := ex.Reply(acstest.InformResponse()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ExpectEmpty(ctxFor(t)); err != nil {
		t.Fatal(err)
	}
}

func call[T cwmp.Body](t *testing.T, s *acstest.Session, req cwmp.Body) T {
	t.Helper()
	_, resp, err := acstest.CallFor[T](ctxFor(t), s, s.Pending(), req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func end(t *testing.T, s *acstest.Session) {
	t.Helper()
	ex := s.Pending()
	if err := ex.Reply(acstest.Empty()); err != nil {
		t.Fatal(err)
	}
	if err := ex.Written(ctxFor(t)); err != nil {
		t.Fatal(err)
	}
}

func connectionRequest(t *testing.T, url, user, pass string) int {
	t.Helper()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c := &http.Client{Timeout: waitLimit, Transport: &digest.Transport{Client: digest.NewClient(user, pass), Base: tr}}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

const (
	crUser  = "bin-acs"
	crPass  = "bin-cr-secret"
	acsPass = "bin-acs-secret"
)

// TestBinaryRun — issue 3, acceptance 3: `cpe-agent run --platform sim
// --acs-url ... --data DIR --serial S1 --connreq-addr ...` completes a
// bootstrap session, answers GetParameterValues, takes a connection
// request with the credentials the ACS set, and ends cleanly on SIGTERM.
// A second start on the same data is no boot.
func TestBinaryRun(t *testing.T) {
	acs, err := acstest.Start(acstest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer acs.Close()
	dir := t.TempDir()
	crAddr := freeAddr(t)
	args := []string{"run", "--platform", "sim", "--acs-url", acs.URL(), "--data", dir, "--serial", "S1",
		"--connreq-addr", crAddr, "--acs-username", "cpe", "--acs-password", acsPass}
	p := start(t, args...)

	s, ex, inf := inform(t, acs, p)
	if got := eventList(inf); !slices.Equal(got, []string{"0 BOOTSTRAP", "1 BOOT"}) {
		t.Fatalf("bootstrap Inform events %q", got)
	}
	if inf.DeviceId.SerialNumber != "S1" {
		t.Errorf("SerialNumber %q, want S1", inf.DeviceId.SerialNumber)
	}
	crURL := params(inf.ParameterList)["Device.ManagementServer.ConnectionRequestURL"]
	if !strings.HasPrefix(crURL, "http://"+crAddr+"/") {
		t.Fatalf("ConnectionRequestURL %q, want one on %s", crURL, crAddr)
	}
	open(t, s, ex)
	call[*cwmp.SetParameterValuesResponse](t, s, &cwmp.SetParameterValues{ParameterKey: "b1", ParameterList: []cwmp.ParameterValueStruct{
		{Name: "Device.ManagementServer.ConnectionRequestUsername", Value: crUser},
		{Name: "Device.ManagementServer.ConnectionRequestPassword", Value: crPass},
	}})
	got := params(call[*cwmp.GetParameterValuesResponse](t, s, &cwmp.GetParameterValues{ParameterNames: []string{
		"Device.DeviceInfo.SerialNumber", "Device.DeviceInfo.SoftwareVersion", "Device.ManagementServer.ParameterKey",
	}}).ParameterList)
	if got["Device.DeviceInfo.SerialNumber"] != "S1" || got["Device.DeviceInfo.SoftwareVersion"] != strings.TrimPrefix(testVersion, "v") ||
		got["Device.ManagementServer.ParameterKey"] != "b1" {
		t.Errorf("GetParameterValues: %v", got)
	}
	end(t, s)

	if code := connectionRequest(t, crURL, crUser, "wrong"); code != http.StatusUnauthorized {
		t.Fatalf("connection request with a wrong password: %d", code)
	}
	if code := connectionRequest(t, crURL, crUser, crPass); code != http.StatusOK {
		t.Fatalf("connection request: %d\n%s", code, p.stderr)
	}
	s, ex, inf = inform(t, acs, p)
	if got := eventList(inf); !slices.Equal(got, []string{"6 CONNECTION REQUEST"}) {
		t.Fatalf("connection-request Inform events %q", got)
	}
	if _, err := s.Finish(ctxFor(t), ex); err != nil {
		t.Fatal(err)
	}
	// Let the session settle before stopping (the 204 is written; the
	// agent logs the session's end right after).
	waitFor(t, p, `msg="session completed"`, 2)
	if code := p.stop(); code != 0 {
		t.Fatalf("exit status %d after SIGTERM\n%s", code, p.stderr)
	}
	logs := p.stderr.String()
	for _, secret := range []string{crPass, acsPass} {
		if strings.Contains(logs, secret) {
			t.Errorf("a secret reached the log: %q", secret)
		}
	}

	// The same device again: an agent restart, not a boot. It has nothing
	// to report, and the ACS's credentials still open it.
	p = start(t, args...)
	waitFor(t, p, `msg="agent running"`, 1)
	if err := acs.ExpectNoSession(ctxFor(t), 300*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if code := connectionRequest(t, crURL, crUser, crPass); code != http.StatusOK {
		t.Fatalf("connection request after the restart: %d\n%s", code, p.stderr)
	}
	s, ex, inf = inform(t, acs, p)
	if got := eventList(inf); !slices.Equal(got, []string{"6 CONNECTION REQUEST"}) {
		t.Fatalf("after the restart, Inform events %q", got)
	}
	if _, err := s.Finish(ctxFor(t), ex); err != nil {
		t.Fatal(err)
	}
	if code := p.stop(); code != 0 {
		t.Fatalf("exit status %d after SIGTERM\n%s", code, p.stderr)
	}
}

// waitFor waits until the agent's log holds s at least n times.
func waitFor(t *testing.T, p *proc, s string, n int) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for strings.Count(p.stderr.String(), s) < n {
		if time.Now().After(deadline) {
			t.Fatalf("the log never showed %q %d times\n%s", s, n, p.stderr)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestBinaryVersion — `cpe-agent version` prints `cpe-agent <version>`.
func TestBinaryVersion(t *testing.T) {
	code, out, errOut := runOnce(t, "version")
	if code != 0 || out != "cpe-agent "+testVersion+"\n" {
		t.Fatalf("version: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

// TestBinaryUsageErrors — a bad flag, a stray argument, an unknown command
// or a missing setting exit with status 2 and say what is wrong.
func TestBinaryUsageErrors(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "--no-such-flag"}, "no-such-flag"},
		{[]string{"run", "--platform", "sim", "--acs-url", "http://127.0.0.1:1/cwmp", "--data", dir, "extra"}, `unexpected argument "extra"`},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{}, "usage"},
		{[]string{"run", "--platform", "sim", "--data", dir, "--config", filepath.Join(dir, "none")}, "config"},
		{[]string{"run", "--platform", "sim", "--data", dir}, "no ACS URL"},
		{[]string{"run", "--platform", "toaster", "--acs-url", "http://127.0.0.1:1/cwmp", "--data", dir}, `platform "toaster"`},
		{[]string{"run", "--platform", "sim", "--acs-url", "ftp://acs/", "--data", dir}, "want http:// or https://"},
	} {
		code, _, errOut := runOnce(t, c.args...)
		want := 2
		if slices.Contains(c.args, "--config") {
			want = 1 // a named config file that is missing is a runtime error
		}
		if code != want || !strings.Contains(errOut, c.want) {
			t.Errorf("cpe-agent %q: exit %d, stderr %q; want exit %d and %q", c.args, code, errOut, want, c.want)
		}
	}
}

// TestBinaryConfigFile — a UCI config file is honoured and flags override
// it: the ACS URL, identity and periodic interval come from the file, the
// serial number from the command line.
func TestBinaryConfigFile(t *testing.T) {
	acs, err := acstest.Start(acstest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer acs.Close()
	dir := t.TempDir()
	conf := filepath.Join(t.TempDir(), "gatewarden")
	body := fmt.Sprintf(`# written by a provisioning script
config agent 'main'
	option platform 'sim'
	option acs_url '%s'
	option data_dir '%s'
	option serial 'FROM-FILE'
	option connreq_addr '%s'
	option software_version '7.7.7'
	option product_class 'GW-FILE'
	option periodic_inform_interval '600'
	option log_level 'debug'
`, acs.URL(), dir, freeAddr(t))
	if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	p := start(t, "run", "--config", conf, "--serial", "FROM-FLAG")
	s, ex, inf := inform(t, acs, p)
	if inf.DeviceId.SerialNumber != "FROM-FLAG" || inf.DeviceId.ProductClass != "GW-FILE" {
		t.Errorf("DeviceId %+v: want the flag's serial and the file's product class", inf.DeviceId)
	}
	if v := params(inf.ParameterList)["Device.DeviceInfo.SoftwareVersion"]; v != "7.7.7" {
		t.Errorf("SoftwareVersion %q, want the file's 7.7.7", v)
	}
	open(t, s, ex)
	got := params(call[*cwmp.GetParameterValuesResponse](t, s, &cwmp.GetParameterValues{ParameterNames: []string{
		"Device.ManagementServer.PeriodicInformInterval", "Device.ManagementServer.URL",
	}}).ParameterList)
	if got["Device.ManagementServer.PeriodicInformInterval"] != "600" || got["Device.ManagementServer.URL"] != acs.URL() {
		t.Errorf("from the file: %v", got)
	}
	end(t, s)
	if !strings.Contains(p.stderr.String(), "level=DEBUG") {
		t.Error("log_level 'debug' from the file not honoured")
	}
	if code := p.stop(); code != 0 {
		t.Fatalf("exit status %d\n%s", code, p.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "state.db")); err != nil {
		t.Errorf("data_dir from the file not used: %v", err)
	}

	// A mistake in the file is named with its line.
	bad := filepath.Join(t.TempDir(), "bad")
	os.WriteFile(bad, []byte("config agent 'main'\n\toption acs_url 'http://127.0.0.1:1/'\n\toption colour 'blue'\n"), 0o600)
	code, _, errOut := runOnce(t, "run", "--config", bad, "--platform", "sim", "--data", dir)
	if code == 0 || !strings.Contains(errOut, `line 3: unknown option "colour"`) {
		t.Errorf("bad config: exit %d, stderr %q", code, errOut)
	}
}
