package loadgen

import (
	"context"
	"testing"
	"time"
)

// benchWorker is one worker wired to url, outside a run, so a benchmark
// can time sessions one after another.
func benchWorker(b *testing.B, url string, cfg Config) (*worker, *device) {
	b.Helper()
	cfg.Scenario, cfg.ACS, cfg.Devices = Periodic, url, 1
	cfg = cfg.withDefaults()
	u, err := ParseTarget(url, false)
	if err != nil {
		b.Fatal(err)
	}
	tgt, err := resolveTarget(context.Background(), u, false)
	if err != nil {
		b.Fatal(err)
	}
	inform, err := newInformTemplate(cfg.events())
	if err != nil {
		b.Fatal(err)
	}
	r := &runner{cfg: cfg, tgt: tgt, inform: inform, devices: []device{{serial: Serial(1)}}}
	w := &worker{run: r, http: newHTTPConn(tgt, nil, 5*time.Second, "bench")}
	w.auth = newSessionAuth()
	return w, &r.devices[0]
}

func benchSessions(b *testing.B, w *worker, d *device) {
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if o := w.session(ctx, d); !o.ok() {
			b.Fatalf("session failed: %+v", o)
		}
	}
}

// BenchmarkSessionAgainstBaseline: client and bare server cost per
// session together, with the allocations of both.
func BenchmarkSessionAgainstBaseline(b *testing.B) {
	base, err := ServeBaseline(loopbackListener(b))
	if err != nil {
		b.Fatal(err)
	}
	defer base.Close()
	w, d := benchWorker(b, base.URL(), Config{})
	benchSessions(b, w, d)
}

// BenchmarkSessionDigest compares a fresh challenge per session (three
// round trips) with the device's nonce answered up front (two).
func BenchmarkSessionDigest(b *testing.B) {
	for _, reuse := range []bool{false, true} {
		name := "fresh-challenge"
		if reuse {
			name = "reuse-nonce"
		}
		b.Run(name, func(b *testing.B) {
			f := newFakeACS(b, testPassword)
			w, d := benchWorker(b, f.url(), Config{Password: testPassword, ReuseNonce: reuse})
			benchSessions(b, w, d)
		})
	}
}
