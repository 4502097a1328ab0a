package cwmpserver

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gatewarden/acs/internal/cpeauth"
	"gatewarden/acs/internal/cwmpserver/cwmptest"
	"gatewarden/acs/internal/store"
	"gatewarden/acs/internal/store/bbolt"
	"gatewarden/protocol/cwmp"
)

// benchIdentities is how many devices take turns in the benchmarks.
const benchIdentities = 1024

// benchFleet is a set of CPE identities with their Inform ready-made.
type benchFleet struct {
	cpes    []*cwmptest.CPE
	informs [][]byte
	next    atomic.Int64
}

var xmlHeader = http.Header{"Content-Type": {`text/xml; charset="utf-8"`}, "Soapaction": {""}}

func newBenchFleet(b *testing.B, url string, auth bool) *benchFleet {
	f := &benchFleet{}
	for i := range benchIdentities {
		serial := fmt.Sprintf("BENCH%06d", i)
		user, pass := "", ""
		if auth {
			user, pass = serial, cpeauth.Password(testSecret, serial)
		}
		c := cwmptest.NewCPE(url, testDeviceID(serial), user, pass)
		c.Params = tr181Params("")
		body, err := cwmp.Marshal(c.Inform(cwmp.EventStruct{EventCode: cwmp.EventPeriodic}))
		if err != nil {
			b.Fatal(err)
		}
		f.cpes = append(f.cpes, c)
		f.informs = append(f.informs, body)
	}
	return f
}

// session runs one idle periodic session on a new TCP connection:
// Inform, empty POST, 204.
func (f *benchFleet) session(ctx context.Context) error {
	i := int(f.next.Add(1)) % len(f.cpes)
	c := f.cpes[i]
	defer c.EndSession()
	r, err := c.SendRaw(ctx, f.informs[i], xmlHeader)
	if err != nil {
		return err
	}
	if r.Status != http.StatusOK {
		return fmt.Errorf("inform: %d %s", r.Status, r.Body)
	}
	if r, err = c.SendEmpty(ctx); err != nil {
		return err
	}
	if r.Status != http.StatusNoContent {
		return fmt.Errorf("empty POST: %d %s", r.Status, r.Body)
	}
	return nil
}

func runBench(b *testing.B, f *benchFleet) {
	ctx := context.Background()
	b.SetParallelism(32) // 64 sessions at once on 2 cores, as acceptance 6 asks
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := f.session(ctx); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sessions/s")
}

// BenchmarkIdleSession measures idle periodic sessions (Inform, empty
// POST, 204, a new TCP connection each) over loopback with Digest
// authentication, against the in-memory store.
func BenchmarkIdleSession(b *testing.B) {
	benchIdle(b, cwmptest.NewMemStore())
}

// BenchmarkIdleSessionBBolt is BenchmarkIdleSession on the bbolt store:
// every Inform fsync'd (group commit) before its InformResponse.
func BenchmarkIdleSessionBBolt(b *testing.B) {
	st, err := bbolt.Open(filepath.Join(b.TempDir(), "acs.db"), bbolt.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	benchIdle(b, st)
}

func benchIdle(b *testing.B, st Store) {
	runBench(b, startBenchServer(b, st))
}

// startBenchServer starts the endpoint on loopback and returns its fleet
// with every identity provisioned and its Digest client holding a
// challenge: steady state, where a session costs two round trips.
func startBenchServer(b *testing.B, st Store) *benchFleet {
	srv, err := New(Config{Store: st, Work: idleWork{}, FleetSecret: testSecret, Logger: quietLogger(), MaxSessions: 100000})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { srv.Close() })
	ts := httptest.NewUnstartedServer(srv)
	ConfigureHTTPServer(ts.Config)
	ts.Start()
	b.Cleanup(ts.Close)
	url := ts.URL + "/cwmp"
	f := newBenchFleet(b, url, true)
	ctx := context.Background()
	for _, c := range f.cpes {
		id := devIDOf(c.DeviceId)
		if _, err := st.RecordInform(ctx, store.Inform{Device: store.Device{ID: id, Root: "Device."}}); err != nil {
			b.Fatal(err)
		}
		st.UpdateDevice(ctx, id, func(d *store.Device) error { d.Provisioned = true; return nil })
	}
	for range f.cpes {
		if err := f.session(ctx); err != nil {
			b.Fatal(err)
		}
	}
	return f
}

