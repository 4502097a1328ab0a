package update

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gatewarden/cpe-agent/internal/store"
	"gatewarden/firmware/image"
	"gatewarden/firmware/slot"
	"gatewarden/protocol/cwmp"
)

const testBoard = "gw-test"

// testKey is fixed so that child processes (crash test) trust it too.
var testKey = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{42}, ed25519.SeedSize))

func testPub() ed25519.PublicKey { return testKey.Public().(ed25519.PublicKey) }

// pkg is a package and the payloads in it.
type pkg struct {
	data     []byte
	version  string
	payloads map[string][]byte // target -> bytes
}

// buildPkg packs a kernel and a rootfs of the given size.
func buildPkg(t testing.TB, key ed25519.PrivateKey, board, version string, rootfsSize int, seed uint64) pkg {
	t.Helper()
	r := mrand.New(mrand.NewPCG(seed, 7))
	kernel := make([]byte, 1000+r.IntN(3000))
	rootfs := make([]byte, rootfsSize)
	for _, b := range [][]byte{kernel, rootfs} {
		for i := range b {
			b[i] = byte(r.Uint32())
		}
	}
	h := &image.Header{Version: version, Boards: []string{"gw-other", board}}
	var rs []io.Reader
	for _, p := range []struct {
		target string
		b      []byte
	}{{"kernel", kernel}, {"rootfs", rootfs}} {
		e, err := image.EntryFrom(p.target+".bin", p.target, bytes.NewReader(p.b))
		if err != nil {
			t.Fatal(err)
		}
		h.Entries = append(h.Entries, e)
		rs = append(rs, bytes.NewReader(p.b))
	}
	var out bytes.Buffer
	if err := image.Pack(&out, h, rs, key); err != nil {
		t.Fatal(err)
	}
	return pkg{data: out.Bytes(), version: version, payloads: map[string][]byte{"kernel": kernel, "rootfs": rootfs}}
}

// fileServer serves one file with Range and ETag (http.ServeContent) and
// counts the requests and their Range headers.
type fileServer struct {
	*httptest.Server
	mu     sync.Mutex
	data   []byte
	ranges []string
	// before runs before each request is served; it may write the answer
	// itself and return false.
	before func(w http.ResponseWriter, r *http.Request, n int) bool
	puts   [][]byte
	n      atomic.Int32
}

func newFileServer(t testing.TB, data []byte) *fileServer {
	fs := &fileServer{data: data}
	fs.Server = httptest.NewServer(http.HandlerFunc(fs.serve))
	t.Cleanup(fs.Close)
	return fs
}

func (fs *fileServer) serve(w http.ResponseWriter, r *http.Request) {
	n := int(fs.n.Add(1))
	fs.mu.Lock()
	fs.ranges = append(fs.ranges, r.Header.Get("Range"))
	data, before := fs.data, fs.before
	fs.mu.Unlock()
	if before != nil && !before(w, r, n) {
		return
	}
	if r.Method == http.MethodPut {
		b, _ := io.ReadAll(r.Body)
		fs.mu.Lock()
		fs.puts = append(fs.puts, b)
		fs.mu.Unlock()
		w.WriteHeader(http.StatusCreated)
		return
	}
	sum := sha256.Sum256(data)
	w.Header().Set("ETag", `"`+hex.EncodeToString(sum[:8])+`"`)
	http.ServeContent(w, r, "fw.gwfw", time.Unix(1700000000, 0), bytes.NewReader(data))
}

func (fs *fileServer) rangeHeaders() []string {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return append([]string(nil), fs.ranges...)
}

// device is an updater's world: a store, file-backed slots and a boot id.
type device struct {
	t      testing.TB
	dir    string
	st     *store.Store
	slots  *slot.Files
	boot   atomic.Int32
	reboot atomic.Int32
	logs   bytes.Buffer
}

