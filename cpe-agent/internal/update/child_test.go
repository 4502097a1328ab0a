package update

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"gatewarden/cpe-agent/internal/session"
	"gatewarden/cpe-agent/internal/store"
	"gatewarden/firmware/image"
	"gatewarden/firmware/slot"
	"gatewarden/protocol/cwmp"
)

// The crash test and the memory benchmark re-execute the test binary as
// the device: the real transfer queue with the Updater as its executor, a
// bbolt store and file-backed slots in a directory the parent inspects.
const (
	envChild    = "GATEWARDEN_FW_CHILD" // the directory
	envChildURL = "GATEWARDEN_FW_CHILD_URL"
	envChildCP  = "GATEWARDEN_FW_CHILD_CHECKPOINT"
	envChildRSS = "GATEWARDEN_FW_CHILD_RSS"
)

func TestMain(m *testing.M) {
	if dir := os.Getenv(envChild); dir != "" {
		os.Exit(runChild(dir))
	}
	os.Exit(m.Run())
}

// childEnv is the environment of a child process working in dir.
func childEnv(dir, url string, checkpoint int64, rss bool) []string {
	env := append(os.Environ(), envChild+"="+dir, envChildURL+"="+url, envChildCP+"="+strconv.FormatInt(checkpoint, 10))
	if rss {
		env = append(env, envChildRSS+"=1")
	}
	return env
}

// runChild is the device's agent process. It prints READY, then REBOOT
// when the install asks for the reboot, or COMPLETED when the transfer
// ended without one; with the RSS probe it prints "RSS before peak" in kB.
func runChild(dir string) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	// What cmd/cpe-agent sets for a small router.
	debug.SetMemoryLimit(24 << 20)
	out := bufio.NewWriter(os.Stdout)
	say := func(format string, args ...any) {
		fmt.Fprintf(out, format+"\n", args...)
		out.Flush()
	}
	fail := func(err error) int {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 3
	}
	st, err := store.Open(filepath.Join(dir, "state.db"), store.Options{})
	if err != nil {
		return fail(err)
	}
	defer st.Close()
	files, err := slot.OpenFiles(filepath.Join(dir, "slots"), slot.FilesOptions{FactoryVersion: "1.0", BootLimit: 1})
	if err != nil {
		return fail(err)
	}
	bootID, err := os.ReadFile(filepath.Join(dir, "boot-id"))
	if err != nil {
		return fail(err)
	}
	cp, _ := strconv.ParseInt(os.Getenv(envChildCP), 10, 64)
	rebooted := make(chan struct{})
	var rebootOnce sync.Once
	u, err := New(Options{
		Store: st, Slots: files, Keys: image.NewKeyring(testPub()), Board: testBoard,
		BootID:          func() (string, error) { return string(bootID), nil },
		Reboot:          func(context.Context) error { rebootOnce.Do(func() { close(rebooted) }); return nil },
		RetryWait:       10e6,
		CheckpointBytes: cp,
		Logger:          slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		return fail(err)
	}
	q, err := session.NewTransferQueue(session.TransferQueueOptions{Store: st, Executor: u, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return fail(err)
	}
	all, err := st.Transfers()
	if err != nil {
		return fail(err)
	}
	if len(all) == 0 {
		dl := &cwmp.Download{CommandKey: "crash", FileType: cwmp.FileTypeFirmwareUpgradeImage, URL: os.Getenv(envChildURL)}
		if err := q.Accept(ctx, dl, time.Now()); err != nil {
			return fail(err)
		}
		q.Release()
	}
	var rss *rssProbe
	if os.Getenv(envChildRSS) != "" {
		// The running agent has already spoken HTTP (its CWMP sessions)
		// and committed to its store: warm those code paths so that the
		// figure is the install's, not first-use paging of the binary.
		if resp, err := http.Get(os.Getenv(envChildURL)); err == nil {
			io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
		}
		if rss, err = startRSSProbe(); err != nil {
			return fail(err)
		}
	}
	say("READY")
	completed := make(chan struct{}, 1)
	qctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go q.Run(qctx, func() { completed <- struct{}{} })
	select {
	case <-rebooted:
		if rss != nil {
			say("RSS %s", rss.stop())
		}
		say("REBOOT")
	case <-completed:
		say("COMPLETED")
	case <-ctx.Done():
		return 0
	}
	<-ctx.Done() // the parent kills or terminates the "device"
	return 0
}

// rssProbe samples the process's RSS during the install: the peak of
// anonymous memory (heap, stacks) and of file-backed pages (the store's
// memory map, binary pages), and VmHWM, all against the figures before.
type rssProbe struct {
	beforeAnon, beforeFile, beforeRSS int64
	peakAnon, peakFile                int64
	done                              chan struct{}
	stopped                           chan struct{}
}

func startRSSProbe() (*rssProbe, error) {
	runtime.GC()
	debug.FreeOSMemory()
	// Reset the peak so that VmHWM measures the install alone.
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		return nil, err
	}
	p := &rssProbe{beforeAnon: procStatus("RssAnon"), beforeFile: procStatus("RssFile"), beforeRSS: procStatus("VmRSS"),
		done: make(chan struct{}), stopped: make(chan struct{})}
	p.peakAnon, p.peakFile = p.beforeAnon, p.beforeFile
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return nil, err
	}
	go func() {
		defer close(p.stopped)
		defer f.Close()
		var buf [4096]byte
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			p.peakAnon = max(p.peakAnon, statusField(f, buf[:], "RssAnon"))
			p.peakFile = max(p.peakFile, statusField(f, buf[:], "RssFile"))
			select {
			case <-p.done:
				return
			case <-t.C:
			}
		}
	}()
	return p, nil
}

// stop returns "rss anon file" growth in kB.
func (p *rssProbe) stop() string {
	close(p.done)
	<-p.stopped
	return fmt.Sprintf("%d %d %d", procStatus("VmHWM")-p.beforeRSS, p.peakAnon-p.beforeAnon, p.peakFile-p.beforeFile)
}

// procStatus reads a kB figure from /proc/self/status.
func procStatus(field string) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return -1
	}
	defer f.Close()
	var buf [4096]byte
	return statusField(f, buf[:], field)
}

// statusField finds "field:   N kB" in /proc/self/status without
// allocating, so that sampling does not itself grow the heap it measures.
func statusField(f *os.File, buf []byte, field string) int64 {
	n, err := f.ReadAt(buf, 0)
	if n == 0 && err != nil {
		return -1
	}
	b := buf[:n]
	for len(b) > 0 {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		if len(line) > len(field) && string(line[:len(field)]) == field && line[len(field)] == ':' {
			var v int64
			for _, c := range line[len(field)+1:] {
				if c >= '0' && c <= '9' {
					v = v*10 + int64(c-'0')
				}
			}
			return v
		}
	}
	return -1
}
