package digest

import (
	"crypto/tls"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestChallengeHeader(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.Realm = `acs "main"` })
	rec := httptest.NewRecorder()
	f.srv.Challenge(rec, false)
	if rec.Code != http.StatusUnauthorized {
		t.Fatalf("status %d", rec.Code)
	}
	re := regexp.MustCompile(`^Digest realm="acs \\"main\\"", qop="auth", nonce="[A-Za-z0-9_-]{48}", opaque="[A-Za-z0-9_-]{16}", algorithm=MD5$`)
	got := rec.Header().Values("WWW-Authenticate")
	if len(got) != 1 || !re.MatchString(got[0]) {
		t.Fatalf("WWW-Authenticate = %q", got)
	}
	rec = httptest.NewRecorder()
	f.srv.Challenge(rec, true)
	if v := rec.Header().Get("WWW-Authenticate"); !strings.HasSuffix(v, ", stale=true") {
		t.Fatalf("stale challenge = %q", v)
	}
	second := rec.Header().Get("WWW-Authenticate")
	if nonceOf(t, got[0]) == nonceOf(t, second) {
		t.Fatal("two challenges carried the same nonce")
	}
}

func nonceOf(t *testing.T, challenge string) string {
	t.Helper()
	cs, err := ParseChallenge(challenge)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := cs[0].Param("nonce")
	return n
}

func TestChallengeSeveralAlgorithms(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.Algorithms = []Algorithm{SHA256, MD5} })
	rec := httptest.NewRecorder()
	f.srv.Challenge(rec, false)
	cs, err := ParseChallenges(rec.Header())
	if err != nil || len(cs) != 2 {
		t.Fatalf("challenges %v, %v", cs, err)
	}
	for i, want := range []string{"SHA-256", "MD5"} {
		if a, _ := cs[i].Param("algorithm"); a != want {
			t.Errorf("challenge %d algorithm %q, want %q", i, a, want)
		}
	}
}

func TestAuthenticateValid(t *testing.T) {
	for _, alg := range []Algorithm{MD5, MD5Sess, SHA256, SHA256Sess} {
		t.Run(alg.String(), func(t *testing.T) {
			f := newFixture(t, func(c *Config) { c.Algorithms = []Algorithm{alg} })
			c := NewClient(testUser, testPass)
			f.login(t, c)
			for i := 0; i < 3; i++ {
				user, err := f.srv.Authenticate(signed(t, c, "POST", "/cwmp"))
				if err != nil || user != testUser {
					t.Fatalf("request %d: %q, %v", i, user, err)
				}
			}
			// A tab may separate the scheme from the parameters.
			req := signed(t, c, "POST", "/cwmp")
			req.Header.Set("Authorization", strings.Replace(req.Header.Get("Authorization"), " ", "\t", 1))
			if _, err := f.srv.Authenticate(req); err != nil {
				t.Fatalf("tab after scheme: %v", err)
			}
		})
	}
}

// A store may keep HA1 instead of the password.
func TestAuthenticateHA1Credential(t *testing.T) {
	for _, alg := range []Algorithm{MD5, MD5Sess, SHA256Sess} {
		t.Run(alg.String(), func(t *testing.T) {
			f := newFixture(t, func(c *Config) { c.Algorithms = []Algorithm{alg} })
			f.users[testUser] = Credential{HA1: HA1(alg, testUser, testRealm, testPass)}
			c := NewClient(testUser, testPass)
			f.login(t, c)
			if _, err := f.srv.Authenticate(signed(t, c, "POST", "/cwmp")); err != nil {
				t.Fatal(err)
			}
			bad := NewClient(testUser, "wrong")
			f.login(t, bad)
			if _, err := f.srv.Authenticate(signed(t, bad, "POST", "/cwmp")); !errors.Is(err, ErrBadCredentials) {
				t.Fatalf("wrong password: %v", err)
			}
		})
	}
	// An HA1 of the wrong family is a store fault, not the client's.
	f := newFixture(t, nil)
	f.users[testUser] = Credential{HA1: HA1(SHA256, testUser, testRealm, testPass)}
	c := NewClient(testUser, testPass)
	f.login(t, c)
	_, err := f.srv.Authenticate(signed(t, c, "POST", "/cwmp"))
	if err == nil || IsAuthError(err) {
		t.Fatalf("mismatched HA1: %v", err)
	}
}

