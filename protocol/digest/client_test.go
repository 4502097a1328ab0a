package digest

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// unauthorized builds a 401 carrying the given challenges, as a reply to req.
func unauthorized(req *http.Request, challenges ...string) *http.Response {
	return &http.Response{
		StatusCode: http.StatusUnauthorized,
		Header:     http.Header{"Www-Authenticate": challenges},
		Request:    req,
	}
}

func authorizationOf(t *testing.T, c *Client, target string) Authorization {
	t.Helper()
	a, err := ParseAuthorization(signed(t, c, "GET", target).Header.Get("Authorization"))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestClientIgnoresOtherStatuses(t *testing.T) {
	c := NewClient("u", "p")
	for _, code := range []int{200, 204, 403, 503} {
		if retry, err := c.Handle(&http.Response{StatusCode: code}); retry || err != nil {
			t.Fatalf("%d: %v, %v", code, retry, err)
		}
	}
	req := signed(t, c, "GET", "/")
	if h := req.Header.Get("Authorization"); h != "" {
		t.Fatalf("no challenge yet, yet Authorization %q", h)
	}
}

func TestClientChoosesChallenge(t *testing.T) {
	plain := httptest.NewRequest("GET", "http://cpe.example:7547/", nil)
	tests := []struct {
		name       string
		challenges []string
		wantAlg    string
		wantQop    string
		wantScheme string
	}{
		{"digest over basic", []string{`Basic realm="r"`, `Digest realm="r", nonce="n", qop="auth"`}, "", "auth", "Digest"},
		{"skip auth-int only", []string{`Digest realm="r", nonce="a", qop="auth-int"`, `Digest realm="r", nonce="b", qop="auth-int, auth", algorithm=MD5-sess`}, "MD5-sess", "auth", "Digest"},
		{"skip unknown algorithm", []string{`Digest realm="r", nonce="a", algorithm=SHA-512-256, qop="auth"`, `Digest realm="r", nonce="b", algorithm=SHA-256, qop="auth"`}, "SHA-256", "auth", "Digest"},
		{"skip sess without qop", []string{`Digest realm="r", nonce="a", algorithm=MD5-sess`, `Digest realm="r", nonce="b"`}, "", "", "Digest"},
		{"skip without nonce", []string{`Digest realm="r", qop="auth"`, `Digest realm="r", nonce="b", qop="auth"`}, "", "auth", "Digest"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewClient("u", "p")
			if retry, err := c.Handle(unauthorized(plain, tt.challenges...)); !retry || err != nil {
				t.Fatalf("Handle: %v, %v", retry, err)
			}
			a := authorizationOf(t, c, "/")
			if a.Algorithm != tt.wantAlg || a.Qop != tt.wantQop || a.Nonce != "b" && a.Nonce != "n" {
				t.Fatalf("answered %+v", a)
			}
		})
	}
}

func TestClientNoQop(t *testing.T) {
	c := NewClient("Mufasa", "Circle Of Life")
	req := httptest.NewRequest("GET", "/dir/index.html", nil)
	if _, err := c.Handle(unauthorized(req, `Digest realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093"`)); err != nil {
		t.Fatal(err)
	}
	a := authorizationOf(t, c, "/dir/index.html")
	if a.Qop != "" || a.NC != "" || a.Cnonce != "" || a.Response != "670fd8c2df070c60b045671b8b24ff02" {
		t.Fatalf("RFC 2069 answer %+v", a)
	}
}

func TestClientCountsAndCnonces(t *testing.T) {
	c := NewClient("u", "p")
	req := httptest.NewRequest("GET", "/", nil)
	c.Handle(unauthorized(req, `Digest realm="r", nonce="n1", qop="auth"`))
	a1, a2, a3 := authorizationOf(t, c, "/a?x=1"), authorizationOf(t, c, "/b"), authorizationOf(t, c, "/c")
	if a1.NC != "00000001" || a2.NC != "00000002" || a3.NC != "00000003" {
		t.Fatalf("counts %s %s %s", a1.NC, a2.NC, a3.NC)
	}
	if a1.URI != "/a?x=1" || a1.Cnonce != a2.Cnonce || len(a1.Cnonce) != 32 {
		t.Fatalf("uri %q cnonces %q %q", a1.URI, a1.Cnonce, a2.Cnonce)
	}
	c.Handle(unauthorized(req, `Digest realm="r", nonce="n2", qop="auth"`))
	b1 := authorizationOf(t, c, "/")
	if b1.NC != "00000001" || b1.Nonce != "n2" || b1.Cnonce == a1.Cnonce {
		t.Fatalf("after a new challenge: %+v (old cnonce %q)", b1, a1.Cnonce)
	}
}

