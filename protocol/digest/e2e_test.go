package digest

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// loopback is a real HTTP server on 127.0.0.1 guarded by a fixture's Server.
// It counts requests and keeps the last Authorization it accepted.
type loopback struct {
	*fixture
	ts       *httptest.Server
	hits     atomic.Int64
	mu       sync.Mutex
	accepted string
}

func newLoopback(t *testing.T, useTLS bool, mod func(*Config)) *loopback {
	t.Helper()
	lb := &loopback{fixture: newFixture(t, mod)}
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lb.mu.Lock()
		lb.accepted = r.Header.Get("Authorization")
		lb.mu.Unlock()
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Body", string(body))
		w.WriteHeader(http.StatusNoContent)
	})
	guarded := lb.srv.Wrap(inner)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lb.hits.Add(1)
		guarded.ServeHTTP(w, r)
	})
	if useTLS {
		lb.ts = httptest.NewTLSServer(h)
	} else {
		lb.ts = httptest.NewServer(h)
	}
	t.Cleanup(lb.ts.Close)
	return lb
}

func (lb *loopback) client(c *Client) *http.Client {
	return &http.Client{Transport: &Transport{Client: c, Base: lb.ts.Client().Transport}, Timeout: 5 * time.Second}
}

func (lb *loopback) lastAccepted() string {
	lb.mu.Lock()
	defer lb.mu.Unlock()
	return lb.accepted
}

func do(t *testing.T, hc *http.Client, method, url string, body io.Reader) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// raw sends one request with a given Authorization and no client logic.
func raw(t *testing.T, lb *loopback, path, authorization string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("GET", lb.ts.URL+path, nil)
	req.Header.Set("Authorization", authorization)
	resp, err := lb.ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func TestEndToEndSession(t *testing.T) {
	lb := newLoopback(t, false, nil)
	hc := lb.client(NewClient(testUser, testPass))

	// Connection-request shape: GET, no body. 401 then 204.
	if resp := do(t, hc, "GET", lb.ts.URL+"/", nil); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("first request: %d", resp.StatusCode)
	}
	if n := lb.hits.Load(); n != 2 {
		t.Fatalf("first request took %d round trips, want 2", n)
	}
	// Further requests reuse the nonce with a higher count: one round trip.
	for i := 0; i < 3; i++ {
		if resp := do(t, hc, "POST", lb.ts.URL+"/cwmp?x=1", strings.NewReader("<Inform/>")); resp.StatusCode != http.StatusNoContent {
			t.Fatalf("request %d: %d", i, resp.StatusCode)
		}
	}
	if n := lb.hits.Load(); n != 5 {
		t.Fatalf("%d round trips, want 5", n)
	}
	a, _ := ParseAuthorization(lb.lastAccepted())
	if a.NC != "00000004" || a.URI != "/cwmp?x=1" {
		t.Fatalf("last accepted %+v", a)
	}
}

func TestEndToEndWrongPassword(t *testing.T) {
	lb := newLoopback(t, false, nil)
	c := NewClient(testUser, "not the password")
	resp := do(t, lb.client(c), "GET", lb.ts.URL+"/", nil)
	if resp.StatusCode != http.StatusUnauthorized || lb.hits.Load() != 2 {
		t.Fatalf("status %d after %d round trips", resp.StatusCode, lb.hits.Load())
	}
	if strings.Contains(resp.Header.Get("WWW-Authenticate"), "stale") {
		t.Fatal("wrong password answered with stale")
	}
}

// The same exchange driven by hand, as the CPE's session code does it.
func TestEndToEndManualWrongPassword(t *testing.T) {
	lb := newLoopback(t, false, nil)
	c := NewClient(testUser, "not the password")
	send := func() *http.Response {
		req, _ := http.NewRequest("POST", lb.ts.URL+"/cwmp", strings.NewReader("<Inform/>"))
		if err := c.Authorize(req); err != nil {
			t.Fatal(err)
		}
		resp, err := lb.ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if retry, err := c.Handle(send()); !retry || err != nil {
		t.Fatalf("first 401: %v, %v", retry, err)
	}
	if retry, err := c.Handle(send()); retry || !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("second 401: %v, %v", retry, err)
	}
}