func TestAuthenticateFailures(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.Algorithms = []Algorithm{MD5, MD5Sess} })
	c := NewClient(testUser, testPass)
	f.login(t, c)
	good := signed(t, c, "POST", "/cwmp")

	tamperedNonce := func(a *Authorization) {
		b := []byte(a.Nonce)
		if b[20] == 'A' {
			b[20] = 'B'
		} else {
			b[20] = 'A'
		}
		a.Nonce = string(b)
	}
	tests := []struct {
		name string
		req  *http.Request
		want error
	}{
		{"no header", httptest.NewRequest("POST", "/cwmp", nil), ErrNoCredentials},
		{"other scheme", func() *http.Request {
			r := httptest.NewRequest("POST", "/cwmp", nil)
			r.Header.Set("Authorization", "Bearer abc")
			return r
		}(), ErrUnsupported},
		{"two headers", func() *http.Request {
			r := good.Clone(good.Context())
			r.Header.Add("Authorization", good.Header.Get("Authorization"))
			return r
		}(), ErrMalformed},
		{"garbage", func() *http.Request {
			r := httptest.NewRequest("POST", "/cwmp", nil)
			r.Header.Set("Authorization", `Digest username="u`)
			return r
		}(), ErrMalformed},
		{"unknown user", withHeader(t, good, func(a *Authorization) { a.Username = "nobody" }), ErrBadCredentials},
		{"wrong response", withHeader(t, good, func(a *Authorization) { a.Response = strings.Repeat("0", 32) }), ErrBadCredentials},
		{"response not hex", withHeader(t, good, func(a *Authorization) { a.Response = "zz" }), ErrBadCredentials},
		{"method changed", func() *http.Request {
			r := good.Clone(good.Context())
			r.Method = "GET"
			return r
		}(), ErrBadCredentials},
		{"cnonce changed", withHeader(t, good, func(a *Authorization) { a.Cnonce = "other" }), ErrBadCredentials},
		{"tampered nonce", withHeader(t, good, tamperedNonce), ErrBadNonce},
		{"truncated nonce", withHeader(t, good, func(a *Authorization) { a.Nonce = a.Nonce[:40] }), ErrBadNonce},
		{"other realm", withHeader(t, good, func(a *Authorization) { a.Realm = "other" }), ErrMismatch},
		{"opaque changed", withHeader(t, good, func(a *Authorization) { a.Opaque = "x" }), ErrMismatch},
		{"opaque missing", withHeader(t, good, func(a *Authorization) { a.Opaque = "" }), ErrMismatch},
		{"uri differs", withHeader(t, good, func(a *Authorization) { a.URI = "/other" }), ErrMismatch},
		{"query differs", withHeader(t, good, func(a *Authorization) { a.URI = "/cwmp?x=1" }), ErrMismatch},
		{"no qop (RFC 2069)", withHeader(t, good, func(a *Authorization) { a.Qop, a.NC, a.Cnonce = "", "", "" }), ErrUnsupported},
		{"qop auth-int", withHeader(t, good, func(a *Authorization) { a.Qop = "auth-int" }), ErrUnsupported},
		{"algorithm not offered", withHeader(t, good, func(a *Authorization) { a.Algorithm = "SHA-256" }), ErrUnsupported},
		{"algorithm unknown", withHeader(t, good, func(a *Authorization) { a.Algorithm = "ROT13" }), ErrUnsupported},
		{"userhash", withHeader(t, good, func(a *Authorization) { a.Userhash = true }), ErrUnsupported},
		{"no cnonce", withHeader(t, good, func(a *Authorization) { a.Cnonce = "" }), ErrMalformed},
		{"no nc", withHeader(t, good, func(a *Authorization) { a.NC = "" }), ErrMalformed},
		{"nc zero", withHeader(t, good, func(a *Authorization) { a.NC = "00000000" }), ErrMalformed},
		{"nc too long", withHeader(t, good, func(a *Authorization) { a.NC = "000000001" }), ErrMalformed},
		{"nc not hex", withHeader(t, good, func(a *Authorization) { a.NC = "0000000g" }), ErrMalformed},
		{"no username", withHeader(t, good, func(a *Authorization) { a.Username = "" }), ErrMalformed},
		{"no response", withHeader(t, good, func(a *Authorization) { a.Response = "" }), ErrMalformed},
		{"no uri", withHeader(t, good, func(a *Authorization) { a.URI = "" }), ErrMalformed},
		{"basic not allowed", func() *http.Request {
			r := httptest.NewRequest("POST", "https://acs.example/cwmp", nil)
			r.SetBasicAuth(testUser, testPass)
			return r
		}(), ErrUnsupported},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			user, err := f.srv.Authenticate(tt.req)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if !IsAuthError(err) {
				t.Fatalf("%v is not an auth error", err)
			}
			if user == testUser && errors.Is(err, ErrNoCredentials) {
				t.Fatal("username without credentials")
			}
			// No secret and nothing the client sent reaches the message.
			a, _ := ParseAuthorization(tt.req.Header.Get("Authorization"))
			for _, secret := range []string{testPass, testUser, a.Response, a.Nonce, a.Cnonce,
				hex.EncodeToString(HA1(MD5, testUser, testRealm, testPass))} {
				if secret != "" && strings.Contains(err.Error(), secret) {
					t.Fatalf("error %q leaks %q", err, secret)
				}
			}
		})
	}
	// None of the failures above used up the good request's count.
	if _, err := f.srv.Authenticate(good); err != nil {
		t.Fatalf("good request after failures: %v", err)
	}
}

