package files

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"gatewarden/acs/internal/store"
	boltstore "gatewarden/acs/internal/store/bbolt"
	"gatewarden/firmware/image"
)

// pack builds a signed package with one payload of n pseudo-random bytes.
func pack(t testing.TB, key ed25519.PrivateKey, version string, n int) []byte {
	t.Helper()
	payload := make([]byte, n)
	_, _ = rand.Read(payload)
	e, err := image.EntryFrom("rootfs", "rootfs", bytes.NewReader(payload))
	if err != nil {
		t.Fatal(err)
	}
	h := &image.Header{Version: version, Boards: []string{"gw-1", "gw-2"}, Entries: []image.Entry{e}}
	var out bytes.Buffer
	if err := image.Pack(&out, h, []io.Reader{bytes.NewReader(payload)}, key); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func newKey(t testing.TB) (ed25519.PublicKey, ed25519.PrivateKey) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return pub, priv
}

type fixture struct {
	dir    string
	st     *boltstore.Store
	repo   *Repo
	srv    *Server
	http   *httptest.Server
	key    ed25519.PrivateKey
	signer *Signer
	now    time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	dir := t.TempDir()
	st, err := boltstore.Open(filepath.Join(dir, "acs.db"), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	pub, priv := newKey(t)
	f := &fixture{dir: dir, st: st, key: priv, now: time.Now()}
	f.repo, err = NewRepo(RepoOptions{Dir: filepath.Join(dir, "files"), Store: st,
		Verifier: ImageVerifier{Keys: image.NewKeyring(pub)}})
	if err != nil {
		t.Fatal(err)
	}
	f.signer = NewSigner([]byte("fleet secret"), func() time.Time { return f.now })
	f.srv, err = NewServer(ServerOptions{Repo: f.repo, Signer: f.signer, BaseURL: func() string { return f.http.URL },
		UploadDir: filepath.Join(dir, "uploads"), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now: func() time.Time { return f.now }})
	if err != nil {
		t.Fatal(err)
	}
	f.http = httptest.NewServer(f.srv)
	t.Cleanup(f.http.Close)
	return f
}

func (f *fixture) add(t *testing.T, name string, pkg []byte) store.File {
	t.Helper()
	file, err := f.repo.Add(t.Context(), name, "tester", bytes.NewReader(pkg))
	if err != nil {
		t.Fatal(err)
	}
	return file
}

func readAll(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
