package session

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"gatewarden/cpe-agent/internal/acstest"
	"gatewarden/protocol/cwmp"
)

func TestRetryWaitTable(t *testing.T) {
	// TR069-DIGEST §1.7's table for m=5, k=2000; n above 10 stays at 10.
	bounds := [][2]float64{{5, 10}, {10, 20}, {20, 40}, {40, 80}, {80, 160}, {160, 320}, {320, 640}, {640, 1280}, {1280, 2560}, {2560, 5120}, {2560, 5120}, {2560, 5120}}
	for i, b := range bounds {
		n := uint32(i + 1)
		lo, hi := retryWait(n, 5, 2000, 0), retryWait(n, 5, 2000, 0.999999999)
		if lo != time.Duration(b[0]*float64(time.Second)) || hi > time.Duration(b[1]*float64(time.Second)) || hi < time.Duration((b[1]-0.001)*float64(time.Second)) {
			t.Errorf("retry %d: [%v, %v], want [%vs, %vs]", n, lo, hi, b[0], b[1])
		}
	}
	if w := retryWait(10, 65535, 65535, 0.5); w != maxRetryWait {
		t.Errorf("extreme parameters: %v, want the cap", w)
	}
	if w := retryWait(0, 5, 2000, 0); w != 5*time.Second {
		t.Errorf("n=0 treated as %v", w)
	}
}

func TestNextBoundary(t *testing.T) {
	ref := time.Date(2025, 3, 1, 11, 59, 30, 0, time.UTC)
	for _, c := range []struct {
		ref, now time.Time
		interval int64
		want     time.Time
	}{
		{ref, epoch, 60, epoch.Add(30 * time.Second)},                                                           // ref in the past
		{ref.Add(24 * time.Hour), epoch, 60, epoch.Add(30 * time.Second)},                                       // ref in the future: same phase
		{epoch, epoch, 60, epoch.Add(time.Minute)},                                                              // on a boundary: the next one
		{time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), epoch.Add(time.Second), 86400, epoch.Add(12 * time.Hour)}, // midnight phase
	} {
		if got := nextBoundary(c.ref, c.now, c.interval); !got.Equal(c.want) {
			t.Errorf("nextBoundary(%v, %v, %d) = %v, want %v", c.ref, c.now, c.interval, got, c.want)
		}
	}
}

// TestPeriodicInform: PeriodicInformTime sets the phase; each periodic
// session carries 2 PERIODIC; turning it off stops them; an Unknown Time
// gets a random phase within one interval.
func TestPeriodicInform(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.model.set(map[string]string{
		paramPeriodicEnable:   "true",
		paramPeriodicInterval: "600",
		paramPeriodicTime:     epoch.Add(-30 * time.Second).Format(time.RFC3339), // boundaries at :09:30, :19:30, ...
	}, false)
	h.boot()
	h.waitTimers(1)
	h.clk.Advance(570*time.Second - time.Millisecond)
	h.noSession()
	h.clk.Advance(time.Millisecond)
	s, ex, inf := h.inform()
	wantEvents(t, inf, "2 PERIODIC")
	h.finish(s, ex)
	h.result()
	h.waitTimers(1)
	h.clk.Advance(600 * time.Second)
	s, ex, _ = h.inform()
	h.finish(s, ex)
	h.result()

	h.model.set(map[string]string{paramPeriodicEnable: "false"}, false)
	time.Sleep(20 * time.Millisecond) // let the loop re-read the parameters
	h.clk.Advance(3 * time.Hour)
	h.noSession()

	h.setRand(0.25)
	h.model.set(map[string]string{paramPeriodicEnable: "true", paramPeriodicTime: string(cwmp.UnknownTime)}, false)
	h.waitTimers(1)
	h.clk.Advance(150*time.Second - time.Millisecond) // 0.25 of 600 s
	h.noSession()
	h.clk.Advance(time.Millisecond)
	s, ex, inf = h.inform()
	wantEvents(t, inf, "2 PERIODIC")
	h.finish(s, ex)
}

