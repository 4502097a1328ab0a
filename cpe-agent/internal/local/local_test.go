package local

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"gatewarden/cpe-agent/internal/diag"
)

const testPassword = "Kq7-local-9f2e"

// fakeAgent is the running agent as the page sees it.
type fakeAgent struct{}

func (fakeAgent) Status(context.Context) (Status, error) {
	return Status{
		Serial: "SN-LOCAL-1", SoftwareVersion: "2.4.1", Uptime: 90 * time.Minute,
		Line: &Line{Status: "Up", DownstreamRate: 48000, UpstreamRate: 9000, DownstreamNoiseMargin: 61, UpstreamNoiseMargin: 83},
		WAN:  WAN{Status: "Up", Addresses: []string{"198.51.100.7"}},
		ACS:  ACS{URL: "https://acs.example.net/cwmp", LastResult: "ok"},
		MQTT: "connected",
	}, nil
}

func (fakeAgent) Bundle(_ context.Context, w io.Writer) error {
	_, err := io.WriteString(w, "status: ok\nDevice.WiFi.AccessPoint.1.Security.KeyPassphrase=\n")
	return err
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func startPage(t *testing.T, probes Probes) (base string, clk *clock) {
	t.Helper()
	clk = &clock{t: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)}
	s, err := Listen(Options{
		Addr:     "127.0.0.1:0",
		Password: func() (string, error) { return testPassword, nil },
		Agent:    fakeAgent{},
		Probes:   probes,
		Now:      clk.now,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return "http://" + s.Addr().String(), clk
}

func client(t *testing.T) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 10 * time.Second}
}

