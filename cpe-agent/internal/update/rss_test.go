package update

import (
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gatewarden/firmware/image"
)

// rssLimitKB is acceptance 4 of issue 7: installing a 64 MB package grows
// the agent process's RSS by at most 1 MB.
const rssLimitKB = 1024

// TestInstallRSS installs a 64 MB package in a child process that runs
// the agent's transfer queue and updater (the memory settings of
// cmd/cpe-agent included) and reads its peak RSS (VmHWM, reset just
// before the install) against its RSS before it.
func TestInstallRSS(t *testing.T) {
	if testing.Short() {
		t.Skip("64 MB install skipped in -short mode")
	}
	growth := installRSS(t, 64<<20)
	t.Logf("installing a 64 MB package grew the agent's RSS by %d kB (limit %d kB)", growth, rssLimitKB)
	if growth > rssLimitKB {
		t.Fatalf("RSS grew by %d kB, more than %d kB", growth, rssLimitKB)
	}
}

// BenchmarkInstall64MB reports the RSS growth of one 64 MB install as
// rss-growth-kB (and its time per op).
func BenchmarkInstall64MB(b *testing.B) {
	var worst int64
	for b.Loop() {
		worst = max(worst, installRSS(b, 64<<20))
	}
	b.ReportMetric(float64(worst), "rss-growth-kB")
	b.SetBytes(64 << 20)
}

func installRSS(t testing.TB, size int64) int64 {
	dir := t.TempDir()
	pkgPath := filepath.Join(dir, "fw.gwfw")
	writeBigPackage(t, pkgPath, size)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeFile(w, r, pkgPath)
	}))
	defer srv.Close()
	dev := filepath.Join(dir, "device")
	os.MkdirAll(dev, 0o700)
	os.WriteFile(filepath.Join(dev, "boot-id"), []byte("boot-1"), 0o600)
	c, err := startChild(dev, srv.URL+"/fw.gwfw", 0, true)
	if err != nil {
		t.Fatal(err)
	}
	defer c.kill()
	var rss, anon, file int64 = -1, -1, -1
	deadline := time.After(2 * time.Minute)
	for {
		select {
		case l := <-c.lines:
			switch {
			case l == "READY":
			case strings.HasPrefix(l, "RSS "):
				fmt.Sscanf(l, "RSS %d %d %d", &rss, &anon, &file)
			case l == "REBOOT":
				if rss < 0 {
					t.Fatalf("no RSS figures from the child\n%s", c.stderr())
				}
				t.Logf("RSS growth: %d kB (VmHWM), of which anonymous %d kB, file-backed %d kB", rss, anon, file)
				return rss
			default:
				t.Fatalf("child said %q\n%s", l, c.stderr())
			}
		case <-deadline:
			t.Fatalf("install did not finish\n%s", c.stderr())
		}
	}
}

// writeBigPackage packs a generated rootfs of size bytes straight to a
// file, hashing it first from the same generator: nothing is held whole.
func writeBigPackage(t testing.TB, path string, size int64) {
	gen := func() io.Reader { return io.LimitReader(&prng{r: mrand.New(mrand.NewPCG(1, 2))}, size) }
	e, err := image.EntryFrom("rootfs.squashfs", "rootfs", gen())
	if err != nil {
		t.Fatal(err)
	}
	h := &image.Header{Version: "64.0", Boards: []string{testBoard}, Entries: []image.Entry{e}}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := image.Pack(f, h, []io.Reader{gen()}, testKey); err != nil {
		t.Fatal(err)
	}
}

type prng struct{ r *mrand.Rand }

func (p *prng) Read(b []byte) (int, error) {
	for i := range b {
		b[i] = byte(p.r.Uint32())
	}
	return len(b), nil
}
