package connreq

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gatewarden/cpe-agent/internal/clock"
	"gatewarden/protocol/digest"
)

type fixture struct {
	l        *Listener
	clk      *clock.Fake
	triggers atomic.Int32
	mu       sync.Mutex
	user     string
	pass     string
	credErr  error
	onTrig   func()
}

func newFixture(t *testing.T, mod func(*Options)) *fixture {
	t.Helper()
	f := &fixture{clk: clock.NewFake(time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)), user: "acs-user", pass: "s3cret"}
	opts := Options{
		Addr:   "127.0.0.1:0",
		Clock:  f.clk,
		Logger: slog.New(slog.DiscardHandler),
		Credentials: func(context.Context) (string, string, error) {
			f.mu.Lock()
			defer f.mu.Unlock()
			return f.user, f.pass, f.credErr
		},
		Trigger: func() {
			f.triggers.Add(1)
			if f.onTrig != nil {
				f.onTrig()
			}
		},
	}
	if mod != nil {
		mod(&opts)
	}
	l, err := Listen(opts)
	if err != nil {
		t.Fatal(err)
	}
	f.l = l
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- l.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return f
}

func (f *fixture) url() string { return f.l.URL("") }

// waitTriggers waits up to a second (the spec's bound) for n triggers:
// Trigger runs just after the answer is flushed, so it may trail it.
func (f *fixture) waitTriggers(t *testing.T, n int32) {
	t.Helper()
	deadline := time.Now().Add(time.Second)
	for f.triggers.Load() < n && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if got := f.triggers.Load(); got != n {
		t.Fatalf("triggers = %d within a second, want %d", got, n)
	}
}

// digestGet does what an ACS does: GET, answer the 401, GET again.
func digestGet(t *testing.T, url, user, pass string) *http.Response {
	t.Helper()
	c := &http.Client{Transport: &digest.Transport{Client: digest.NewClient(user, pass), Base: &http.Transport{}}}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestCase49ConnectionRequestDigest — §8 case 49: An unauthenticated GET to
// ConnectionRequestURL gets 401 Digest. The correct Digest gets 200/204 with
// an empty body before the Inform, and the Inform carries 6 CONNECTION
// REQUEST. Wrong credentials start no session. (The Inform side is
// TestCase49ConnectionRequestSession in the session package.)
func TestCase49ConnectionRequestDigest(t *testing.T) {
	f := newFixture(t, nil)

	resp, err := http.Get(f.url())
	if err != nil {
		t.Fatal(err)
	}
	readAll(t, resp)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("unauthenticated GET: status %d, want 401", resp.StatusCode)
	}
	chs, err := digest.ParseChallenges(resp.Header)
	if err != nil || len(chs) == 0 || !chs[0].Is("Digest") {
		t.Fatalf("401 challenge %q does not parse as Digest (%v)", resp.Header.Values("WWW-Authenticate"), err)
	}
	if qop, _ := chs[0].Param("qop"); qop != "auth" {
		t.Errorf("challenge qop = %q, want auth", qop)
	}
	for _, ch := range chs {
		if ch.Is("Basic") {
			t.Errorf("plain-http listener offers Basic: %v", ch)
		}
	}

	resp = digestGet(t, f.url(), "acs-user", "wrong")
	readAll(t, resp)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong password: status %d, want 401", resp.StatusCode)
	}
	resp = digestGet(t, f.url(), "someone-else", "s3cret")
	readAll(t, resp)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong username: status %d, want 401", resp.StatusCode)
	}
	if n := f.triggers.Load(); n != 0 {
		t.Fatalf("refused requests triggered %d sessions", n)
	}

	// Trigger waits until the client holds the answer: if the 200 were not
	// written before Trigger, this would deadlock and time out.
	got := make(chan struct{})
	f.onTrig = func() {
		select {
		case <-got:
		case <-time.After(5 * time.Second):
			t.Error("Trigger ran before the 200 reached the client")
		}
	}
	c := &http.Client{Transport: &digest.Transport{Client: digest.NewClient("acs-user", "s3cret"), Base: &http.Transport{}}}
	resp, err = c.Get(f.url())
	if err != nil {
		t.Fatal(err)
	}
	close(got)
	body := readAll(t, resp)
	if resp.StatusCode != http.StatusOK || body != "" {
		t.Fatalf("authenticated GET: status %d body %q, want 200 and empty", resp.StatusCode, body)
	}
	if resp.ContentLength != 0 {
		t.Errorf("Content-Length %d, want 0", resp.ContentLength)
	}
	f.waitTriggers(t, 1)
}

