package connreq

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"gatewarden/acs/internal/store"
	"gatewarden/protocol/digest"
)

const (
	crUser = "cr-user"
	crPass = "s3cret-Pa55word"
)

// cpe is a connection-request listener on 127.0.0.1 that counts requests.
type cpe struct {
	*httptest.Server
	requests atomic.Int32
	authed   atomic.Int32
}

// newCPE serves next behind Digest authentication for crUser/crPass, as
// the agent's listener does; next == nil means no authentication at all.
func newCPE(t *testing.T, next http.HandlerFunc, withAuth bool) *cpe {
	t.Helper()
	c := &cpe{}
	var h http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.authed.Add(1)
		next(w, r)
	})
	if withAuth {
		srv, err := digest.NewServer(digest.Config{
			Realm: "gatewarden-cpe",
			Lookup: func(_ context.Context, user string) (digest.Credential, bool, error) {
				if user != crUser {
					return digest.Credential{}, false, nil
				}
				return digest.Credential{Password: crPass}, true, nil
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		h = srv.Wrap(h)
	}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.requests.Add(1)
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(c.Close)
	return c
}

func status(code int) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(code) }
}

func device(url string) store.Device {
	return store.Device{ID: "001122-CPE-SN1", ConnectionRequestURL: url, ConnReqUsername: crUser, ConnReqPassword: crPass}
}

// checkNoSecret fails when a result or error could carry the password.
func checkNoSecret(t *testing.T, res Result, err error) {
	t.Helper()
	if strings.Contains(res.Detail, crPass) || (err != nil && strings.Contains(err.Error(), crPass)) {
		t.Errorf("the password leaked: %+v, %v", res, err)
	}
}

func wakeHTTP(t *testing.T, opts HTTPOptions, dev store.Device) (Result, error) {
	t.Helper()
	res, err := NewHTTPChannel(opts).Wake(context.Background(), dev)
	checkNoSecret(t, res, err)
	return res, err
}

func TestHTTPWakeDigest(t *testing.T) {
	for _, code := range []int{http.StatusOK, http.StatusNoContent} {
		c := newCPE(t, status(code), true)
		res, err := wakeHTTP(t, HTTPOptions{}, device(c.URL+"/cr/abc123"))
		if err != nil {
			t.Fatal(err)
		}
		if res.Outcome != OK || res.Status != code || res.Channel != "http" {
			t.Errorf("%d: result %+v", code, res)
		}
		if c.requests.Load() != 2 || c.authed.Load() != 1 {
			t.Errorf("%d: %d requests, %d authenticated; want a challenge then one answer",
				code, c.requests.Load(), c.authed.Load())
		}
	}
}

func TestHTTPWakeWrongPassword(t *testing.T) {
	c := newCPE(t, status(http.StatusOK), true)
	dev := device(c.URL + "/")
	dev.ConnReqPassword = "wrong"
	res, err := wakeHTTP(t, HTTPOptions{}, dev)
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != BadCredentials || res.Status != http.StatusUnauthorized {
		t.Errorf("result %+v", res)
	}
	if c.requests.Load() != 2 || c.authed.Load() != 0 {
		t.Errorf("%d requests; want exactly one retry", c.requests.Load())
	}
}

func TestHTTPWakeNoCredentials(t *testing.T) {
	c := newCPE(t, status(http.StatusOK), true)
	dev := device(c.URL + "/")
	dev.ConnReqUsername, dev.ConnReqPassword = "", ""
	res, err := wakeHTTP(t, HTTPOptions{}, dev)
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != BadCredentials || !strings.Contains(res.Detail, "no connection-request credentials") {
		t.Errorf("result %+v", res)
	}
	if c.requests.Load() != 1 {
		t.Errorf("%d requests; nothing to answer the challenge with", c.requests.Load())
	}
}

func TestHTTPWakeWithoutAuthentication(t *testing.T) {
	c := newCPE(t, status(http.StatusOK), false)
	res, err := wakeHTTP(t, HTTPOptions{}, device(c.URL+"/"))
	if err != nil || res.Outcome != OK || c.requests.Load() != 1 {
		t.Errorf("result %+v, %v, %d requests", res, err, c.requests.Load())
	}
}

