package digest

import (
	"errors"
	"testing"
)

const rfc2617Authorization = `Digest username="Mufasa", realm="testrealm@host.com", ` +
	`nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="/dir/index.html", qop=auth, nc=00000001, ` +
	`cnonce="0a4f113b", response="6629fae49393a05397450978507c4ef1", opaque="5ccc069c403ebaf9f0171e9517f40e41"`

func TestParseAuthorization(t *testing.T) {
	tests := []struct {
		name, in string
		want     Authorization
	}{
		{"rfc2617", rfc2617Authorization, Authorization{
			Username: "Mufasa", Realm: "testrealm@host.com", Nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093",
			URI: "/dir/index.html", Qop: "auth", NC: "00000001", Cnonce: "0a4f113b",
			Response: "6629fae49393a05397450978507c4ef1", Opaque: "5ccc069c403ebaf9f0171e9517f40e41",
		}},
		// Some CPEs quote what RFC 7616 leaves bare, and vary case.
		{"quoted tokens, odd case", `digest USERNAME="u", Qop="auth", NC="00000002", Algorithm="MD5-sess", userhash=FALSE`,
			Authorization{Username: "u", Qop: "auth", NC: "00000002", Algorithm: "MD5-sess"}},
		{"unknown directives ignored, even repeated", `Digest x=1, x=2, username="u\"q", charset=UTF-8`,
			Authorization{Username: `u"q`}},
		{"userhash", `Digest userhash=true, username="abc"`, Authorization{Username: "abc", Userhash: true}},
		{"empty", `Digest`, Authorization{}},
		{"trailing comma", `Digest username="u",`, Authorization{Username: "u"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseAuthorization(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Fatalf("got  %+v\nwant %+v", got, tt.want)
			}
			back, err := ParseAuthorization(got.String())
			if err != nil || back != got {
				t.Fatalf("round trip via %q: %+v, %v", got.String(), back, err)
			}
		})
	}
}

func TestParseAuthorizationErrors(t *testing.T) {
	for _, in := range []string{
		``,
		`Basic dXNlcjpwYXNz`,
		`Digestusername="u"`,
		`Digest,username="u"`,
		`Digest username="u", username="v"`,
		`Digest username="u", USERNAME="v"`,
		`Digest username="u" realm="r"`,
		`Digest username="u", Basic realm="r"`,
		`Digest username="u`,
		`Digest username=`,
		`Digest userhash=maybe`,
		"Digest username=\"\x00\"",
	} {
		if a, err := ParseAuthorization(in); err == nil {
			t.Errorf("ParseAuthorization(%q) = %+v, want error", in, a)
		} else if !errors.Is(err, ErrMalformed) {
			t.Errorf("ParseAuthorization(%q): %v is not ErrMalformed", in, err)
		}
	}
}

// The server parses one header per request; it should cost no allocation.
func TestParseAuthorizationAllocs(t *testing.T) {
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := ParseAuthorization(rfc2617Authorization); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("ParseAuthorization allocates %v times", allocs)
	}
}

// Values that are not tokens are quoted even where RFC 7616 writes tokens,
// and values a quoted-string cannot carry are detected.
func TestAuthorizationFormatting(t *testing.T) {
	a := Authorization{Username: `a\b`, Algorithm: "MD5 sess", Qop: "auth,x", NC: "1"}
	s := a.String()
	if want := `Digest username="a\\b", algorithm="MD5 sess", qop="auth,x", nc=1`; s != want {
		t.Fatalf("String = %s, want %s", s, want)
	}
	if back, err := ParseAuthorization(s); err != nil || back != a {
		t.Fatalf("round trip: %+v, %v", back, err)
	}
	if !a.valid() || (Authorization{Cnonce: "x\x01"}).valid() {
		t.Fatal("valid misjudges control characters")
	}
}
