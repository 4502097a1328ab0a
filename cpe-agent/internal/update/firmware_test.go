package update

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"gatewarden/cpe-agent/internal/store"
	"gatewarden/firmware/image"
	"gatewarden/firmware/slot"
	"gatewarden/protocol/cwmp"
)

// install runs a firmware Download to the point of the reboot.
func install(t *testing.T, d *device, url string, opts Options) store.Transfer {
	t.Helper()
	tr := d.queue(store.KindDownload, fileFirmware, url)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	u := d.updater(opts, cancel)
	if f := u.Execute(ctx, tr); f.FaultCode != 0 {
		t.Fatalf("install: %d %s\n%s", f.FaultCode, f.FaultString, d.logs.String())
	}
	if d.reboot.Load() != 1 {
		t.Fatal("no reboot after the install")
	}
	tr = d.transfer(tr.ID)
	if tr.State != store.TransferRebooting {
		t.Fatalf("state after install %s", tr.State)
	}
	return tr
}

func TestFirmwareUpgradeCommitted(t *testing.T) {
	d := newDevice(t)
	p := buildPkg(t, testKey, testBoard, "2.0", 300_000, 1)
	srv := newFileServer(t, p.data)
	tr := install(t, d, srv.URL+"/fw", Options{CheckpointBytes: 64 << 10})
	d.checkInstalled(p)
	if i := d.status(slot.A); !i.Booted || i.State != slot.StateGood {
		t.Fatalf("slot a during install: %+v", i)
	}

	if d.newBoot() != slot.B {
		t.Fatal("the new slot did not boot")
	}
	u := d.updater(Options{HealthDeadline: time.Minute}, nil)
	done := make(chan cwmp.FaultStruct)
	go func() { done <- u.Resume(context.Background(), tr) }()
	if got := d.transfer(tr.ID); got.State == store.TransferCompleted {
		t.Fatal("completed before any Inform")
	}
	u.SessionEnded(false) // a failed session proves nothing
	select {
	case f := <-done:
		t.Fatalf("resolved before an established session: %+v", f)
	case <-time.After(50 * time.Millisecond):
	}
	u.SessionEnded(true)
	wantFault(t, <-done, 0)
	if i := d.status(slot.B); !i.Booted || i.State != slot.StateGood || i.Version != "2.0" {
		t.Fatalf("slot b after commit: %+v", i)
	}
	for range 3 {
		if d.newBoot() != slot.B {
			t.Fatal("committed slot not kept")
		}
	}
}

func TestFirmwareRollback(t *testing.T) {
	d := newDevice(t) // boot limit 1
	p := buildPkg(t, testKey, testBoard, "2.0-bad", 50_000, 2)
	srv := newFileServer(t, p.data)
	tr := install(t, d, srv.URL+"/fw", Options{})

	// Trial boot: no session ever gets through before the deadline.
	if d.newBoot() != slot.B {
		t.Fatal("trial boot")
	}
	ctx, cancel := context.WithCancel(context.Background())
	u := d.updater(Options{HealthDeadline: 30 * time.Millisecond}, cancel)
	wantFault(t, u.Resume(ctx, d.transfer(tr.ID)), 0)
	if d.reboot.Load() != 2 {
		t.Fatal("failed trial did not reboot")
	}
	if got := d.transfer(tr.ID); got.State != store.TransferVerifying {
		t.Fatalf("state %s", got.State)
	}
	// The bootloader's count runs out: back to slot a.
	if d.newBoot() != slot.A {
		t.Fatal("no fallback")
	}
	u = d.updater(Options{HealthDeadline: 30 * time.Millisecond}, nil)
	f := u.Resume(context.Background(), d.transfer(tr.ID))
	wantFault(t, f, cwmp.FaultDownloadFailure)
	if !strings.Contains(f.FaultString, "rolled back") || !strings.Contains(f.FaultString, "2.0-bad") {
		t.Fatalf("fault string %q", f.FaultString)
	}
	if i := d.status(slot.B); i.State != slot.StateBad {
		t.Fatalf("slot b after rollback %+v", i)
	}
	if u.SlotStatus(slot.B) != "ActivationFailed" {
		t.Fatalf("overlay %q", u.SlotStatus(slot.B))
	}
}

