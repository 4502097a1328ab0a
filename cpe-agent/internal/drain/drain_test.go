package drain

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func serve(t *testing.T, h http.Handler) (*Server, string, chan error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	d := New(srv, ln)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	return d, "http://" + ln.Addr().String(), done
}

// A request in flight when Stop begins completes; the server then ends
// and refuses new connections.
func TestStopWaitsForRequestInFlight(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	d, url, done := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		io.WriteString(w, "finished")
	}))
	got := make(chan string, 1)
	go func() {
		resp, err := http.Get(url)
		if err != nil {
			got <- "error: " + err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got <- string(b)
	}()
	<-started
	stopped := make(chan bool, 1)
	go func() { stopped <- d.Stop(5 * time.Second) }()
	select {
	case <-stopped:
		t.Fatal("Stop returned while a request was in flight")
	case <-time.After(100 * time.Millisecond):
	}
	if _, err := net.DialTimeout("tcp", strings.TrimPrefix(url, "http://"), time.Second); err == nil {
		t.Error("the listener still accepts connections after Stop began")
	}
	close(release)
	if body := <-got; body != "finished" {
		t.Errorf("request in flight got %q, want finished", body)
	}
	if !<-stopped {
		t.Error("Stop reported the request did not finish in time")
	}
	select {
	case <-done: // Serve ends once its listener is closed
	case <-time.After(2 * time.Second):
		t.Error("Serve still running after Stop")
	}
}

// A request that outlives the grace period is cut off.
func TestStopGivesUpAfterGrace(t *testing.T) {
	started := make(chan struct{})
	d, url, _ := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-r.Context().Done()
	}))
	errc := make(chan error, 1)
	go func() {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	<-started
	start := time.Now()
	if d.Stop(200 * time.Millisecond) {
		t.Error("Stop reported success for a request that never finished")
	}
	if el := time.Since(start); el < 200*time.Millisecond || el > 3*time.Second {
		t.Errorf("Stop took %v with a 200ms grace", el)
	}
	if err := <-errc; err == nil {
		t.Error("the cut-off request got a response")
	}
}

// A request on a kept-alive connection after Stop began is refused.
func TestRequestAfterStopRefused(t *testing.T) {
	d, _, _ := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	d.mu.Lock()
	d.closing = true
	close(d.idle)
	d.mu.Unlock()
	rec := httptest.NewRecorder()
	d.srv.Handler.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Connection") != "close" {
		t.Errorf("got %d, Connection %q; want 503 and close", rec.Code, rec.Header().Get("Connection"))
	}
	d.closing = false // let Stop run its normal path for cleanup
	d.idle = make(chan struct{})
	d.Stop(time.Second)
}
