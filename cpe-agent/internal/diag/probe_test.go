package diag

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// requireICMP skips where no ICMP socket can be had: neither root nor a
// ping_group_range that admits this user. CI runs as root, so there the
// probes run.
func requireICMP(t *testing.T, raw bool) {
	t.Helper()
	c, err := openICMP(false, raw)
	if err != nil {
		if os.Geteuid() == 0 {
			t.Fatalf("root cannot open an ICMP socket: %v", err)
		}
		t.Skipf("no ICMP socket for uid %d (needs root or net.ipv4.ping_group_range): %v", os.Geteuid(), err)
	}
	c.pc.Close()
}

func TestPingLoopback(t *testing.T) {
	requireICMP(t, false)
	res, err := Ping(context.Background(), PingSpec{Host: "127.0.0.1", Count: 3, Timeout: time.Second, Size: 100, Interval: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if res.Success != 3 || res.Failure != 0 || len(res.RoundTrips) != 3 {
		t.Fatalf("%+v", res)
	}
	if res.Min <= 0 || res.Min > res.Average || res.Average > res.Max || res.Max > time.Second {
		t.Fatalf("times out of order: min %v avg %v max %v", res.Min, res.Average, res.Max)
	}
	if res.Source.String() != "127.0.0.1" {
		t.Fatalf("source %v", res.Source)
	}
}

func TestPingRefusesBadInput(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		spec  PingSpec
		state string
	}{
		{PingSpec{Host: "", Count: 1, Timeout: time.Second}, stateNoResolve},
		{PingSpec{Host: "127.0.0.1", Proto: "IPv6", Count: 1, Timeout: time.Second}, stateNoResolve},
		{PingSpec{Host: "::1", Proto: "IPv4", Count: 1, Timeout: time.Second}, stateNoResolve},
		{PingSpec{Host: "127.0.0.1", Count: 0, Timeout: time.Second}, StateOther},
		{PingSpec{Host: "127.0.0.1", Count: 1, Timeout: time.Second, Size: 70000}, StateOther},
	}
	for _, c := range cases {
		_, err := Ping(ctx, c.spec)
		if got := State(err); got != c.state {
			t.Errorf("%+v: state %s (%v), want %s", c.spec, got, err, c.state)
		}
	}
}

func TestTraceRouteLoopbackIsOneHop(t *testing.T) {
	requireICMP(t, true)
	res, err := TraceRoute(context.Background(), TraceSpec{Host: "127.0.0.1", Tries: 2, Timeout: time.Second, Size: 38, MaxHops: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hops) != 1 || res.Hops[0].Address.String() != "127.0.0.1" || len(res.Hops[0].RoundTrips) != 2 {
		t.Fatalf("%+v", res)
	}
	if res.ResponseTime <= 0 {
		t.Fatalf("response time %v", res.ResponseTime)
	}
}

func TestDownloadMeasuresTheFile(t *testing.T) {
	body := bytes.Repeat([]byte("0123456789abcdef"), 64<<10) // 1 MiB
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/file" {
			http.NotFound(w, r)
			return
		}
		w.Write(body)
	}))
	defer srv.Close()
	ctx := context.Background()

	res, err := Download(ctx, TransferSpec{URL: srv.URL + "/file", Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if res.TestBytes != uint64(len(body)) || res.Truncated {
		t.Fatalf("test bytes %d, want %d", res.TestBytes, len(body))
	}
	if res.TotalReceived <= res.TestBytes || res.TotalSent == 0 {
		t.Fatalf("connection counters: received %d sent %d", res.TotalReceived, res.TotalSent)
	}
	order := []time.Time{res.TCPOpenRequest, res.TCPOpenResponse, res.ROM, res.BOM, res.EOM}
	for i := 1; i < len(order); i++ {
		if order[i-1].IsZero() || order[i].Before(order[i-1]) {
			t.Fatalf("timestamps out of order: %v", order)
		}
	}

	res, err = Download(ctx, TransferSpec{URL: srv.URL + "/file", Timeout: 10 * time.Second, MaxBytes: 1000})
	if err != nil || !res.Truncated || res.TestBytes != 1000 {
		t.Fatalf("capped download: %+v, %v", res, err)
	}
	if _, err := Download(ctx, TransferSpec{URL: srv.URL + "/missing", Timeout: 10 * time.Second}); State(err) != stateTransfer {
		t.Fatalf("404: %v", err)
	}
	if _, err := Download(ctx, TransferSpec{URL: "ftp://127.0.0.1/x"}); State(err) != stateInitConn {
		t.Fatalf("ftp URL: %v", err)
	}
	// A port nobody listens on.
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()
	if _, err := Download(ctx, TransferSpec{URL: deadURL + "/file", Timeout: 5 * time.Second}); State(err) != stateInitConn {
		t.Fatalf("closed port: %v", err)
	}
}

func TestDownloadVerifiesTLS(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "x") }))
	defer srv.Close()
	_, err := Download(context.Background(), TransferSpec{URL: srv.URL, Timeout: 5 * time.Second})
	if State(err) != stateInitConn {
		t.Fatalf("untrusted certificate: %v", err)
	}
	pool := srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
	if _, err := Download(context.Background(), TransferSpec{URL: srv.URL, Timeout: 5 * time.Second, RootCAs: pool}); err != nil {
		t.Fatalf("trusted certificate: %v", err)
	}
}

func TestDownloadTimesOut(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("start"))
		w.(http.Flusher).Flush()
		<-release
	}))
	defer srv.Close()
	defer close(release)
	_, err := Download(context.Background(), TransferSpec{URL: srv.URL, Timeout: 300 * time.Millisecond})
	if State(err) != stateTimeout {
		t.Fatalf("stalled server: %v", err)
	}
}

func TestUploadSendsTheLength(t *testing.T) {
	var got atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPut {
			http.Error(w, "PUT only", http.StatusMethodNotAllowed)
			return
		}
		n, _ := io.Copy(io.Discard, r.Body)
		got.Store(n)
		if strings.HasSuffix(r.URL.Path, "/full") {
			http.Error(w, "disk full", http.StatusInsufficientStorage)
			return
		}
		w.WriteHeader(http.StatusCreated)
	}))
	defer srv.Close()
	res, err := Upload(context.Background(), TransferSpec{URL: srv.URL + "/up", Length: 300000, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if got.Load() != 300000 || res.TestBytes != 300000 || res.TotalSent <= 300000 {
		t.Fatalf("server got %d, result %+v", got.Load(), res)
	}
	if res.BOM.Before(res.ROM) || res.EOM.Before(res.BOM) {
		t.Fatalf("timestamps out of order: %+v", res)
	}
	_, err = Upload(context.Background(), TransferSpec{URL: srv.URL + "/full", Length: 10, Timeout: 10 * time.Second})
	if State(err) != stateNoComplete {
		t.Fatalf("507: %v", err)
	}
	var de *Error
	if !errors.As(err, &de) || !strings.Contains(de.Error(), "507") {
		t.Fatalf("error does not say why: %v", err)
	}
}