func TestResumeAfterDroppedConnection(t *testing.T) {
	d := newDevice(t)
	p := buildPkg(t, testKey, testBoard, "2.1", 400_000, 3)
	srv := newFileServer(t, p.data)
	// The first two answers break off after 100 kB each: the second one
	// answers the Range request correctly, then drops too.
	srv.before = func(w http.ResponseWriter, r *http.Request, n int) bool {
		if n > 2 {
			return true
		}
		conn, buf, _ := w.(http.Hijacker).Hijack()
		defer conn.Close()
		start := 0
		if rg := r.Header.Get("Range"); rg != "" {
			fmtSscan(strings.TrimPrefix(rg, "bytes="), &start)
			fmt.Fprintf(buf, "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes %d-%d/%d\r\nContent-Length: %d\r\n\r\n",
				start, len(p.data)-1, len(p.data), len(p.data)-start)
		} else {
			fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n", len(p.data))
		}
		buf.Write(p.data[start : start+100_000])
		buf.Flush()
		return false
	}
	install(t, d, srv.URL+"/fw", Options{CheckpointBytes: 32 << 10})
	d.checkInstalled(p)
	rs := srv.rangeHeaders()
	if len(rs) != 3 || rs[0] != "" || rs[1] != "bytes=100000-" || rs[2] != "bytes=200000-" {
		t.Fatalf("requests' Range headers %q", rs)
	}
}

func TestResumeAfterRestart(t *testing.T) {
	d := newDevice(t)
	p := buildPkg(t, testKey, testBoard, "2.2", 600_000, 4)
	srv := newFileServer(t, p.data)
	ctx, cancel := context.WithCancel(context.Background())
	// The first answer stalls after 300 kB; the agent is stopped then.
	stalled := make(chan struct{})
	srv.before = func(w http.ResponseWriter, r *http.Request, n int) bool {
		if n > 1 {
			return true
		}
		w.Header().Set("Content-Length", "999999")
		w.Write(p.data[:300_000])
		w.(http.Flusher).Flush()
		close(stalled)
		<-r.Context().Done()
		return false
	}
	tr := d.queue(store.KindDownload, fileFirmware, srv.URL+"/fw")
	u := d.updater(Options{CheckpointBytes: 64 << 10}, nil)
	done := make(chan cwmp.FaultStruct)
	go func() { done <- u.Execute(ctx, tr) }()
	<-stalled
	for checkpointAt(t, d, tr.ID) < 190_000 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	<-done
	saved := checkpointAt(t, d, tr.ID)
	tr = d.transfer(tr.ID)
	if tr.State != store.TransferTransferring || tr.FaultCode != 0 {
		t.Fatalf("after the stop: %v", tr)
	}
	// Restart in the same boot: Resume continues from the checkpoint.
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	u = d.updater(Options{}, cancel)
	wantFault(t, u.Resume(ctx, tr), 0)
	d.checkInstalled(p)
	rs := srv.rangeHeaders()
	if len(rs) != 2 || !strings.HasPrefix(rs[1], "bytes=") || rs[1] == "bytes=0-" {
		t.Fatalf("Range headers %q", rs)
	}
	if want := fmt.Sprintf("bytes=%d-", saved); rs[1] != want {
		t.Fatalf("resumed with %q, want the checkpoint %q", rs[1], want)
	}
}

func TestServerIgnoringRangeStartsOver(t *testing.T) {
	d := newDevice(t)
	p := buildPkg(t, testKey, testBoard, "2.3", 200_000, 5)
	srv := newFileServer(t, p.data)
	srv.before = func(w http.ResponseWriter, r *http.Request, n int) bool {
		if n == 1 {
			conn, buf, _ := w.(http.Hijacker).Hijack()
			defer conn.Close()
			buf.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 200000000\r\n\r\n")
			buf.Write(p.data[:150_000])
			buf.Flush()
			return false
		}
		r.Header.Del("Range") // the whole file again
		return true
	}
	install(t, d, srv.URL+"/fw", Options{CheckpointBytes: 16 << 10})
	d.checkInstalled(p)
}

