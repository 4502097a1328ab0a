package files

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	boltstore "gatewarden/acs/internal/store/bbolt"
	"gatewarden/firmware/image"
)

// FuzzParseSigned: no query crashes the parser, an accepted one has the
// documented shape, and only the genuine signature passes Check.
func FuzzParseSigned(f *testing.F) {
	s := NewSigner([]byte("k"), func() time.Time { return time.Unix(1000, 0) })
	f.Add(s.Query("GET", "/firmware/fw", "00D09E-GW-SN1", time.Unix(2000, 0)))
	f.Add("d=x&e=1&s=AAAAAAAAAAAAAAAAAAAAAA")
	f.Add("d=x&e=-1&s=AAAAAAAAAAAAAAAAAAAAAA")
	f.Add("d=x&d=y&e=1&s=")
	f.Add("d=%ZZ")
	f.Add("e=99999999999999999999&d=a&s=AAAAAAAAAAAAAAAAAAAAAA")
	f.Add("")
	f.Fuzz(func(t *testing.T, q string) {
		sg, err := ParseSigned(q)
		if err != nil {
			return
		}
		if sg.Device == "" || len(sg.Sig) != sigLen || sg.Expiry < 0 {
			t.Fatalf("accepted %q as %+v", q, sg)
		}
		v, _ := url.ParseQuery(q)
		if v.Get("d") != sg.Device {
			t.Fatalf("device %q from %q", sg.Device, q)
		}
		dev, err := s.Check("GET", "/firmware/fw", q)
		if err == nil {
			want := s.Query("GET", "/firmware/fw", dev, time.Unix(sg.Expiry, 0))
			w, _ := ParseSigned(want)
			if string(w.Sig) != string(sg.Sig) {
				t.Fatalf("Check accepted a signature it did not make: %q", q)
			}
		}
	})
}

// FuzzRangeRequests: whatever Range and If-Range a CPE sends, the file
// server answers 200 with the whole file, 206 with exactly the bytes its
// Content-Range names, 304, or 416 — never an error or wrong bytes.
func FuzzRangeRequests(f *testing.F) {
	for _, s := range [][2]string{
		{"bytes=0-", ""}, {"bytes=100-199", ""}, {"bytes=-10", ""}, {"bytes=5-", `"etag"`}, {"bytes=0-0,5-9", ""},
		{"bytes=99999999-", ""}, {"bytes=10-5", ""}, {"items=0-1", ""}, {"bytes=-0", ""}, {"bytes= 1 - 2 ", "Mon, 02 Jan 2006 15:04:05 GMT"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, rng, ifRange string) {
		fx := fuzzFixture(t)
		req := httptest.NewRequest("GET", fx.url, nil)
		req.Header.Set("Range", rng)
		if ifRange != "" {
			req.Header.Set("If-Range", ifRange)
		}
		rec := httptest.NewRecorder()
		fx.srv.ServeHTTP(rec, req)
		body := rec.Body.Bytes()
		switch rec.Code {
		case http.StatusOK:
			if !bytes.Equal(body, fx.pkg) {
				t.Fatalf("200 with %d bytes, want the whole %d", len(body), len(fx.pkg))
			}
		case http.StatusPartialContent:
			cr := rec.Header().Get("Content-Range")
			if cr == "" {
				return // multipart/byteranges: several ranges in one answer
			}
			var first, last, total int
			if _, err := fmt.Sscanf(cr, "bytes %d-%d/%d", &first, &last, &total); err != nil {
				t.Fatalf("Content-Range %q", cr)
			}
			if total != len(fx.pkg) || first < 0 || last >= total || first > last || !bytes.Equal(body, fx.pkg[first:last+1]) {
				t.Fatalf("206 %q with %d bytes", cr, len(body))
			}
		case http.StatusRequestedRangeNotSatisfiable, http.StatusNotModified:
		default:
			t.Fatalf("Range %q If-Range %q: HTTP %d", rng, ifRange, rec.Code)
		}
	})
}

type fuzzRig struct {
	srv *Server
	pkg []byte
	url string
}

var (
	fuzzOnce   sync.Once
	fuzzShared *fuzzRig
)

// fuzzFixture is built once per process: a repository with one package.
func fuzzFixture(t *testing.T) *fuzzRig {
	fuzzOnce.Do(func() {
		dir, err := os.MkdirTemp("", "files-fuzz-")
		if err != nil {
			t.Fatal(err)
		}
		st, err := boltstore.Open(filepath.Join(dir, "acs.db"), boltstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		pub, priv := newKey(t)
		repo, err := NewRepo(RepoOptions{Dir: filepath.Join(dir, "files"), Store: st, Verifier: ImageVerifier{Keys: image.NewKeyring(pub)}})
		if err != nil {
			t.Fatal(err)
		}
		pkg := pack(t, priv, "1.0", 3000)
		if _, err := repo.Add(context.Background(), "fw", "fuzz", bytes.NewReader(pkg)); err != nil {
			t.Fatal(err)
		}
		signer := NewSigner([]byte("k"), nil)
		srv, err := NewServer(ServerOptions{Repo: repo, Signer: signer, BaseURL: func() string { return "" },
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		fuzzShared = &fuzzRig{srv: srv, pkg: pkg, url: srv.DownloadURL("dev", "fw")}
	})
	if fuzzShared == nil {
		t.Fatal("fuzz fixture failed")
	}
	return fuzzShared
}
