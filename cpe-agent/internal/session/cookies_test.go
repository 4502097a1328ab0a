package session

import (
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"
)

func mustURL(t testing.TB, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func cookieLine(cs []*http.Cookie) string {
	var parts []string
	for _, c := range cs {
		q := ""
		if c.Quoted {
			q = "(q)"
		}
		parts = append(parts, c.Name+"="+c.Value+q)
	}
	return strings.Join(parts, "; ")
}

func TestCookieJarRules(t *testing.T) {
	j := newCookieJar()
	set := func(u string, cs ...*http.Cookie) { j.SetCookies(mustURL(t, u), cs) }
	get := func(u string) string { return cookieLine(j.Cookies(mustURL(t, u))) }

	set("http://ACS.example.com:7547/cwmp/acs",
		&http.Cookie{Name: "session", Value: "1"},
		&http.Cookie{Name: "deep", Value: "2", Path: "/cwmp/acs/x"},
		&http.Cookie{Name: "dom", Value: "3", Domain: ".Example.com", Path: "/"},
		&http.Cookie{Name: "sec", Value: "4", Secure: true},
		&http.Cookie{Name: "evil", Value: "5", Domain: "other.org"},
		&http.Cookie{Name: "bad", Value: "6", Domain: "example.com."},
	)
	cases := []struct{ url, want string }{
		// Default path /cwmp: sent below it, not beside it.
		{"http://acs.example.com/cwmp/acs", "session=1; dom=3"},
		{"http://acs.example.com/cwmp", "session=1; dom=3"},
		{"http://acs.example.com/cwmpx", "dom=3"},
		{"http://acs.example.com/cwmp/acs/x/y", "deep=2; session=1; dom=3"},
		// Secure only over https.
		{"https://acs.example.com/cwmp/", "session=1; sec=4; dom=3"},
		// Host-only stays on its host; the domain cookie goes to siblings.
		{"http://cpe.example.com/cwmp", "dom=3"},
		{"http://example.com/", "dom=3"},
		{"http://other.org/", ""},
		{"ftp://acs.example.com/cwmp", ""},
	}
	for _, c := range cases {
		if got := get(c.url); got != c.want {
			t.Errorf("Cookies(%s) = %q, want %q", c.url, got, c.want)
		}
	}

	// Replacing keeps the creation order; Max-Age<0 and a past Expires delete.
	set("http://acs.example.com/cwmp/acs", &http.Cookie{Name: "session", Value: "1b"})
	if got := get("http://acs.example.com/cwmp"); got != "session=1b; dom=3" {
		t.Errorf("after replace: %q", got)
	}
	set("http://acs.example.com/cwmp/acs", &http.Cookie{Name: "session", MaxAge: -1},
		&http.Cookie{Name: "dom", Domain: "example.com", Path: "/", Expires: time.Unix(1, 0)})
	if got := get("http://acs.example.com/cwmp"); got != "" {
		t.Errorf("after delete: %q", got)
	}

	// Max-Age expiry is checked when cookies are read.
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	j.now = func() time.Time { return now }
	set("http://acs.example.com/", &http.Cookie{Name: "short", Value: "x", MaxAge: 10})
	if got := get("http://acs.example.com/"); got != "short=x" {
		t.Errorf("fresh Max-Age cookie: %q", got)
	}
	now = now.Add(10 * time.Second)
	if got := get("http://acs.example.com/"); got != "" {
		t.Errorf("expired Max-Age cookie: %q", got)
	}

	// IP hosts: Domain must equal the address; loopback counts as secure.
	set("http://127.0.0.1:8080/", &http.Cookie{Name: "a", Value: "1", Secure: true},
		&http.Cookie{Name: "b", Value: "2", Domain: "127.0.0.1"},
		&http.Cookie{Name: "c", Value: "3", Domain: "0.0.1"})
	if got := get("http://127.0.0.1/"); got != "a=1; b=2" {
		t.Errorf("IP host: %q", got)
	}
}

// jarOp is one step of the differential fuzz, decoded from bytes so that
// the fuzzer explores sequences.
var (
	fuzzHosts   = []string{"acs.example.com", "ACS.example.com.", "cpe.example.com", "example.com", "a.acs.example.com", "other.org", "com", "127.0.0.1:7547", "10.1.2.3", "[::1]:80", "localhost", "acs.localhost"}
	fuzzPaths   = []string{"", "/", "/cwmp", "/cwmp/", "/cwmp/acs", "/cwmpx", "/a/b/c", "x/y"}
	fuzzDomains = []string{"", "example.com", ".example.com", "acs.example.com", "EXAMPLE.COM", "example.com.", ".", "..example.com", "com", "other.org", "127.0.0.1", "10.1.2.3", "::1", "localhost", "exämple.com"}
	fuzzCPaths  = []string{"", "/", "/cwmp", "/cwmp/", "/cwmp/acs/", "rel", "/a"}
)

// runJarOps feeds the same operations to both jars and compares every read.
func runJarOps(t *testing.T, ops []byte) {
	ref, _ := cookiejar.New(nil)
	mine := newCookieJar()
	pick := func(list []string, b byte) string { return list[int(b)%len(list)] }
	// One clock for the whole run, with every expiry far from it, so the
	// real-time reference jar and this one cannot disagree by timing.
	now := time.Now()
	for len(ops) >= 4 {
		op, a, b, c := ops[0], ops[1], ops[2], ops[3]
		ops = ops[4:]
		scheme := "http"
		if op&1 != 0 {
			scheme = "https"
		}
		u := &url.URL{Scheme: scheme, Host: pick(fuzzHosts, a), Path: pick(fuzzPaths, b)}
		if op&2 == 0 {
			got, want := cookieLine(mine.Cookies(u)), cookieLine(ref.Cookies(u))
			if got != want {
				t.Fatalf("Cookies(%s) = %q, net/http/cookiejar %q", u, got, want)
			}
			continue
		}
		ck := &http.Cookie{
			Name:   fmt.Sprintf("n%d", c%4),
			Value:  fmt.Sprintf("v%d", op),
			Domain: pick(fuzzDomains, b>>3),
			Path:   pick(fuzzCPaths, c>>2),
			Secure: op&4 != 0,
			Quoted: op&8 != 0,
		}
		switch (c >> 5) % 5 {
		case 1:
			ck.MaxAge = -1
		case 2:
			ck.MaxAge = 3600
		case 3:
			ck.Expires = now.Add(-time.Hour)
		case 4:
			ck.Expires = now.Add(time.Hour)
		}
		mine.SetCookies(u, []*http.Cookie{ck})
		ref.SetCookies(u, []*http.Cookie{ck})
	}
}

func TestCookieJarMatchesCookiejar(t *testing.T) {
	// A fixed pseudo-random walk of many operations.
	ops := make([]byte, 40000)
	x := uint32(1)
	for i := range ops {
		x = x*1664525 + 1013904223
		ops[i] = byte(x >> 24)
	}
	runJarOps(t, ops)
}

// FuzzCookieJar: any sequence of Set-Cookies and reads gives the Cookie
// headers net/http/cookiejar would give.
func FuzzCookieJar(f *testing.F) {
	f.Add([]byte{2, 0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{2, 0, 8, 1, 2, 2, 24, 2, 0, 2, 0, 0, 0, 3, 0, 0, 1, 4, 2, 0})
	f.Add([]byte{6, 7, 0, 0, 0, 7, 0, 0, 1, 7, 0, 0, 2, 9, 80, 0, 0, 9, 1, 0})
	f.Fuzz(runJarOps)
}