func TestDownloadFaults(t *testing.T) {
	p := buildPkg(t, testKey, testBoard, "3.0", 10_000, 6)
	status := func(code int) func(http.ResponseWriter, *http.Request, int) bool {
		return func(w http.ResponseWriter, r *http.Request, n int) bool {
			w.WriteHeader(code)
			return false
		}
	}
	cases := []struct {
		name   string
		before func(http.ResponseWriter, *http.Request, int) bool
		url    string
		opts   Options
		want   cwmp.FaultCode
	}{
		{name: "unauthorized", before: status(http.StatusUnauthorized), want: cwmp.FaultTransferServerAuthFailure},
		{name: "forbidden", before: status(http.StatusForbidden), want: cwmp.FaultTransferServerAuthFailure},
		{name: "not found", before: status(http.StatusNotFound), want: cwmp.FaultFileAccessFailure},
		{name: "server error", before: status(http.StatusServiceUnavailable), opts: Options{Retries: 2}, want: cwmp.FaultFileAccessFailure},
		{name: "unreachable", url: closedURL(t), opts: Options{Retries: 1}, want: cwmp.FaultFileServerUnreachable},
		{name: "no keys", opts: Options{Keys: image.NewKeyring()}, want: cwmp.FaultFileAuthFailure},
		{name: "wrong board", opts: Options{Board: "gw-x"}, want: cwmp.FaultDownloadFailure},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := newDevice(t)
			srv := newFileServer(t, p.data)
			srv.before = c.before
			url := c.url
			if url == "" {
				url = srv.URL + "/fw"
			}
			tr := d.queue(store.KindDownload, fileFirmware, url)
			u := d.updater(c.opts, nil)
			wantFault(t, u.Execute(context.Background(), tr), c.want)
			if i := d.status(slot.B); i.State != slot.StateBad || i.Next {
				t.Fatalf("slot b after a failure: %+v", i)
			}
			if d.reboot.Load() != 0 {
				t.Fatal("rebooted after a failure")
			}
		})
	}
}

func TestTLSVerificationAlwaysOn(t *testing.T) {
	d := newDevice(t)
	p := buildPkg(t, testKey, testBoard, "3.1", 10_000, 7)
	srv := newFileServer(t, p.data)
	srv.Close()
	tls := newTLSFileServer(t, p.data)
	tr := d.queue(store.KindDownload, fileFirmware, tls.URL+"/fw")
	// The test server's certificate is self-signed: untrusted.
	wantFault(t, d.updater(Options{}, nil).Execute(context.Background(), tr), cwmp.FaultTransferServerAuthFailure)

	// Trusted through RootCAs it works.
	tr = d.queue(store.KindDownload, fileFirmware, tls.URL+"/fw")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pool := tls.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
	wantFault(t, d.updater(Options{RootCAs: pool}, cancel).Execute(ctx, tr), 0)
	d.checkInstalled(p)
}

func TestTimeWindowExceeded(t *testing.T) {
	d := newDevice(t)
	p := buildPkg(t, testKey, testBoard, "3.2", 10_000, 8)
	srv := newFileServer(t, p.data)
	srv.before = func(w http.ResponseWriter, r *http.Request, n int) bool {
		w.Header().Set("Content-Length", "100000")
		w.Write(p.data[:100])
		w.(http.Flusher).Flush()
		<-r.Context().Done()
		return false
	}
	tr := d.queue(store.KindScheduleDownload, fileFirmware, srv.URL+"/fw")
	tr.Windows = []store.TimeWindow{{Start: time.Now().Add(-time.Second), End: time.Now().Add(100 * time.Millisecond), Mode: "1 At Any Time"}}
	wantFault(t, d.updater(Options{}, nil).Execute(context.Background(), tr), cwmp.FaultTimeWindowExceeded)
}

