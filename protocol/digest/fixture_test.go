package digest

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const (
	testRealm = "gatewarden-acs"
	testUser  = "00D09E-IGD-SN%2F0001"
	testPass  = "s3cret \"Pässword\""
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fixture is a Server over an in-memory credential store, on a fake clock.
type fixture struct {
	srv     *Server
	clock   *fakeClock
	users   map[string]Credential
	lookups atomic.Int64
	failing atomic.Bool // lookup returns an error
}

var errStoreDown = errors.New("store unreachable")

func newFixture(t testing.TB, mod func(*Config)) *fixture {
	t.Helper()
	f := &fixture{
		clock: &fakeClock{t: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)},
		users: map[string]Credential{testUser: {Password: testPass}},
	}
	cfg := Config{
		Realm:   testRealm,
		Secrets: [][]byte{[]byte("0123456789abcdef0123456789abcdef")},
		Now:     f.clock.Now,
		Lookup: func(_ context.Context, user string) (Credential, bool, error) {
			f.lookups.Add(1)
			if f.failing.Load() {
				return Credential{}, false, errStoreDown
			}
			c, ok := f.users[user]
			return c, ok, nil
		},
	}
	if mod != nil {
		mod(&cfg)
	}
	s, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	f.srv = s
	return f
}

// challenge returns the 401 the server answers a bare request with, as the
// client would receive it.
func (f *fixture) challenge(req *http.Request, stale bool) *http.Response {
	rec := httptest.NewRecorder()
	f.srv.Challenge(rec, stale)
	resp := rec.Result()
	resp.Request = req
	return resp
}

// login has c adopt a fresh challenge from f.
func (f *fixture) login(t testing.TB, c *Client) {
	t.Helper()
	retry, err := c.Handle(f.challenge(httptest.NewRequest("POST", "/cwmp", nil), false))
	if err != nil || !retry {
		t.Fatalf("Handle = %v, %v", retry, err)
	}
}

// signed returns a request to target authorized by c.
func signed(t testing.TB, c *Client, method, target string) *http.Request {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	if err := c.Authorize(req); err != nil {
		t.Fatal(err)
	}
	return req
}

// withHeader is req with its Authorization rewritten by edit.
func withHeader(t testing.TB, req *http.Request, edit func(*Authorization)) *http.Request {
	t.Helper()
	a, err := ParseAuthorization(req.Header.Get("Authorization"))
	if err != nil {
		t.Fatal(err)
	}
	edit(&a)
	r := req.Clone(req.Context())
	r.Header.Set("Authorization", a.String())
	return r
}