func post(t *testing.T, c *http.Client, u string, form url.Values) (int, string) {
	t.Helper()
	resp, err := c.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func get(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func csrfOf(t *testing.T, page string) string {
	t.Helper()
	_, rest, ok := strings.Cut(page, `name=csrf value="`)
	if !ok {
		t.Fatalf("no CSRF token in the page:\n%s", page)
	}
	tok, _, _ := strings.Cut(rest, `"`)
	return tok
}

func TestWildcardAddressesAreRefused(t *testing.T) {
	for _, a := range []string{"0.0.0.0:8080", ":8080", "[::]:8080", "localhost:8080", "192.168.1.1", "192.168.1.1:99999"} {
		if err := CheckAddr(a); err == nil {
			t.Errorf("%q accepted", a)
		}
	}
	for _, a := range []string{"192.168.1.1:8080", "127.0.0.1:8080", "[fd00::1]:8080"} {
		if err := CheckAddr(a); err != nil {
			t.Errorf("%q refused: %v", a, err)
		}
	}
}

func TestLoginStatusPingLogout(t *testing.T) {
	var pinged string
	base, _ := startPage(t, Probes{Ping: func(_ context.Context, s diag.PingSpec) (diag.PingResult, error) {
		pinged = s.Host
		return diag.PingResult{Address: net.ParseIP(s.Host), Success: uint32(s.Count), Min: time.Millisecond, Average: 2 * time.Millisecond, Max: 3 * time.Millisecond}, nil
	}})
	c := client(t)
	// Not logged in: pages redirect to the login, data answers 401.
	if code, body := get(t, c, base+"/"); code != 200 || !strings.Contains(body, `name=password`) {
		t.Fatalf("anonymous /: %d", code)
	}
	if code, _ := get(t, c, base+"/status.json"); code != http.StatusUnauthorized {
		t.Fatalf("anonymous status.json: %d", code)
	}
	if code, body := post(t, c, base+"/login", url.Values{"password": {"guess"}}); code != http.StatusUnauthorized || !strings.Contains(body, "Wrong password") {
		t.Fatalf("wrong password: %d", code)
	}
	code, body := post(t, c, base+"/login", url.Values{"password": {testPassword}})
	if code != 200 || !strings.Contains(body, "SN-LOCAL-1") || !strings.Contains(body, "48000 / 9000 kbit/s") || !strings.Contains(body, "6.1 dB / 8.3 dB") {
		t.Fatalf("status after login: %d\n%s", code, body)
	}
	csrf := csrfOf(t, body)

	code, js := get(t, c, base+"/status.json")
	var st Status
	if code != 200 || json.Unmarshal([]byte(js), &st) != nil || st.Line.DownstreamRate != 48000 {
		t.Fatalf("status.json: %d %s", code, js)
	}
	// A form without the session's token is refused.
	if code, _ := post(t, c, base+"/ping", url.Values{"host": {"127.0.0.1"}}); code != http.StatusForbidden {
		t.Fatalf("ping without CSRF token: %d", code)
	}
	code, body = post(t, c, base+"/ping", url.Values{"host": {"10.0.0.1"}, "count": {"3"}, "csrf": {csrf}})
	if code != 200 || pinged != "10.0.0.1" || !strings.Contains(body, "3 of 3 answered") {
		t.Fatalf("ping: %d %q\n%s", code, pinged, body)
	}
	// Host names are shown escaped.
	_, body = post(t, c, base+"/ping", url.Values{"host": {`<script>x</script>`}, "csrf": {csrf}})
	if strings.Contains(body, "<script>") {
		t.Fatal("the host was echoed unescaped")
	}
	if code, body := get(t, c, base+"/bundle"); code != 200 || !strings.Contains(body, "KeyPassphrase=\n") {
		t.Fatalf("bundle: %d %s", code, body)
	}
	post(t, c, base+"/logout", url.Values{"csrf": {csrf}})
	if code, _ := get(t, c, base+"/status.json"); code != http.StatusUnauthorized {
		t.Fatalf("status.json after logout: %d", code)
	}
}

func TestWrongPasswordsAreSlowedDown(t *testing.T) {
	base, clk := startPage(t, Probes{})
	c := client(t)
	for i := 0; i < freeFailures; i++ {
		if code, _ := post(t, c, base+"/login", url.Values{"password": {"nope"}}); code != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d", i+1, code)
		}
	}
	// Locked: even the right password is not looked at.
	code, body := post(t, c, base+"/login", url.Values{"password": {testPassword}})
	if code != http.StatusTooManyRequests || !strings.Contains(body, "Too many wrong passwords") {
		t.Fatalf("during lockout: %d", code)
	}
	clk.add(baseLockout + time.Millisecond)
	// One more failure doubles the wait.
	post(t, c, base+"/login", url.Values{"password": {"nope"}})
	clk.add(baseLockout + time.Millisecond)
	if code, _ := post(t, c, base+"/login", url.Values{"password": {testPassword}}); code != http.StatusTooManyRequests {
		t.Fatalf("second lockout should last %v: %d", 2*baseLockout, code)
	}
	clk.add(baseLockout)
	if code, body := post(t, c, base+"/login", url.Values{"password": {testPassword}}); code != 200 || !strings.Contains(body, "SN-LOCAL-1") {
		t.Fatalf("after the lockout: %d", code)
	}
}

func TestSessionsExpireWhenIdle(t *testing.T) {
	base, clk := startPage(t, Probes{})
	c := client(t)
	post(t, c, base+"/login", url.Values{"password": {testPassword}})
	if code, _ := get(t, c, base+"/status.json"); code != 200 {
		t.Fatalf("fresh session: %d", code)
	}
	clk.add(sessionIdle + time.Second)
	if code, _ := get(t, c, base+"/status.json"); code != http.StatusUnauthorized {
		t.Fatalf("idle session: %d", code)
	}
}

func TestEmptyPasswordLetsNobodyIn(t *testing.T) {
	g := newGuard(func() (string, error) { return "", nil }, time.Now)
	if _, ok, _ := g.login("a", ""); ok {
		t.Fatal("an empty password logged in")
	}
	g = newGuard(func() (string, error) { return "", errors.New("no file") }, time.Now)
	if _, _, err := g.login("a", "x"); err == nil {
		t.Fatal("an unreadable password did not say so")
	}
}

func TestDiagSocket(t *testing.T) {
	dir := t.TempDir()
	s, err := ListenSocket(dir, fakeAgent{}, Probes{
		Ping: func(_ context.Context, sp diag.PingSpec) (diag.PingResult, error) {
			return diag.PingResult{Success: uint32(sp.Count)}, nil
		},
		Trace: func(_ context.Context, sp diag.TraceSpec) (diag.TraceResult, error) {
			return diag.TraceResult{}, &diag.Error{State: "Error_MaxHopCountExceeded", Err: errors.New("far away")}
		},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	defer func() { cancel(); <-done }()

	fi, err := os.Stat(filepath.Join(dir, SocketName))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("socket mode: %v %v", fi.Mode(), err)
	}
	res, _, err := Call(ctx, dir, "status", "", 0)
	var st Status
	if err != nil || json.Unmarshal(res, &st) != nil || st.Serial != "SN-LOCAL-1" {
		t.Fatalf("status: %s %v", res, err)
	}
	res, _, err = Call(ctx, dir, "ping", "127.0.0.1", 2)
	var pr diag.PingResult
	if err != nil || json.Unmarshal(res, &pr) != nil || pr.Success != 2 {
		t.Fatalf("ping: %s %v", res, err)
	}
	if _, _, err := Call(ctx, dir, "traceroute", "10.0.0.1", 0); err == nil || !strings.Contains(err.Error(), "far away") {
		t.Fatalf("traceroute error: %v", err)
	}
	if _, text, err := Call(ctx, dir, "bundle", "", 0); err != nil || !strings.HasPrefix(text, "status: ok") {
		t.Fatalf("bundle: %q %v", text, err)
	}
	if _, _, err := Call(ctx, dir, "reboot", "", 0); err == nil || !strings.Contains(err.Error(), "unknown command") {
		t.Fatalf("unknown command: %v", err)
	}
	if _, _, err := Call(ctx, t.TempDir(), "status", "", 0); err == nil || !strings.Contains(err.Error(), "no running agent") {
		t.Fatalf("no agent: %v", err)
	}
}