func TestCredentialsChangeAppliesToNextRequest(t *testing.T) {
	f := newFixture(t, nil)
	f.mu.Lock()
	f.user, f.pass = "", ""
	f.mu.Unlock()
	resp := digestGet(t, f.url(), "", "")
	readAll(t, resp)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("with no credentials configured: status %d, want 401", resp.StatusCode)
	}
	f.mu.Lock()
	f.user, f.pass = "new", "pw2"
	f.mu.Unlock()
	resp = digestGet(t, f.url(), "new", "pw2")
	readAll(t, resp)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("after the credentials changed: status %d, want 200", resp.StatusCode)
	}
}

func TestCredentialsUnavailableIs503(t *testing.T) {
	f := newFixture(t, nil)
	f.mu.Lock()
	f.credErr = errors.New("store closed")
	f.mu.Unlock()
	resp := digestGet(t, f.url(), "acs-user", "s3cret")
	readAll(t, resp)
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503", resp.StatusCode)
	}
	if f.triggers.Load() != 0 {
		t.Fatal("triggered without verified credentials")
	}
}

func TestPathAndMethod(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.Path = "/crpath" })
	base := strings.TrimSuffix(f.url(), "/crpath")
	for _, tc := range []struct {
		method, path string
		want         int
	}{
		{"GET", "/", 404},
		{"GET", "/crpath/x", 404},
		{"GET", "/other", 404},
		{"POST", "/crpath", 405},
		{"HEAD", "/crpath", 405},
		{"PUT", "/crpath", 405},
		{"GET", "/crpath?x=1", 401}, // the query is ignored, the path matches
	} {
		req, _ := http.NewRequest(tc.method, base+tc.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		readAll(t, resp)
		if resp.StatusCode != tc.want {
			t.Errorf("%s %s: status %d, want %d", tc.method, tc.path, resp.StatusCode, tc.want)
		}
		if tc.want == 405 && resp.Header.Get("Allow") != "GET" {
			t.Errorf("%s: Allow = %q, want GET", tc.method, resp.Header.Get("Allow"))
		}
	}
	if f.triggers.Load() != 0 {
		t.Fatal("triggered by a request that was not an authenticated GET")
	}
}

// TestCase50RateLimit — §8 case 50: A burst of Connection Requests beyond
// the rate limit gets 503 without Retry-After. (That a request during a
// session does not abort it is TestCase50ConnectionRequestDuringSession in
// the session package.)
func TestCase50RateLimit(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.RateLimit = 10; o.RateWindow = 5 * time.Second })
	statuses := map[int]int{}
	for i := 0; i < 15; i++ {
		resp, err := http.Get(f.url())
		if err != nil {
			t.Fatal(err)
		}
		readAll(t, resp)
		statuses[resp.StatusCode]++
		if resp.StatusCode == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") != "" {
			t.Errorf("503 carries Retry-After %q", resp.Header.Get("Retry-After"))
		}
	}
	if statuses[401] != 10 || statuses[503] != 5 {
		t.Fatalf("statuses %v, want 10×401 then 5×503", statuses)
	}
	// Even correct credentials are refused while the window is full.
	resp := digestGet(t, f.url(), "acs-user", "s3cret")
	readAll(t, resp)
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("authenticated request over the limit: %d, want 503", resp.StatusCode)
	}
	if f.triggers.Load() != 0 {
		t.Fatal("a refused request triggered a session")
	}
	f.clk.Advance(5 * time.Second)
	resp = digestGet(t, f.url(), "acs-user", "s3cret")
	readAll(t, resp)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("after the window passed: %d, want 200", resp.StatusCode)
	}
	f.waitTriggers(t, 1)
}

func TestRateLimitSlidingWindow(t *testing.T) {
	clk := clock.NewFake(time.Unix(0, 0))
	l := newLimiter(3, 5*time.Second)
	for i := 0; i < 3; i++ {
		if !l.allow(clk.Now()) {
			t.Fatalf("event %d refused", i)
		}
		clk.Advance(time.Second)
	}
	if l.allow(clk.Now()) { // t=3s: 3 events in the last 5 s
		t.Fatal("4th event within the window admitted")
	}
	clk.Advance(2 * time.Second) // t=5s: the event at 0 s left the window
	if !l.allow(clk.Now()) {
		t.Fatal("event after the oldest left the window refused")
	}
	if l.allow(clk.Now()) {
		t.Fatal("window full again but admitted")
	}
}

