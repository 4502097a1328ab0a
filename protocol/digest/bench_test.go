package digest

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

// BenchmarkAuthenticate measures the server on valid requests only. The
// requests are signed before the clock starts, in batches; when a batch is
// reused the tracker is replaced (clock stopped) so counts are not replays.
func BenchmarkAuthenticate(b *testing.B) {
	for _, tt := range []struct {
		name string
		alg  Algorithm
		ha1  bool
	}{
		{"MD5/password", MD5, false},
		{"MD5/HA1", MD5, true},
		{"MD5-sess/HA1", MD5Sess, true},
		{"SHA-256/HA1", SHA256, true},
	} {
		b.Run(tt.name, func(b *testing.B) {
			f := newFixture(b, func(c *Config) { c.Algorithms = []Algorithm{tt.alg} })
			if tt.ha1 {
				f.users[testUser] = Credential{HA1: HA1(tt.alg, testUser, testRealm, testPass)}
			}
			const batch = 4096
			reqs := make([]*http.Request, batch)
			c := NewClient(testUser, testPass)
			for i := range reqs {
				if i%512 == 0 { // a CWMP session's worth of requests per nonce
					f.login(b, c)
				}
				reqs[i] = signed(b, c, "POST", "/cwmp")
			}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if i > 0 && i%batch == 0 {
					b.StopTimer()
					f.srv.tracker = newNCTracker(defaultMaxTracked)
					b.StartTimer()
				}
				if _, err := f.srv.Authenticate(reqs[i%batch]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkAuthenticateParallel shows the sharded tracker does not
// serialise the server. Each iteration also signs its request on the client
// (see BenchmarkClientAuthorize for that share).
func BenchmarkAuthenticateParallel(b *testing.B) {
	f := newFixture(b, nil)
	f.users[testUser] = Credential{HA1: HA1(MD5, testUser, testRealm, testPass)}
	b.ReportAllocs()
	u, _ := url.Parse("/cwmp")
	b.RunParallel(func(pb *testing.PB) {
		c := NewClient(testUser, testPass)
		f.login(b, c)
		for pb.Next() {
			req := &http.Request{Method: "POST", URL: u, RequestURI: "/cwmp", Header: http.Header{}}
			if err := c.Authorize(req); err != nil {
				b.Fatal(err)
			}
			if _, err := f.srv.Authenticate(req); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkClientAuthorize(b *testing.B) {
	f := newFixture(b, nil)
	c := NewClient(testUser, testPass)
	f.login(b, c)
	req := httptest.NewRequest("POST", "/cwmp", nil)
	b.ReportAllocs()
	for b.Loop() {
		if err := c.Authorize(req); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkChallenge(b *testing.B) {
	f := newFixture(b, nil)
	w := discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		f.srv.Challenge(w, false)
	}
}

type discardWriter struct{ h http.Header }

func (w discardWriter) Header() http.Header         { return w.h }
func (w discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w discardWriter) WriteHeader(int)             {}

func BenchmarkParseAuthorization(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseAuthorization(rfc2617Authorization); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseChallenge(b *testing.B) {
	const h = `Digest realm="gatewarden-acs", qop="auth", nonce="AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", opaque="eW91IGZvdW5kIGl0", algorithm=MD5`
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseChallenge(h); err != nil {
			b.Fatal(err)
		}
	}
}