// Handle decides whether a refused request deserves another try.
func TestClientRetryDecision(t *testing.T) {
	const ch = `Digest realm="r", nonce="%s", qop="auth"`
	challenge := func(nonce string) string { return strings.Replace(ch, "%s", nonce, 1) }

	c := NewClient("u", "p")
	bare := httptest.NewRequest("GET", "/", nil)
	if retry, err := c.Handle(unauthorized(bare, challenge("n1"))); !retry || err != nil {
		t.Fatalf("no credentials sent: %v, %v", retry, err)
	}
	first := signed(t, c, "GET", "/") // nc=1 for n1
	if retry, err := c.Handle(unauthorized(first, challenge("n2"))); retry || !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("fresh answer refused: %v, %v", retry, err)
	}
	signed(t, c, "GET", "/")          // nc=1 for n2, accepted by the server
	reuse := signed(t, c, "GET", "/") // nc=2 for n2
	if retry, err := c.Handle(unauthorized(reuse, challenge("n3"))); !retry || err != nil {
		t.Fatalf("pre-emptive reuse refused: %v, %v", retry, err)
	}
	fresh := signed(t, c, "GET", "/") // nc=1 for n3
	if retry, err := c.Handle(unauthorized(fresh, challenge("n4")+", stale=true")); !retry || err != nil {
		t.Fatalf("stale: %v, %v", retry, err)
	}
	// An answer to a nonce the client has since replaced: not a verdict.
	old := signed(t, c, "GET", "/")
	c.Handle(unauthorized(bare, challenge("n5")))
	if retry, err := c.Handle(unauthorized(old, challenge("n6"))); !retry || err != nil {
		t.Fatalf("outdated answer: %v, %v", retry, err)
	}
}

func TestClientBasic(t *testing.T) {
	plain := httptest.NewRequest("GET", "http://acs.example/cwmp", nil)
	secure := httptest.NewRequest("GET", "https://acs.example/cwmp", nil)

	c := NewClient("u", "p")
	if retry, err := c.Handle(unauthorized(plain, `Basic realm="r"`)); retry || !errors.Is(err, ErrUnsupported) {
		t.Fatalf("basic over http: %v, %v", retry, err)
	}
	if retry, err := c.Handle(unauthorized(secure, `Basic realm="r"`)); !retry || err != nil {
		t.Fatalf("basic over https: %v, %v", retry, err)
	}
	req := signed(t, c, "GET", "https://acs.example/cwmp")
	if u, p, ok := req.BasicAuth(); !ok || u != "u" || p != "p" {
		t.Fatalf("basic header %q", req.Header.Get("Authorization"))
	}
	if err := c.Authorize(httptest.NewRequest("GET", "http://acs.example/cwmp", nil)); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("basic state, plain request: %v", err)
	}
	if retry, err := c.Handle(unauthorized(req, `Basic realm="r"`)); retry || !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("basic refused twice: %v, %v", retry, err)
	}

	insecure := NewClient("u", "p")
	insecure.AllowInsecureBasic = true
	if retry, err := insecure.Handle(unauthorized(plain, `Basic realm="r"`)); !retry || err != nil {
		t.Fatalf("insecure basic allowed: %v, %v", retry, err)
	}

	pre := NewClient("u", "p")
	pre.PreemptiveBasic = true
	if h := signed(t, pre, "GET", "http://acs.example/").Header.Get("Authorization"); h != "" {
		t.Fatalf("pre-emptive basic over http: %q", h)
	}
	sent := signed(t, pre, "GET", "https://acs.example/")
	if h := sent.Header.Get("Authorization"); h != BasicAuthorization("u", "p") {
		t.Fatalf("pre-emptive basic over https: %q", h)
	}
	// The server wanted Digest instead: not a verdict on the password.
	if retry, err := pre.Handle(unauthorized(sent, `Digest realm="r", nonce="n", qop="auth"`)); !retry || err != nil {
		t.Fatalf("digest after pre-emptive basic: %v, %v", retry, err)
	}
}

func TestClientUnusable(t *testing.T) {
	req := httptest.NewRequest("GET", "/", nil)
	c := NewClient("u", "p")
	for _, ch := range []string{`Negotiate abc`, `Digest realm="r", nonce="n", qop="auth-int"`, `Digest realm="r"`} {
		if _, err := c.Handle(unauthorized(req, ch)); !errors.Is(err, ErrUnsupported) {
			t.Errorf("%s: %v", ch, err)
		}
	}
	if _, err := c.Handle(unauthorized(req, `Digest realm="`)); !errors.Is(err, ErrMalformed) {
		t.Errorf("malformed: %v", err)
	}
	bad := NewClient("line\nbreak", "p")
	if _, err := bad.Handle(unauthorized(req, `Digest realm="r", nonce="n"`)); err == nil {
		t.Error("username with a control character accepted")
	}
}

func TestClientSetCredentialsAndReset(t *testing.T) {
	req := httptest.NewRequest("GET", "/", nil)
	c := NewClient("u", "p")
	c.Handle(unauthorized(req, `Digest realm="r", nonce="n", qop="auth"`))
	c.SetCredentials("u2", "p2")
	if h := signed(t, c, "GET", "/").Header.Get("Authorization"); h != "" {
		t.Fatalf("challenge survived new credentials: %q", h)
	}
	c.Handle(unauthorized(req, `Digest realm="r", nonce="n", qop="auth"`))
	if a := authorizationOf(t, c, "/"); a.Username != "u2" {
		t.Fatalf("username %q", a.Username)
	}
	c.Reset()
	if h := signed(t, c, "GET", "/").Header.Get("Authorization"); h != "" {
		t.Fatalf("challenge survived Reset: %q", h)
	}
}