func TestEndToEndReplay(t *testing.T) {
	lb := newLoopback(t, false, nil)
	hc := lb.client(NewClient(testUser, testPass))
	do(t, hc, "GET", lb.ts.URL+"/", nil)
	captured := lb.lastAccepted()
	if resp := raw(t, lb, "/", captured); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("replayed request: %d", resp.StatusCode)
	}
	// The legitimate client goes on with the next count.
	if resp := do(t, hc, "GET", lb.ts.URL+"/", nil); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("next count: %d", resp.StatusCode)
	}
	// A captured header sent to another path does not verify either.
	captured = lb.lastAccepted()
	if resp := raw(t, lb, "/other", captured); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("uri mismatch: %d", resp.StatusCode)
	}
}

func TestEndToEndStaleRetry(t *testing.T) {
	lb := newLoopback(t, false, func(c *Config) { c.NonceLifetime = 30 * time.Second })
	hc := lb.client(NewClient(testUser, testPass))
	do(t, hc, "GET", lb.ts.URL+"/", nil)
	lb.clock.Advance(31 * time.Second)
	before := lb.hits.Load()
	body := "<Inform>after a long pause</Inform>"
	resp := do(t, hc, "POST", lb.ts.URL+"/cwmp", strings.NewReader(body))
	if resp.StatusCode != http.StatusNoContent || lb.hits.Load()-before != 2 {
		t.Fatalf("status %d after %d round trips", resp.StatusCode, lb.hits.Load()-before)
	}
	if resp.Header.Get("X-Body") != body {
		t.Fatalf("body on retry %q", resp.Header.Get("X-Body"))
	}
}