func TestAuthenticateNonceCount(t *testing.T) {
	f := newFixture(t, nil)
	c := NewClient(testUser, testPass)
	f.login(t, c)
	r1 := signed(t, c, "POST", "/cwmp")
	r2 := signed(t, c, "POST", "/cwmp")
	r3 := signed(t, c, "POST", "/cwmp")
	mustAuth := func(r *http.Request, want error) {
		t.Helper()
		if _, err := f.srv.Authenticate(r); !errors.Is(err, want) {
			t.Fatalf("err = %v, want %v", err, want)
		}
	}
	mustAuth(r1, nil)
	mustAuth(r1, ErrReplay) // same nc again
	mustAuth(r3, nil)       // skipping a count is fine
	mustAuth(r3, ErrReplay)
	mustAuth(r2, nil) // late, within the window, not seen yet
	mustAuth(r2, ErrReplay)
	far := withHeader(t, r1, func(a *Authorization) { a.NC = "000000ff" })
	// The count is covered by the digest: changing it breaks the response.
	mustAuth(far, ErrBadCredentials)
	for i := 4; i < 100; i++ {
		mustAuth(signed(t, c, "POST", "/cwmp"), nil)
	}
	// Count 3 was never seen, but is now more than 64 below the highest.
	f2 := newFixture(t, nil)
	c2 := NewClient(testUser, testPass)
	f2.login(t, c2)
	early := signed(t, c2, "POST", "/cwmp")
	for i := 2; i < 70; i++ {
		if _, err := f2.srv.Authenticate(signed(t, c2, "POST", "/cwmp")); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f2.srv.Authenticate(early); !errors.Is(err, ErrReplay) {
		t.Fatalf("count below the window: %v", err)
	}
}

func TestAuthenticateStale(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.NonceLifetime = time.Minute })
	c := NewClient(testUser, testPass)
	f.login(t, c)
	if _, err := f.srv.Authenticate(signed(t, c, "POST", "/cwmp")); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(61 * time.Second)
	req := signed(t, c, "POST", "/cwmp")
	_, err := f.srv.Authenticate(req)
	if !errors.Is(err, ErrStale) {
		t.Fatalf("expired nonce: %v", err)
	}
	// Stale only for a verified digest: a wrong password stays wrong.
	bad := withHeader(t, req, func(a *Authorization) { a.Response = strings.Repeat("a", 32) })
	if _, err := f.srv.Authenticate(bad); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("expired nonce, wrong response: %v", err)
	}
	rec := httptest.NewRecorder()
	f.srv.Reject(rec, req, err)
	resp := rec.Result()
	resp.Request = req
	if !strings.HasSuffix(rec.Header().Get("WWW-Authenticate"), "stale=true") {
		t.Fatalf("challenge after stale: %q", rec.Header().Get("WWW-Authenticate"))
	}
	if retry, err := c.Handle(resp); !retry || err != nil {
		t.Fatalf("client after stale: %v, %v", retry, err)
	}
	if _, err := f.srv.Authenticate(signed(t, c, "POST", "/cwmp")); err != nil {
		t.Fatalf("after fresh nonce: %v", err)
	}
}

// A nonce from a node whose clock runs far ahead is refused as stale.
func TestAuthenticateFutureNonce(t *testing.T) {
	ahead := newFixture(t, nil)
	ahead.clock.Advance(2 * futureSkew)
	c := NewClient(testUser, testPass)
	ahead.login(t, c)
	f := newFixture(t, nil)
	if _, err := f.srv.Authenticate(signed(t, c, "POST", "/cwmp")); !errors.Is(err, ErrStale) {
		t.Fatalf("future nonce: %v", err)
	}
	// Within the tolerated skew it is fine.
	near := newFixture(t, nil)
	near.clock.Advance(futureSkew / 2)
	near.login(t, c)
	if _, err := f.srv.Authenticate(signed(t, c, "POST", "/cwmp")); err != nil {
		t.Fatalf("nonce slightly ahead: %v", err)
	}
}