// TestCancelEndsSessionQuickly: ending Run's context (SIGTERM) abandons the
// exchange at once and leaves the queue and RetryCount as they were.
func TestCancelEndsSessionQuickly(t *testing.T) {
	h := newHarness(t, harnessOpts{opts: func(o *Options) { o.ResponseTimeout = time.Minute }})
	h.start()
	_, ex, _ := h.inform()
	_ = ex // never answered
	start := time.Now()
	if err := h.stop(); err != nil {
		t.Fatalf("Run returned %v after cancel, want nil", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("Run took %v to stop", d)
	}
	if evs := storedEvents(t, h.st); len(evs) != 2 {
		t.Fatalf("queue after cancel: %v, want 0 BOOTSTRAP and 1 BOOT", evs)
	}
	if n, _ := h.st.RetryCount(); n != 0 {
		t.Fatalf("RetryCount %d after cancel", n)
	}
	h.restart("")
	s, ex, inf := h.inform()
	wantEvents(t, inf, "0 BOOTSTRAP", "1 BOOT")
	h.finish(s, ex)
}

// TestOversizedAnswer: an ACS message over 1 MiB fails the session
// without being read whole.
func TestOversizedAnswer(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.start()
	_, ex, _ := h.inform()
	big := bytes.Repeat([]byte("x"), DefaultMaxMessageBytes+1)
	ex.Reply(acstest.Reply{Raw: big})
	r := h.result()
	if !isErr(r.Err, errTooLarge) {
		t.Fatalf("result %v, want too large", r.Err)
	}
	if r.RetryIn == 0 {
		t.Fatal("no retry after the failure")
	}
}

// TestTLSVerificationAlwaysOn: without the ACS's CA the session fails;
// there is no option to skip verification.
func TestTLSVerificationAlwaysOn(t *testing.T) {
	h := newHarness(t, harnessOpts{acs: acstest.Options{TLS: true}, opts: func(o *Options) { o.RootCAs = nil }})
	h.start()
	r := h.result()
	if r.Err == nil || !strings.Contains(r.Err.Error(), "certificate") {
		t.Fatalf("session to an unknown certificate: %v", r.Err)
	}
	if h.acs.Sessions() != 0 {
		t.Fatal("a request got through")
	}
}

// TestServerClosesBetweenExchanges: the session continues on a new
// connection when the ACS closes the first one cleanly.
func TestServerClosesBetweenExchanges(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.start()
	s, ex, _ := h.inform()
	ex.Reply(acstest.InformResponse().WithClose())
	empty, err := s.ExpectEmpty(h.ctx())
	if err != nil {
		t.Fatal(err)
	}
	empty.Reply(acstest.Empty())
	if r := h.result(); r.Err != nil {
		t.Fatal(r.Err)
	}
	if addrs := s.RemoteAddrs(); len(addrs) != 2 {
		t.Fatalf("connections %v, want a second one after the close", addrs)
	}
}

// TestActiveNotification: an active change asks for a session with
// 4 VALUE CHANGE; DefaultActiveNotificationThrottle delays one that
// follows the last session too closely; a passive change waits.
func TestActiveNotification(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.boot()
	h.model.SetLocal(context.Background(), map[string]string{"Device.WiFi.SSID.1.SSID": "changed"})
	h.client.ValueChanged(false)
	h.noSession()
	h.client.ValueChanged(true)
	s, ex, inf := h.inform()
	wantEvents(t, inf, "4 VALUE CHANGE")
	if !strings.Contains(strings.Join(paramNames(inf), ","), "Device.WiFi.SSID.1.SSID") {
		t.Fatalf("changed parameter missing: %v", paramNames(inf))
	}
	h.finish(s, ex)
	h.result()

	h.model.set(map[string]string{paramActiveNotifyThrottle: "60"}, false)
	h.clk.Advance(10 * time.Second)
	h.client.ValueChanged(true)
	h.waitTimers(1)
	h.clk.Advance(50*time.Second - time.Millisecond)
	h.noSession()
	h.clk.Advance(time.Millisecond)
	s, ex, inf = h.inform()
	wantEvents(t, inf, "4 VALUE CHANGE")
	h.finish(s, ex)
}

// TestEnableCWMP: with EnableCWMP false no session opens; turning it back
// on sends what waited.
func TestEnableCWMP(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.model.set(map[string]string{paramEnableCWMP: "false"}, false)
	h.start()
	h.noSession()
	h.client.ConnectionRequest()
	h.noSession()
	h.model.set(map[string]string{paramEnableCWMP: "true"}, false)
	s, ex, inf := h.inform()
	wantEvents(t, inf, "0 BOOTSTRAP", "1 BOOT", "6 CONNECTION REQUEST")
	h.finish(s, ex)
}

// TestRestartContinuesBackoff: an agent restart during a backoff (same
// boot) waits out the backoff instead of hammering the ACS.
func TestRestartContinuesBackoff(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.setRand(0)
	h.start()
	h.failInform(acstest.Status(503))
	h.result()
	h.restart("")
	h.waitTimers(1)
	h.noSession()
	h.clk.Advance(5 * time.Second)
	_, ex, inf := h.inform()
	if inf.RetryCount != 1 {
		t.Fatalf("RetryCount %d", inf.RetryCount)
	}
	h.finish(ex.Session(), ex)
}

// TestCurrentTimeAndDeviceID: CurrentTime is local time with its offset;
// DeviceId and MaxEnvelopes as TR069-DIGEST §2.1 says.
func TestCurrentTimeAndDeviceID(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.start()
	s, ex, inf := h.inform()
	if inf.CurrentTime != "2025-03-01T13:00:00+01:00" {
		t.Errorf("CurrentTime %q, want local time with offset", inf.CurrentTime)
	}
	if inf.MaxEnvelopes != 1 || inf.DeviceId.OUI != "00D09E" || inf.DeviceId.SerialNumber != "SN0001" {
		t.Errorf("Inform %+v", inf)
	}
	h.finish(s, ex)
}

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestNoSecretsInLogs: passwords and parameter values never reach the
// log, even at debug level and through failures.
func TestNoSecretsInLogs(t *testing.T) {
	var buf syncBuffer
	h := newHarness(t, harnessOpts{
		acs: acstest.Options{Username: "cpe", Password: "cpe-secret"},
		opts: func(o *Options) {
			o.Logger = slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
		},
	})
	h.model.set(map[string]string{paramURL: strings.Replace(h.acs.URL(), "http://", "http://cpe:url-secret@", 1)}, false)
	h.start()
	s, ex := h.established()
	ex, _, err := acstest.CallFor[*cwmp.SetParameterValuesResponse](h.ctx(), s, ex, &cwmp.SetParameterValues{
		ParameterList: []cwmp.ParameterValueStruct{{Name: "Device.ManagementServer.Password", Value: "new-secret-value"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	ex, err = s.Call(h.ctx(), ex, &cwmp.Download{CommandKey: "d", FileType: cwmp.FileTypeWebContent, URL: "https://f.example/x", Password: "dl-secret"})
	if err != nil {
		t.Fatal(err)
	}
	h.model.mu.Lock()
	h.model.failNext = nil
	h.model.mu.Unlock()
	h.finish(s, ex)
	h.result()
	h.stop()
	for _, r := range h.acs.Records() {
		if strings.HasPrefix(r.Header.Get("Authorization"), "Basic") {
			t.Fatal("URL userinfo went out as Basic credentials over plain http")
		}
	}
	logs := buf.String()
	if logs == "" {
		t.Fatal("nothing logged")
	}
	for _, secret := range []string{"cpe-secret", "url-secret", "new-secret-value", "dl-secret"} {
		if strings.Contains(logs, secret) {
			t.Errorf("log contains %q:\n%s", secret, logs)
		}
	}
}

// TestFailureAfterInformResponse: a session that breaks after its
// InformResponse is a failed session; the count restarts at 1 because the
// InformResponse reset it; the delivered events are not sent again, the
// owed TransferComplete is.
func TestFailureAfterInformResponse(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.setRand(0)
	h.start()
	h.failInform(acstest.Status(500))
	h.result()
	h.expectRetryAfter(5 * time.Second)
	h.failInform(acstest.Status(500))
	h.result()
	owe(t, h.st, "after", 0)
	h.expectRetryAfter(10 * time.Second)
	s, ex, inf := h.inform()
	if inf.RetryCount != 2 {
		t.Fatalf("RetryCount %d", inf.RetryCount)
	}
	ex.Reply(acstest.InformResponse())
	tc, _, err := acstest.Expect[*cwmp.TransferComplete](h.ctx(), s)
	if err != nil {
		t.Fatal(err)
	}
	tc.Reply(acstest.Status(500))
	r := h.result()
	if !r.Established || r.Err == nil || r.RetryIn != 5*time.Second {
		t.Fatalf("result %+v, want established, failed, retry after 5 s", r)
	}
	h.expectRetryAfter(5 * time.Second)
	s, ex, inf = h.inform()
	if inf.RetryCount != 1 {
		t.Fatalf("RetryCount %d, want 1", inf.RetryCount)
	}
	wantEvents(t, inf, "7 TRANSFER COMPLETE", "M Download/after")
	h.finish(s, ex)
}