func newDevice(t testing.TB) *device {
	dir := t.TempDir()
	st, err := store.Open(filepath.Join(dir, "state.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	files, err := slot.OpenFiles(filepath.Join(dir, "slots"), slot.FilesOptions{FactoryVersion: "1.0", BootLimit: 1})
	if err != nil {
		t.Fatal(err)
	}
	d := &device{t: t, dir: dir, st: st, slots: files}
	d.newBoot()
	return d
}

func (d *device) bootID() string { return fmt.Sprintf("boot-%d", d.boot.Load()) }

// newBoot plays the bootloader for a new boot.
func (d *device) newBoot() slot.Name {
	d.boot.Add(1)
	b, err := d.slots.Boot(d.bootID())
	if err != nil {
		d.t.Fatal(err)
	}
	return b
}

// updater builds an updater for the current boot; its Reboot counts and
// cancels the given cancel func (the agent stopping for the reboot).
func (d *device) updater(opts Options, cancel context.CancelFunc) *Updater {
	d.t.Helper()
	opts.Store = d.st
	if opts.Slots == nil {
		opts.Slots = d.slots
	}
	if opts.Keys == nil {
		opts.Keys = image.NewKeyring(testPub())
	}
	if opts.Board == "" {
		opts.Board = testBoard
	}
	opts.BootID = func() (string, error) { return d.bootID(), nil }
	opts.Reboot = func(context.Context) error {
		d.reboot.Add(1)
		if cancel != nil {
			cancel()
		}
		return nil
	}
	if opts.RetryWait == 0 {
		opts.RetryWait = 5 * time.Millisecond
	}
	if opts.ConfigDir == "" {
		opts.ConfigDir = d.dir
	}
	opts.Logger = slog.New(slog.NewTextHandler(&lockedWriter{w: &d.logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	u, err := New(opts)
	if err != nil {
		d.t.Fatal(err)
	}
	return u
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// queue saves a transfer as the session's queue would and enters
// transferring, as the queue does before Execute.
func (d *device) queue(kind store.TransferKind, fileType, url string) store.Transfer {
	d.t.Helper()
	id, err := d.st.SaveTransfer(store.Transfer{Kind: kind, CommandKey: "k", FileType: fileType, URL: url})
	if err != nil {
		d.t.Fatal(err)
	}
	t, err := d.st.EnterTransferState(id, store.TransferTransferring)
	if err != nil {
		d.t.Fatal(err)
	}
	return t
}

func (d *device) transfer(id uint64) store.Transfer {
	d.t.Helper()
	t, err := d.st.Transfer(id)
	if err != nil {
		d.t.Fatal(err)
	}
	return t
}

func (d *device) status(s slot.Name) slot.Info {
	d.t.Helper()
	st, err := d.slots.Status()
	if err != nil {
		d.t.Fatal(err)
	}
	for _, i := range st {
		if i.Name == s {
			return i
		}
	}
	d.t.Fatalf("no slot %s", s)
	return slot.Info{}
}

func (d *device) image(s slot.Name, target string) []byte {
	b, _ := os.ReadFile(d.slots.ImagePath(s, target))
	return b
}

// checkInstalled asserts slot b holds p's payloads and is armed for trial.
func (d *device) checkInstalled(p pkg) {
	d.t.Helper()
	for target, want := range p.payloads {
		if got := d.image(slot.B, target); !bytes.Equal(got, want) {
			d.t.Fatalf("slot b %s: %d bytes differ from the %d packed", target, len(got), len(want))
		}
	}
	if i := d.status(slot.B); i.State != slot.StateTrying || i.Version != p.version || !i.Next {
		d.t.Fatalf("slot b after install: %+v", i)
	}
}

// closedURL is a loopback URL nobody listens on.
func closedURL(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr + "/fw"
}

func wantFault(t testing.TB, got cwmp.FaultStruct, code cwmp.FaultCode) {
	t.Helper()
	if got.FaultCode != code {
		t.Fatalf("fault %d %q, want %d", got.FaultCode, got.FaultString, code)
	}
}

func fmtSscan(s string, v *int) (int, error) { return fmt.Sscanf(s, "%d-", v) }

func newTLSFileServer(t *testing.T, data []byte) *httptest.Server {
	fs := &fileServer{data: data}
	srv := httptest.NewTLSServer(http.HandlerFunc(fs.serve))
	t.Cleanup(srv.Close)
	return srv
}