func TestSeveralRequestsEachAnsweredEachTriggers(t *testing.T) {
	// Coalescing several triggers into one session is the session's job;
	// the listener answers and reports every accepted request.
	f := newFixture(t, nil)
	for i := 0; i < 3; i++ {
		resp := digestGet(t, f.url(), "acs-user", "s3cret")
		readAll(t, resp)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("request %d: %d", i, resp.StatusCode)
		}
	}
	f.waitTriggers(t, 3)
}

func TestSizeLimits(t *testing.T) {
	f := newFixture(t, nil)
	req, _ := http.NewRequest("GET", f.url(), nil)
	req.Header.Set("X-Pad", strings.Repeat("a", 16<<10))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	readAll(t, resp)
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("16 KiB header: status %d, want 431", resp.StatusCode)
	}
	if f.l.srv.ReadHeaderTimeout == 0 || f.l.srv.ReadTimeout == 0 || f.l.srv.WriteTimeout == 0 || f.l.srv.IdleTimeout == 0 {
		t.Error("a server timeout is unset")
	}

	// A body is ignored; a large one does not stop the answer.
	req, _ = http.NewRequest("GET", f.url(), strings.NewReader(strings.Repeat("b", 64<<10)))
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	readAll(t, resp)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET with a 64 KiB body: status %d, want 401", resp.StatusCode)
	}
}

func TestURL(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.Path = "/p" })
	port := f.l.Addr().(interface{ String() string }).String()
	port = port[strings.LastIndex(port, ":")+1:]
	if got, want := f.l.URL(""), "http://127.0.0.1:"+port+"/p"; got != want {
		t.Errorf("URL(\"\") = %q, want %q", got, want)
	}
	if got, want := f.l.URL("2001:db8::1"), "http://[2001:db8::1]:"+port+"/p"; got != want {
		t.Errorf("URL(v6) = %q, want %q", got, want)
	}
	if f.l.Path() != "/p" {
		t.Errorf("Path = %q", f.l.Path())
	}
}

func TestRandomPath(t *testing.T) {
	a, err := Listen(Options{Addr: "127.0.0.1:0", Logger: slog.New(slog.DiscardHandler), Credentials: func(context.Context) (string, string, error) { return "", "", nil }, Trigger: func() {}})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Listen(Options{Addr: "127.0.0.1:0", Logger: slog.New(slog.DiscardHandler), Credentials: func(context.Context) (string, string, error) { return "", "", nil }, Trigger: func() {}})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if a.Path() == b.Path() || len(a.Path()) < 33 {
		t.Fatalf("paths %q and %q: want distinct random 128-bit paths", a.Path(), b.Path())
	}
	if _, err := Listen(Options{Addr: "127.0.0.1:0", Logger: slog.New(slog.DiscardHandler), Path: "noslash", Credentials: func(context.Context) (string, string, error) { return "", "", nil }, Trigger: func() {}}); err == nil {
		t.Fatal("a path without a leading slash was accepted")
	}
}

// FuzzHandler feeds arbitrary request lines and Authorization headers to
// the handler: it must never panic and never trigger a session for
// credentials nobody computed.
func FuzzHandler(f *testing.F) {
	f.Add("GET", "/cr", `Digest username="acs-user", realm="gatewarden-cpe", nonce="abc", uri="/cr", response="00", qop=auth, nc=00000001, cnonce="x"`)
	f.Add("GET", "/cr", "Basic YWNzLXVzZXI6czNjcmV0")
	f.Add("POST", "/cr", "")
	f.Add("GET", "/x", `Digest username="`)
	f.Add("GET", "/cr", `Digest , , ,`)
	var triggered atomic.Int32
	l, err := Listen(Options{
		Addr:        "127.0.0.1:0",
		Path:        "/cr",
		Logger:      slog.New(slog.DiscardHandler),
		RateLimit:   1 << 20,
		Credentials: func(context.Context) (string, string, error) { return "acs-user", "s3cret", nil },
		Trigger:     func() { triggered.Add(1) },
	})
	if err != nil {
		f.Fatal(err)
	}
	defer l.Close()
	f.Fuzz(func(t *testing.T, method, path, authz string) {
		req := httptest.NewRequest("GET", "/", nil)
		req.Method = method
		req.URL.Path = path
		req.Header.Set("Authorization", authz)
		w := httptest.NewRecorder()
		l.ServeHTTP(w, req)
		if triggered.Load() != 0 {
			t.Fatalf("triggered by %s %q %q", method, path, authz)
		}
		if w.Code == http.StatusOK {
			t.Fatalf("200 for %s %q %q", method, path, authz)
		}
	})
}