// Nodes sharing a secret accept each other's nonces; rotation keeps old
// nonces valid; a nonce under an unknown secret is stale when the digest is
// right, so the client simply retries.
func TestAuthenticateSecrets(t *testing.T) {
	oldSecret := []byte("old-secret-old-secret-old-secret")
	newSecret := []byte("new-secret-new-secret-new-secret")
	nodeA := newFixture(t, func(c *Config) { c.Secrets = [][]byte{oldSecret} })
	nodeB := newFixture(t, func(c *Config) { c.Secrets = [][]byte{oldSecret} })
	rotated := newFixture(t, func(c *Config) { c.Secrets = [][]byte{newSecret, oldSecret} })
	stranger := newFixture(t, func(c *Config) { c.Secrets = [][]byte{newSecret} })

	c := NewClient(testUser, testPass)
	nodeA.login(t, c)
	for _, n := range []*fixture{nodeA, nodeB, rotated} {
		if _, err := n.srv.Authenticate(signed(t, c, "POST", "/cwmp")); err != nil {
			t.Fatalf("nonce of node A refused: %v", err)
		}
	}
	req := signed(t, c, "POST", "/cwmp")
	if _, err := stranger.srv.Authenticate(req); !errors.Is(err, ErrStale) {
		t.Fatalf("right digest, foreign nonce: %v", err)
	}
	bad := withHeader(t, req, func(a *Authorization) { a.Response = strings.Repeat("b", 32) })
	if _, err := stranger.srv.Authenticate(bad); !errors.Is(err, ErrBadNonce) {
		t.Fatalf("wrong digest, foreign nonce: %v", err)
	}
}

func TestAuthenticateURIForms(t *testing.T) {
	f := newFixture(t, nil)
	c := NewClient(testUser, testPass)
	f.login(t, c)
	for _, tt := range []struct {
		target, uri string
		ok          bool
	}{
		{"/cwmp?a=1", "/cwmp?a=1", true},
		{"/cwmp", "http://acs.example:7547/cwmp", true},
		{"http://acs.example:7547/cwmp", "/cwmp", true},
		{"/", "http://acs.example", true},
		{"/?x", "HTTPS://acs.example?x", true},
		{"/cwmp?a=1", "/cwmp?a=2", false},
		{"/cwmp", "/CWMP", false},
		{"/a%2Fb", "/a/b", false},
		{"/cwmp", "http://acs.example/other", false},
	} {
		req := signed(t, c, "POST", tt.target)
		req = withHeader(t, req, func(a *Authorization) {
			// Recompute as a client that put tt.uri in the directive would.
			a.URI = tt.uri
			a.Response = Response(ResponseInput{Algorithm: MD5, Username: testUser, Realm: testRealm,
				Password: testPass, Method: "POST", URI: tt.uri, Nonce: a.Nonce, NC: a.NC, Cnonce: a.Cnonce, Qop: "auth"})
		})
		_, err := f.srv.Authenticate(req)
		if tt.ok != (err == nil) {
			t.Errorf("target %q uri %q: %v", tt.target, tt.uri, err)
		}
		if err != nil && !errors.Is(err, ErrMismatch) {
			t.Errorf("target %q uri %q: %v is not ErrMismatch", tt.target, tt.uri, err)
		}
	}
}