// BenchmarkIdleSessionBaseline is the same client against a bare net/http
// handler answering the same two round trips with the same payloads.
func BenchmarkIdleSessionBaseline(b *testing.B) {
	ts := baselineServer(b)
	defer ts.Close()
	runBench(b, newBenchFleet(b, ts.URL+"/cwmp", false))
}

// BenchmarkIdleSessionRatio alternates rounds of 2000 sessions, 64 at
// once, against the endpoint (memory store) and the bare baseline, so
// that both see the same machine load, and reports both rates and their
// ratio (acceptance 6 asks >= 0.4).
func BenchmarkIdleSessionRatio(b *testing.B) {
	benchRatio(b, cwmptest.NewMemStore())
}

// BenchmarkIdleSessionRatioBBolt is BenchmarkIdleSessionRatio with durable
// writes.
func BenchmarkIdleSessionRatioBBolt(b *testing.B) {
	st, err := bbolt.Open(filepath.Join(b.TempDir(), "acs.db"), bbolt.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	benchRatio(b, st)
}

func benchRatio(b *testing.B, st Store) {
	acs := startBenchServer(b, st)
	bts := baselineServer(b)
	defer bts.Close()
	base := newBenchFleet(b, bts.URL+"/cwmp", false)
	ctx := context.Background()
	var acsTime, baseTime time.Duration
	var acsN, baseN int64
	b.ResetTimer()
	for round := 0; round < b.N; round++ {
		for _, f := range []*benchFleet{acs, base} {
			n, d := burst(ctx, b, f, 64, 2000)
			if f == acs {
				acsN, acsTime = acsN+n, acsTime+d
			} else {
				baseN, baseTime = baseN+n, baseTime+d
			}
		}
	}
	acsRate := float64(acsN) / acsTime.Seconds()
	baseRate := float64(baseN) / baseTime.Seconds()
	b.ReportMetric(acsRate, "acs-sessions/s")
	b.ReportMetric(baseRate, "baseline-sessions/s")
	b.ReportMetric(acsRate/baseRate, "ratio")
}

// burst runs n sessions with c at once and returns how long they took.
func burst(ctx context.Context, b *testing.B, f *benchFleet, c, n int) (int64, time.Duration) {
	var left atomic.Int64
	left.Store(int64(n))
	var wg sync.WaitGroup
	start := time.Now()
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for left.Add(-1) >= 0 {
				if err := f.session(ctx); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	return int64(n), time.Since(start)
}

func baselineServer(b *testing.B) *httptest.Server {
	answer, err := cwmp.Marshal(&cwmp.Envelope{Namespace: cwmp.NamespaceCWMP12, Header: cwmp.Header{ID: "cpe-1"}, Body: &cwmp.InformResponse{MaxEnvelopes: 1}})
	if err != nil {
		b.Fatal(err)
	}
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength == 0 {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		buf := getBuf()
		defer putBuf(buf)
		buf.ReadFrom(r.Body)
		http.SetCookie(w, &http.Cookie{Name: sessionCookieName, Value: "0123456789abcdef0123456789abcdef", Path: "/", HttpOnly: true})
		w.Header().Set("Content-Type", `text/xml; charset="utf-8"`)
		w.Write(answer)
	}))
}

// idleWork never has anything to send.
type idleWork struct{}

func (idleWork) Start(context.Context, *Session) error { return nil }
func (idleWork) Next(context.Context, *Session) (cwmp.Body, any, error) {
	return nil, nil, nil
}
func (idleWork) Done(context.Context, *Session, any, cwmp.Body) error { return nil }
func (idleWork) Report(context.Context, *Session, cwmp.Body) error    { return nil }
