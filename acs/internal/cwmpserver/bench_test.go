package cwmpserver

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"gatewarden/acs/internal/cpeauth"
	"gatewarden/acs/internal/cwmpserver/cwmptest"
	"gatewarden/acs/internal/store"
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
	st := cwmptest.NewMemStore()
	srv, err := New(Config{Store: st, Work: idleWork{}, FleetSecret: testSecret, Logger: quietLogger(), MaxSessions: 100000})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	ts := httptest.NewUnstartedServer(srv)
	ConfigureHTTPServer(ts.Config)
	ts.Start()
	defer ts.Close()
	f := newBenchFleet(b, ts.URL+"/cwmp", true)
	ctx := context.Background()
	for _, c := range f.cpes {
		// Provisioned devices, and Digest clients holding a challenge:
		// steady state, where a session costs two round trips.
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
	runBench(b, f)
}

// BenchmarkIdleSessionBaseline is the same client against a bare net/http
// handler answering the same two round trips with the same payloads.
func BenchmarkIdleSessionBaseline(b *testing.B) {
	answer, err := cwmp.Marshal(&cwmp.Envelope{Namespace: cwmp.NamespaceCWMP12, Header: cwmp.Header{ID: "cpe-1"}, Body: &cwmp.InformResponse{MaxEnvelopes: 1}})
	if err != nil {
		b.Fatal(err)
	}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
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
	defer ts.Close()
	runBench(b, newBenchFleet(b, ts.URL+"/cwmp", false))
}

// idleWork never has anything to send.
type idleWork struct{}

func (idleWork) Start(context.Context, *Session) error { return nil }
func (idleWork) Next(context.Context, *Session) (cwmp.Body, any, error) {
	return nil, nil, nil
}
func (idleWork) Done(context.Context, *Session, any, cwmp.Body) error { return nil }
func (idleWork) Report(context.Context, *Session, cwmp.Body) error   { return nil }