func TestAuthenticateBasic(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.AllowBasic = true })
	basic := func(target, user, pass string) *http.Request {
		r := httptest.NewRequest("POST", target, nil)
		r.Header.Set("Authorization", BasicAuthorization(user, pass))
		return r
	}
	if _, err := f.srv.Authenticate(basic("http://acs.example/cwmp", testUser, testPass)); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("basic over plain http: %v", err)
	}
	if u, err := f.srv.Authenticate(basic("https://acs.example/cwmp", testUser, testPass)); err != nil || u != testUser {
		t.Fatalf("basic over tls: %q, %v", u, err)
	}
	if _, err := f.srv.Authenticate(basic("https://acs.example/cwmp", testUser, "wrong")); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("basic, wrong password: %v", err)
	}
	if _, err := f.srv.Authenticate(basic("https://acs.example/cwmp", "nobody", testPass)); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("basic, unknown user: %v", err)
	}
	r := httptest.NewRequest("POST", "https://acs.example/cwmp", nil)
	r.Header.Set("Authorization", "Basic !!!")
	if _, err := f.srv.Authenticate(r); !errors.Is(err, ErrMalformed) {
		t.Fatalf("basic, bad base64: %v", err)
	}
	f.users[testUser] = Credential{HA1: HA1(MD5, testUser, testRealm, testPass)}
	if _, err := f.srv.Authenticate(basic("https://acs.example/cwmp", testUser, testPass)); err != nil {
		t.Fatalf("basic against HA1: %v", err)
	}
	if _, err := f.srv.Authenticate(basic("https://acs.example/cwmp", testUser, testPass+"x")); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("basic against HA1, wrong password: %v", err)
	}
	// A proxy terminating TLS can vouch for the request.
	proxied := newFixture(t, func(c *Config) {
		c.AllowBasic = true
		c.IsTLS = func(r *http.Request) bool { return r.Header.Get("X-Forwarded-Proto") == "https" }
	})
	r = basic("http://acs.example/cwmp", testUser, testPass)
	r.Header.Set("X-Forwarded-Proto", "https")
	if _, err := proxied.srv.Authenticate(r); err != nil {
		t.Fatalf("basic behind tls proxy: %v", err)
	}
}

func TestRejectAndWrap(t *testing.T) {
	var seen []error
	f := newFixture(t, func(c *Config) {
		c.AllowBasic = true
		c.Observe = func(_ *http.Request, _ string, err error) { seen = append(seen, err) }
	})
	h := f.srv.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, ok := UsernameFromContext(r.Context())
		if !ok || u != testUser {
			t.Errorf("username in context: %q, %v", u, ok)
		}
		w.WriteHeader(http.StatusNoContent)
	}))

	// Plain http: Digest only. TLS: Basic offered too.
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != 401 || len(rec.Header().Values("WWW-Authenticate")) != 1 {
		t.Fatalf("plain: %d %q", rec.Code, rec.Header().Values("WWW-Authenticate"))
	}
	rec = httptest.NewRecorder()
	tlsReq := httptest.NewRequest("GET", "/", nil)
	tlsReq.TLS = &tls.ConnectionState{}
	h.ServeHTTP(rec, tlsReq)
	if v := rec.Header().Values("WWW-Authenticate"); rec.Code != 401 || len(v) != 2 || !strings.HasPrefix(v[1], `Basic realm="`) {
		t.Fatalf("tls: %d %q", rec.Code, v)
	}

	c := NewClient(testUser, testPass)
	f.login(t, c)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, signed(t, c, "GET", "/"))
	if rec.Code != http.StatusNoContent {
		t.Fatalf("authorized: %d", rec.Code)
	}

	f.failing.Store(true)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, signed(t, c, "GET", "/"))
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("store down: %d", rec.Code)
	}
	if len(seen) != 4 || !errors.Is(seen[0], ErrNoCredentials) || seen[2] != nil || !errors.Is(seen[3], errStoreDown) {
		t.Fatalf("observed %v", seen)
	}
}

func TestNewServerValidates(t *testing.T) {
	lookup := newFixture(t, nil).srv.lookup
	for name, cfg := range map[string]Config{
		"no realm":       {Lookup: lookup},
		"ctl in realm":   {Realm: "a\nb", Lookup: lookup},
		"no lookup":      {Realm: "r"},
		"short secret":   {Realm: "r", Lookup: lookup, Secrets: [][]byte{[]byte("short")}},
		"bad algorithm":  {Realm: "r", Lookup: lookup, Algorithms: []Algorithm{9}},
		"dup algorithm":  {Realm: "r", Lookup: lookup, Algorithms: []Algorithm{MD5, MD5}},
		"short lifetime": {Realm: "r", Lookup: lookup, NonceLifetime: time.Millisecond},
		"negative bound": {Realm: "r", Lookup: lookup, MaxTrackedNonces: -1},
	} {
		if _, err := NewServer(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	s, err := NewServer(Config{Realm: "r", Lookup: lookup})
	if err != nil {
		t.Fatal(err)
	}
	if s.Realm() != "r" || s.tracker.capacity() < defaultMaxTracked || s.lifetime != int64(defaultNonceLifetime) {
		t.Fatalf("defaults: realm %q, capacity %d, lifetime %d", s.Realm(), s.tracker.capacity(), s.lifetime)
	}
}
