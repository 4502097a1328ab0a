package digest

import (
	"errors"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
)

func FuzzParseChallenge(f *testing.F) {
	for _, s := range []string{
		`Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"`,
		`Digest realm="gatewarden-acs", qop="auth", nonce="AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", opaque="abc", algorithm=MD5, stale=true`,
		`Newauth realm="apps", type=1, title="Login to \"apps\"", Basic realm="simple"`,
		`Negotiate abc/+==, Digest realm="r"`,
		`Basic, Digest`,
		` , Digest realm = "r" ,, nonce="n" , `,
		`Digest realm="a\\b\"c"`,
		`Digest realm=`,
		`Digest realm="unterminated`,
		`Digest realm="r" nonce="n"`,
		"Digest realm=\"caf\xc3\xa9\tbar\", charset=UTF-8, userhash=false",
		`Bearer realm="example", error="invalid_token", error_description="The access token expired"`,
		``,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cs, err := ParseChallenge(s)
		if err != nil {
			if cs != nil || !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v with result %v", err, cs)
			}
			return
		}
		for _, c := range cs {
			if !isToken(c.Scheme) {
				t.Fatalf("scheme %q is not a token", c.Scheme)
			}
			for _, p := range c.Params {
				if p.Name != strings.ToLower(p.Name) || !isToken(p.Name) {
					t.Fatalf("parameter name %q", p.Name)
				}
			}
		}
		// Round trip: what String writes reads back the same.
		again, err := ParseChallenge(joinChallenges(cs))
		if err != nil {
			t.Fatalf("re-parse of %q: %v", joinChallenges(cs), err)
		}
		if !reflect.DeepEqual(again, cs) {
			t.Fatalf("round trip\n got %#v\nwant %#v", again, cs)
		}
	})
}

func FuzzParseAuthorization(f *testing.F) {
	fx := newFixture(f, func(c *Config) { c.AllowBasic = true })
	// Genuine headers let the fuzzer reach the digest and tracker checks;
	// only they may ever authenticate. They must come out the same in every
	// fuzzing worker (each runs this setup), so nonce and cnonce are pinned.
	c := NewClient(testUser, testPass)
	c.cnonce = func() string { return "0a4f113b" }
	nonce := fx.srv.nonces.seal(fx.clock.Now().UnixNano(), [nonceRandLen]byte{1, 2, 3})
	ch := `Digest realm="` + testRealm + `", qop="auth", nonce="` + nonce + `", opaque="` + fx.srv.nonces.secrets[0].opaque + `"`
	if _, err := c.Handle(unauthorized(httptest.NewRequest("POST", "/cwmp", nil), ch)); err != nil {
		f.Fatal(err)
	}
	// A header that parses to the same directives as a genuine one is the
	// same credential written differently (parameter names are
	// case-insensitive, whitespace is free), so it may authenticate too.
	genuine := map[Authorization]bool{}
	for i := 0; i < 3; i++ {
		h := signed(f, c, "POST", "/cwmp").Header.Get("Authorization")
		a, err := ParseAuthorization(h)
		if err != nil {
			f.Fatal(err)
		}
		genuine[a] = true
		f.Add(h)
	}
	for _, s := range []string{
		rfc2617Authorization,
		signed(f, c, "GET", "/cwmp?a=b").Header.Get("Authorization"),
		`digest USERNAME="u", Qop="auth", NC="00000002", Algorithm="MD5-sess", userhash=FALSE`,
		`Digest x=1, x=2, username="u\"q", charset=UTF-8`,
		`Digest username="u", username="v"`,
		`Digest username="u", Basic realm="r"`,
		`Digest`,
		`Basic dXNlcjpwYXNz`,
		`Digest username="u`,
		`Digest userhash=maybe`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		// The whole server path must hold up to any header, and nothing
		// but a genuine header may authenticate.
		req := httptest.NewRequest("POST", "https://acs.example/cwmp", nil)
		req.Header.Set("Authorization", s)
		if user, err := fx.srv.Authenticate(req); err == nil {
			parsed, perr := ParseAuthorization(s)
			if perr != nil || !genuine[parsed] {
				t.Fatalf("fuzzed header %q authenticated %q", s, user)
			}
		} else if !IsAuthError(err) {
			t.Fatalf("unexpected error kind %v", err)
		}

		a, err := ParseAuthorization(s)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v is not ErrMalformed", err)
			}
			return
		}
		if !a.valid() {
			t.Fatalf("parsed values cannot be written back: %+v", a)
		}
		back, err := ParseAuthorization(a.String())
		if err != nil {
			t.Fatalf("re-parse of %q: %v", a.String(), err)
		}
		if back != a {
			t.Fatalf("round trip\n got %+v\nwant %+v", back, a)
		}
	})
}
