package digest

import (
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

func TestParseChallenge(t *testing.T) {
	p := func(kv ...string) []Param {
		var out []Param
		for i := 0; i < len(kv); i += 2 {
			out = append(out, Param{Name: kv[i], Value: kv[i+1]})
		}
		return out
	}
	tests := []struct {
		name, in string
		want     []Challenge
	}{
		{"rfc2617", `Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"`,
			[]Challenge{{Scheme: "Digest", Params: p("realm", "testrealm@host.com", "qop", "auth,auth-int",
				"nonce", "dcd98b7102dd2f0e8b11d0f600bfb0c093", "opaque", "5ccc069c403ebaf9f0171e9517f40e41")}}},
		{"tokens and stale", `Digest realm="r", nonce="n", algorithm=MD5-sess, stale=TRUE`,
			[]Challenge{{Scheme: "Digest", Params: p("realm", "r", "nonce", "n", "algorithm", "MD5-sess", "stale", "TRUE")}}},
		{"rfc9110 example", `Newauth realm="apps", type=1, title="Login to \"apps\"", Basic realm="simple"`,
			[]Challenge{
				{Scheme: "Newauth", Params: p("realm", "apps", "type", "1", "title", `Login to "apps"`)},
				{Scheme: "Basic", Params: p("realm", "simple")},
			}},
		{"names case-insensitive", `DIGEST REALM="r", Nonce=abc`,
			[]Challenge{{Scheme: "DIGEST", Params: p("realm", "r", "nonce", "abc")}}},
		{"escapes", `Digest realm="a\\b\"c\d"`,
			[]Challenge{{Scheme: "Digest", Params: p("realm", `a\b"cd`)}}},
		{"token68 then digest", `Negotiate abc/+==, Digest realm="r"`,
			[]Challenge{{Scheme: "Negotiate", Token68: "abc/+=="}, {Scheme: "Digest", Params: p("realm", "r")}}},
		{"empty elements and BWS", ` , Digest realm = "r" ,, nonce="n" , `,
			[]Challenge{{Scheme: "Digest", Params: p("realm", "r", "nonce", "n")}}},
		// Grammatically a token68, not a parameter without a value.
		{"token68 that looks like a param", `Digest realm=`,
			[]Challenge{{Scheme: "Digest", Token68: "realm="}}},
		{"bare schemes", `Basic, Digest`,
			[]Challenge{{Scheme: "Basic"}, {Scheme: "Digest"}}},
		{"empty quoted value", `Digest realm="", opaque=""`,
			[]Challenge{{Scheme: "Digest", Params: p("realm", "", "opaque", "")}}},
		{"obs-text and tab", "Digest realm=\"caf\xc3\xa9\tbar\"",
			[]Challenge{{Scheme: "Digest", Params: p("realm", "caf\xc3\xa9\tbar")}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseChallenge(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got  %#v\nwant %#v", got, tt.want)
			}
			// Formatting and parsing again gives the same challenges.
			again, err := ParseChallenge(joinChallenges(got))
			if err != nil || !reflect.DeepEqual(again, got) {
				t.Fatalf("round trip of %q: %#v, %v", joinChallenges(got), again, err)
			}
		})
	}
}

func joinChallenges(cs []Challenge) string {
	s := make([]string, len(cs))
	for i, c := range cs {
		s[i] = c.String()
	}
	return strings.Join(s, ", ")
}

func TestParseChallengeErrors(t *testing.T) {
	for _, in := range []string{
		``,
		` , `,
		`Digest realm="unterminated`,
		`Digest realm="ends in backslash\`,
		`Digest nonce="n", realm=`,
		`Digest realm=, nonce="n"`,
		`Digest realm="r" nonce="n"`,
		`Digest realm="a", REALM="b"`,
		`="x"`,
		`Digest Basic realm="x"`,
		"Digest realm=\"ctl\x01\"",
		"Digest realm=\"esc\\\x7f\"",
		`Digest realm="r", "quoted"`,
		`Digest@ realm="r"`,
		`Digest realm="r", nonce=a=b`,
	} {
		if cs, err := ParseChallenge(in); err == nil {
			t.Errorf("ParseChallenge(%q) = %#v, want error", in, cs)
		} else if !errors.Is(err, ErrMalformed) {
			t.Errorf("ParseChallenge(%q) error %v is not ErrMalformed", in, err)
		}
	}
}

func TestParseChallengesSeveralHeaders(t *testing.T) {
	h := http.Header{}
	h.Add("WWW-Authenticate", `Basic realm="x"`)
	h.Add("WWW-Authenticate", `broken="`)
	h.Add("WWW-Authenticate", `Digest realm="y", nonce="n", Digest realm="y", nonce="m", algorithm=SHA-256`)
	cs, err := ParseChallenges(h)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 3 || !cs[0].Is("basic") || !cs[1].Is("digest") || !cs[2].Is("DIGEST") {
		t.Fatalf("challenges = %#v", cs)
	}
	if v, _ := cs[2].Param("ALGORITHM"); v != "SHA-256" {
		t.Fatalf("algorithm = %q", v)
	}
	if _, err := ParseChallenges(http.Header{}); !errors.Is(err, ErrMalformed) {
		t.Fatalf("no header: %v", err)
	}
	if _, err := ParseChallenges(http.Header{"Www-Authenticate": {`x="`}}); !errors.Is(err, ErrMalformed) {
		t.Fatalf("only broken header: %v", err)
	}
}