func TestHTTPWakeBusy(t *testing.T) {
	// 503 after authentication (the agent in a session) and before it (its
	// rate limit answers before checking credentials).
	for _, auth := range []bool{true, false} {
		c := newCPE(t, status(http.StatusServiceUnavailable), auth)
		res, err := wakeHTTP(t, HTTPOptions{}, device(c.URL+"/"))
		if err != nil {
			t.Fatal(err)
		}
		if res.Outcome != Busy || res.Status != http.StatusServiceUnavailable {
			t.Errorf("auth %v: result %+v", auth, res)
		}
	}
}

func TestHTTPWakeUnexpectedStatus(t *testing.T) {
	c := newCPE(t, status(http.StatusNotFound), true)
	res, err := wakeHTTP(t, HTTPOptions{}, device(c.URL+"/"))
	if err != nil || res.Outcome != Failed || res.Status != http.StatusNotFound {
		t.Errorf("result %+v, %v", res, err)
	}
}

func TestHTTPWakeDoesNotFollowRedirects(t *testing.T) {
	var followed atomic.Bool
	target := newCPE(t, func(w http.ResponseWriter, _ *http.Request) { followed.Store(true) }, false)
	c := newCPE(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+"/", http.StatusFound)
	}, false)
	res, err := wakeHTTP(t, HTTPOptions{}, device(c.URL+"/"))
	if err != nil || res.Outcome != Failed || res.Status != http.StatusFound {
		t.Errorf("result %+v, %v", res, err)
	}
	if followed.Load() {
		t.Error("the redirect was followed")
	}
}