func TestLoopBreaker(t *testing.T) {
	d := newDevice(t)
	p := buildPkg(t, testKey, testBoard, "4.0", 100_000, 9)
	srv := newFileServer(t, p.data)
	tr := install(t, d, srv.URL+"/fw", Options{})
	// A crash loop on the old image: the state keeps being re-entered.
	for range 40 {
		if _, err := d.st.EnterTransferState(tr.ID, store.TransferRebooting); err != nil {
			t.Fatal(err)
		}
	}
	f := d.updater(Options{MaxStateSaves: 10}, nil).Resume(context.Background(), d.transfer(tr.ID))
	wantFault(t, f, cwmp.FaultDownloadFailure)
	if !strings.Contains(f.FaultString, "loop breaker") {
		t.Fatalf("fault %q", f.FaultString)
	}
	if i := d.status(slot.B); i.State != slot.StateBad || i.Next {
		t.Fatalf("slot b after the loop breaker: %+v", i)
	}
	if d.newBoot() != slot.A {
		t.Fatal("abandoned slot booted")
	}
}

func TestRestartBeforeReboot(t *testing.T) {
	d := newDevice(t)
	p := buildPkg(t, testKey, testBoard, "4.1", 50_000, 10)
	srv := newFileServer(t, p.data)
	tr := install(t, d, srv.URL+"/fw", Options{})
	// The agent restarted within the same boot: it must reboot again.
	ctx, cancel := context.WithCancel(context.Background())
	wantFault(t, d.updater(Options{}, cancel).Resume(ctx, d.transfer(tr.ID)), 0)
	if d.reboot.Load() != 2 {
		t.Fatal("no second reboot")
	}
	if d.newBoot() != slot.B {
		t.Fatal("new slot not booted")
	}
}

// checkpointAt is the package offset of the transfer's saved checkpoint.
func checkpointAt(t *testing.T, d *device, id uint64) int64 {
	t.Helper()
	tr := d.transfer(id)
	p, err := loadProgress(&tr)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Verifier) == 0 {
		return 0
	}
	v := image.NewVerifier(image.NewKeyring(testPub()), testBoard, nil)
	if err := v.UnmarshalBinary(p.Verifier); err != nil {
		t.Fatal(err)
	}
	return v.Offset()
}

func TestOrphanTrial(t *testing.T) {
	d := newDevice(t)
	p := buildPkg(t, testKey, testBoard, "6.0", 20_000, 11)
	srv := newFileServer(t, p.data)
	tr := install(t, d, srv.URL+"/fw", Options{})
	if d.newBoot() != slot.B {
		t.Fatal("trial boot")
	}
	// The record is gone (a factory reset during the trial).
	if err := d.st.DeleteTransfer(tr.ID); err != nil {
		t.Fatal(err)
	}
	u := d.updater(Options{HealthDeadline: time.Minute}, nil)
	done := make(chan struct{})
	go func() { u.WatchOrphanTrial(context.Background()); close(done) }()
	u.SessionEnded(true)
	<-done
	if i := d.status(slot.B); i.State != slot.StateGood || !i.Booted {
		t.Fatalf("orphan trial not committed: %+v", i)
	}
	// Nothing to do on a committed image: returns at once.
	d.updater(Options{}, nil).WatchOrphanTrial(context.Background())

	// Not reaching the ACS: reboot, and the bootloader falls back.
	d2 := newDevice(t)
	install(t, d2, srv.URL+"/fw", Options{})
	d2.newBoot()
	d2.st.DeleteTransfer(1)
	d2.updater(Options{HealthDeadline: 20 * time.Millisecond}, nil).WatchOrphanTrial(context.Background())
	if d2.reboot.Load() != 2 || d2.newBoot() != slot.A {
		t.Fatal("orphan trial neither rebooted nor fell back")
	}
}

func TestWindowMaxRetries(t *testing.T) {
	d := newDevice(t)
	srv := newFileServer(t, nil)
	srv.before = func(w http.ResponseWriter, r *http.Request, n int) bool {
		w.WriteHeader(http.StatusServiceUnavailable)
		return false
	}
	tr := d.queue(store.KindScheduleDownload, fileFirmware, srv.URL+"/fw")
	tr.Windows = []store.TimeWindow{{Start: time.Now().Add(-time.Second), End: time.Now().Add(time.Hour), Mode: "1 At Any Time", MaxRetries: 2}}
	wantFault(t, d.updater(Options{Retries: 10}, nil).Execute(context.Background(), tr), cwmp.FaultFileAccessFailure)
	if n := srv.n.Load(); n != 3 {
		t.Fatalf("%d requests, want 1 + MaxRetries 2", n)
	}
}