// The stale 401 itself, as a CPE of another make would see it.
func TestEndToEndStaleFlag(t *testing.T) {
	lb := newLoopback(t, false, func(c *Config) { c.NonceLifetime = 30 * time.Second })
	do(t, lb.client(NewClient(testUser, testPass)), "GET", lb.ts.URL+"/", nil)
	captured := lb.lastAccepted()
	lb.clock.Advance(time.Minute)
	resp := raw(t, lb, "/", captured)
	if resp.StatusCode != 401 || !strings.Contains(resp.Header.Get("WWW-Authenticate"), "stale=true") {
		t.Fatalf("expired nonce: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
}

func TestEndToEndTamperedAndForeign(t *testing.T) {
	lb := newLoopback(t, false, nil)
	other := newLoopback(t, false, func(c *Config) { c.Realm = "another-realm" })
	c := NewClient(testUser, testPass)
	do(t, lb.client(c), "GET", lb.ts.URL+"/", nil)
	a, _ := ParseAuthorization(lb.lastAccepted())

	n := []byte(a.Nonce)
	n[5] ^= 1
	t1 := a
	t1.Nonce, t1.NC = string(n), "00000002"
	if resp := raw(t, lb, "/", t1.String()); resp.StatusCode != 401 || strings.Contains(resp.Header.Get("WWW-Authenticate"), "stale") {
		t.Fatalf("tampered nonce: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
	// Credentials for one realm are no good in another.
	if resp := raw(t, other, "/", signed(t, c, "GET", "/").Header.Get("Authorization")); resp.StatusCode != 401 {
		t.Fatalf("other realm: %d", resp.StatusCode)
	}
	// An RFC 2069 client (no qop) is refused: the server requires qop=auth.
	legacy := a
	legacy.Qop, legacy.NC, legacy.Cnonce = "", "", ""
	legacy.Response = Response(ResponseInput{Algorithm: MD5, Username: testUser, Realm: testRealm,
		Password: testPass, Method: "GET", URI: "/", Nonce: a.Nonce})
	if resp := raw(t, lb, "/", legacy.String()); resp.StatusCode != 401 {
		t.Fatalf("no qop: %d", resp.StatusCode)
	}
}

func TestEndToEndBasic(t *testing.T) {
	plain := newLoopback(t, false, func(c *Config) { c.AllowBasic = true })
	if resp := raw(t, plain, "/", BasicAuthorization(testUser, testPass)); resp.StatusCode != 401 {
		t.Fatalf("basic over plain http: %d", resp.StatusCode)
	}
	secure := newLoopback(t, true, func(c *Config) { c.AllowBasic = true })
	c := NewClient(testUser, testPass)
	c.PreemptiveBasic = true
	if resp := do(t, secure.client(c), "GET", secure.ts.URL+"/", nil); resp.StatusCode != 204 || secure.hits.Load() != 1 {
		t.Fatalf("pre-emptive basic over tls: %d in %d round trips", resp.StatusCode, secure.hits.Load())
	}
	noBasic := newLoopback(t, true, nil)
	if resp := raw(t, noBasic, "/", BasicAuthorization(testUser, testPass)); resp.StatusCode != 401 {
		t.Fatalf("basic over tls when not allowed: %d", resp.StatusCode)
	}
	// Falls back to Digest on that server, without calling the password wrong.
	if resp := do(t, noBasic.client(c), "GET", noBasic.ts.URL+"/", nil); resp.StatusCode != 204 {
		t.Fatalf("digest after refused basic: %d", resp.StatusCode)
	}
}

func TestEndToEndAlgorithms(t *testing.T) {
	for _, alg := range []Algorithm{MD5Sess, SHA256, SHA256Sess} {
		lb := newLoopback(t, false, func(c *Config) { c.Algorithms = []Algorithm{alg} })
		hc := lb.client(NewClient(testUser, testPass))
		for i := 0; i < 2; i++ {
			if resp := do(t, hc, "GET", lb.ts.URL+"/", nil); resp.StatusCode != 204 {
				t.Fatalf("%s request %d: %d", alg, i, resp.StatusCode)
			}
		}
		a, _ := ParseAuthorization(lb.lastAccepted())
		if a.Algorithm != alg.String() {
			t.Fatalf("answered with %q, want %s", a.Algorithm, alg)
		}
	}
}

// A body without GetBody cannot be sent twice: the 401 goes back to the
// caller, and the next request carries the challenge it brought.
func TestEndToEndUnreplayableBody(t *testing.T) {
	lb := newLoopback(t, false, nil)
	hc := lb.client(NewClient(testUser, testPass))
	req, _ := http.NewRequest("POST", lb.ts.URL+"/cwmp", io.NopCloser(bytes.NewReader([]byte("x"))))
	req.GetBody = nil
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Fatalf("first: %d", resp.StatusCode)
	}
	if resp := do(t, hc, "POST", lb.ts.URL+"/cwmp", bytes.NewReader([]byte("x"))); resp.StatusCode != 204 {
		t.Fatalf("second: %d", resp.StatusCode)
	}
}

// One Client shared by many goroutines: counts may arrive out of order
// within the window and are all accepted.
func TestEndToEndConcurrentClient(t *testing.T) {
	lb := newLoopback(t, false, nil)
	hc := lb.client(NewClient(testUser, testPass))
	do(t, hc, "GET", lb.ts.URL+"/", nil)
	var wg sync.WaitGroup
	var failed atomic.Int64
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				req, _ := http.NewRequest("GET", lb.ts.URL+"/", nil)
				resp, err := hc.Do(req)
				if err != nil || resp.StatusCode != 204 {
					failed.Add(1)
				}
				if err == nil {
					resp.Body.Close()
				}
			}
		}()
	}
	wg.Wait()
	if n := failed.Load(); n != 0 {
		t.Fatalf("%d of 80 concurrent requests failed", n)
	}
}

func TestEndToEndStoreDown(t *testing.T) {
	lb := newLoopback(t, false, nil)
	c := NewClient(testUser, testPass)
	do(t, lb.client(c), "GET", lb.ts.URL+"/", nil)
	lb.failing.Store(true)
	resp := do(t, lb.client(c), "GET", lb.ts.URL+"/", nil)
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("store down: %d", resp.StatusCode)
	}
}

// A request the client cannot authorize never leaves, and its body is
// closed.
func TestTransportAuthorizeError(t *testing.T) {
	lb := newLoopback(t, false, nil)
	c := NewClient(testUser, testPass)
	c.Handle(unauthorized(httptest.NewRequest("GET", "https://acs.example/", nil), `Basic realm="r"`))
	body := &closeRecorder{Reader: strings.NewReader("x")}
	req, _ := http.NewRequest("POST", lb.ts.URL+"/", body)
	if _, err := lb.client(c).Do(req); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("basic over plain http: %v", err)
	}
	if !body.closed || lb.hits.Load() != 0 {
		t.Fatalf("closed %v, %d requests sent", body.closed, lb.hits.Load())
	}
}

type closeRecorder struct {
	io.Reader
	closed bool
}

func (c *closeRecorder) Close() error { c.closed = true; return nil }