func TestHTTPWakeBasicChallenge(t *testing.T) {
	basic := func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		if !ok || u != crUser || p != crPass {
			w.Header().Set("WWW-Authenticate", `Basic realm="cpe"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusOK)
	}
	c := newCPE(t, basic, false)
	res, err := wakeHTTP(t, HTTPOptions{}, device(c.URL+"/"))
	if err != nil || res.Outcome != Failed || !strings.Contains(res.Detail, "will not send") {
		t.Errorf("Basic over http without AllowBasic: %+v, %v", res, err)
	}
	if c.requests.Load() != 1 {
		t.Errorf("%d requests: the password went out in clear", c.requests.Load())
	}
	res, err = wakeHTTP(t, HTTPOptions{AllowBasic: true}, device(c.URL+"/"))
	if err != nil || res.Outcome != OK {
		t.Errorf("Basic with AllowBasic: %+v, %v", res, err)
	}
}

func TestHTTPWakeRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	res, err := wakeHTTP(t, HTTPOptions{}, device("http://"+addr+"/"))
	if err != nil || res.Outcome != Offline || res.Detail != "connection refused" {
		t.Errorf("result %+v, %v", res, err)
	}
}

func TestHTTPWakeReset(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			// Read the request, then reset instead of answering.
			buf := make([]byte, 1024)
			_, _ = conn.Read(buf)
			_ = conn.(*net.TCPConn).SetLinger(0)
			conn.Close()
		}
	}()
	res, err := wakeHTTP(t, HTTPOptions{}, device("http://"+ln.Addr().String()+"/"))
	if err != nil || res.Outcome != Offline || res.Detail != "connection reset" {
		t.Errorf("result %+v, %v", res, err)
	}
}

func TestHTTPWakeGarbage(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			buf := make([]byte, 1024)
			_, _ = conn.Read(buf)
			_, _ = conn.Write([]byte("SSH-2.0-OpenSSH\r\n\r\n"))
			conn.Close()
		}
	}()
	res, err := wakeHTTP(t, HTTPOptions{}, device("http://"+ln.Addr().String()+"/"))
	if err != nil || res.Outcome != Failed || !strings.HasPrefix(res.Detail, "bad answer") {
		t.Errorf("result %+v, %v", res, err)
	}
	if strings.Contains(res.Detail, ln.Addr().String()+"/") {
		t.Errorf("detail repeats the URL: %s", res.Detail)
	}
}

func TestHTTPWakeTimeout(t *testing.T) {
	release := make(chan struct{})
	c := newCPE(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}, true)
	defer close(release)
	start := time.Now()
	res, err := wakeHTTP(t, HTTPOptions{Timeout: 150 * time.Millisecond}, device(c.URL+"/"))
	if err != nil || res.Outcome != Offline || res.Detail != "timeout after 150ms" {
		t.Errorf("result %+v, %v", res, err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("took %v with a 150ms timeout", el)
	}
}

func TestHTTPWakeCallerGivesUp(t *testing.T) {
	release := make(chan struct{})
	c := newCPE(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}, false)
	defer close(release)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err := NewHTTPChannel(HTTPOptions{}).Wake(ctx, device(c.URL+"/"))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
}

func TestCheckURL(t *testing.T) {
	good := []string{"http://10.0.0.1:7547/abc", "HTTP://[2001:db8::1]:7547/", "http://cpe.example/x?y=1#frag"}
	for _, u := range good {
		if _, err := checkURL(u); err != nil {
			t.Errorf("checkURL(%q): %v", u, err)
		}
	}
	bad := map[string]error{
		"":                              ErrNoURL,
		"https://10.0.0.1:7547/":        ErrBadURL,
		"udp://10.0.0.1:7547":           ErrBadURL,
		"http://admin:pw@10.0.0.1/":     ErrBadURL,
		"http://admin@10.0.0.1/":        ErrBadURL,
		"http:///nohost":                ErrBadURL,
		"http://:7547/":                 ErrBadURL,
		"http:opaque":                   ErrBadURL,
		"http://10.0.0.1:7547/%zz":      ErrBadURL,
		"javascript:alert(1)":           ErrBadURL,
		"10.0.0.1:7547/no-scheme":       ErrBadURL,
		"http://[::1]:7547/\x7f-ctl-ch": ErrBadURL,
	}
	for u, want := range bad {
		_, err := checkURL(u)
		if !errors.Is(err, want) || !errors.Is(err, ErrUnavailable) {
			t.Errorf("checkURL(%q) = %v, want %v", u, err, want)
		}
		if err != nil && strings.Contains(err.Error(), "pw") {
			t.Errorf("checkURL(%q) error quotes userinfo: %v", u, err)
		}
	}
}

func TestHTTPWakeRefusesForbiddenAddresses(t *testing.T) {
	// The dial is refused before connect: nothing leaves the host.
	for _, u := range []string{"http://169.254.169.254:80/latest/meta-data", "http://0.0.0.0:7547/", "http://[fe80::1]:7547/", "http://224.0.0.1:7547/"} {
		_, err := wakeHTTP(t, HTTPOptions{Timeout: time.Second}, device(u))
		if !errors.Is(err, ErrBadURL) {
			t.Errorf("%s: error %v, want ErrBadURL", u, err)
		}
	}
	// The policy is the caller's to change.
	c := newCPE(t, status(http.StatusOK), false)
	_, err := wakeHTTP(t, HTTPOptions{AllowAddr: func(a netip.Addr) bool { return !a.IsLoopback() }}, device(c.URL+"/"))
	if !errors.Is(err, ErrBadURL) || c.requests.Load() != 0 {
		t.Errorf("loopback refused by policy: %v, %d requests", err, c.requests.Load())
	}
}

func TestDefaultAllowAddr(t *testing.T) {
	for s, want := range map[string]bool{
		"127.0.0.1": true, "10.1.2.3": true, "100.64.0.1": true, "2001:db8::1": true, "::1": true,
		"169.254.169.254": false, "0.0.0.0": false, "::": false, "fe80::1": false, "ff02::1": false,
		"239.1.1.1": false, "255.255.255.255": false, "::ffff:169.254.1.1": false,
	} {
		if got := DefaultAllowAddr(netip.MustParseAddr(s)); got != want {
			t.Errorf("DefaultAllowAddr(%s) = %v, want %v", s, got, want)
		}
	}
}
