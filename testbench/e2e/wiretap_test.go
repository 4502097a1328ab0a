package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"gatewarden/protocol/cwmp"
)

// wiretap sits between one agent and the ACS's /cwmp. It records every
// CWMP message both ways, so a test can count what the ACS really sent a
// device (SetParameterValues and their ParameterKeys, say) without
// trusting the ACS's own account, and it can hold one message at a
// chosen point while the test kills the ACS. Its upstream can be changed,
// so an agent keeps its ACS URL across ACS restarts on new ports.
type wiretap struct {
	srv    *httptest.Server
	client *http.Client
	closed chan struct{}

	mu       sync.Mutex
	upstream string
	log      []exchange
	changed  chan struct{} // closed and replaced at every new record
	hold     *hold
}

// exchange is one HTTP round trip of a CWMP session as the tap saw it.
type exchange struct {
	At time.Time
	// Request is what the agent sent; nil for an empty POST.
	Request cwmp.Body
	// Status is the upstream's HTTP status; 0 when it was unreachable or
	// the tap dropped the request.
	Status int
	// Response is the ACS's message; nil for none (204, 401, ...).
	Response cwmp.Body
	// Delivered: the agent got the ACS's answer (false when the tap
	// dropped it or the upstream was unreachable).
	Delivered bool
}

// holdPoint is where a held message waits.
type holdPoint int

const (
	// atRequest: the agent's message has not gone to the ACS yet.
	atRequest holdPoint = iota
	// atResponse: the ACS answered; the agent has not got the answer yet.
	atResponse
)

// hold stops the first message matching its rule until resume.
type hold struct {
	point   holdPoint
	match   func(cwmp.Body) bool
	reached chan struct{}
	release chan bool // true: go on; false: drop (the agent gets 502)
	body    cwmp.Body
}

func newWiretap(t testing.TB, upstream string) *wiretap {
	w := &wiretap{
		upstream: upstream,
		changed:  make(chan struct{}),
		closed:   make(chan struct{}),
		client: &http.Client{
			Timeout:   60 * time.Second,
			Transport: &http.Transport{MaxIdleConnsPerHost: 4, IdleConnTimeout: 5 * time.Second},
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			},
		},
	}
	w.srv = httptest.NewServer(w)
	t.Cleanup(func() {
		close(w.closed) // frees a handler stuck in a hold
		w.srv.Close()
		w.client.CloseIdleConnections()
	})
	return w
}

// URL is the CWMP URL the agent should use.
func (w *wiretap) URL() string { return w.srv.URL + "/cwmp" }

// retarget sends later messages to a new ACS URL.
func (w *wiretap) retarget(upstream string) {
	w.mu.Lock()
	w.upstream = upstream
	w.mu.Unlock()
	w.client.CloseIdleConnections()
}

// holdNext arms a hold for the first message at point that match accepts.
func (w *wiretap) holdNext(point holdPoint, match func(cwmp.Body) bool) *hold {
	h := &hold{point: point, match: match, reached: make(chan struct{}), release: make(chan bool, 1)}
	w.mu.Lock()
	w.hold = h
	w.mu.Unlock()
	return h
}

// waitReached blocks until the held message arrived.
func (h *hold) waitReached(t testing.TB, timeout time.Duration) cwmp.Body {
	t.Helper()
	select {
	case <-h.reached:
		return h.body
	case <-time.After(timeout):
		t.Fatalf("no message reached the hold within %s", timeout)
		return nil
	}
}

// resume lets the held message go on (forward) or drops it.
func (h *hold) resume(forward bool) { h.release <- forward }

// take returns the armed hold if body triggers it, disarming it.
func (w *wiretap) take(point holdPoint, body cwmp.Body) *hold {
	w.mu.Lock()
	defer w.mu.Unlock()
	h := w.hold
	if h == nil || h.point != point || !h.match(body) {
		return nil
	}
	w.hold = nil
	h.body = body
	return h
}

// wait blocks a held message until the test decides; a closing tap drops it.
func (w *wiretap) wait(h *hold) bool {
	close(h.reached)
	select {
	case fwd := <-h.release:
		return fwd
	case <-w.closed:
		return false
	case <-time.After(2 * time.Minute):
		return false
	}
}

func (w *wiretap) record(e exchange) {
	e.At = time.Now()
	w.mu.Lock()
	w.log = append(w.log, e)
	close(w.changed)
	w.changed = make(chan struct{})
	w.mu.Unlock()
}

// hopHeaders are not forwarded: they describe one connection.
var hopHeaders = map[string]bool{
	"Connection": true, "Keep-Alive": true, "Transfer-Encoding": true, "Te": true,
	"Trailer": true, "Upgrade": true, "Proxy-Connection": true, "Content-Length": true,
}

func copyHeaders(dst, src http.Header) {
	for k, vs := range src {
		if !hopHeaders[http.CanonicalHeaderKey(k)] {
			dst[k] = append([]string(nil), vs...)
		}
	}
}

func decodeBody(b []byte) cwmp.Body {
	if len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	env, err := cwmp.Decode(b)
	if err != nil || env == nil {
		return undecoded{err: fmt.Sprint(err)}
	}
	return env.Body
}

// undecoded stands for a message the codec refused; the tests' agents and
// ACS should never produce one.
type undecoded struct{ err string }

func (u undecoded) Method() string { return "undecoded: " + u.err }

func (w *wiretap) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	reqBytes, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	if err != nil {
		http.Error(rw, "tap: reading request", http.StatusBadRequest)
		return
	}
	e := exchange{Request: decodeBody(reqBytes)}
	if h := w.take(atRequest, e.Request); h != nil && !w.wait(h) {
		w.record(e)
		http.Error(rw, "tap: dropped", http.StatusBadGateway)
		return
	}

	w.mu.Lock()
	upstream := w.upstream
	w.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := http.NewRequestWithContext(ctx, r.Method, upstream, bytes.NewReader(reqBytes))
	if err != nil {
		http.Error(rw, "tap: "+err.Error(), http.StatusBadGateway)
		return
	}
	copyHeaders(out.Header, r.Header)
	resp, err := w.client.Do(out)
	if err != nil {
		w.record(e)
		http.Error(rw, "tap: upstream unreachable", http.StatusBadGateway)
		return
	}
	respBytes, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	resp.Body.Close()
	if err != nil {
		w.record(e)
		http.Error(rw, "tap: reading upstream answer", http.StatusBadGateway)
		return
	}
	e.Status = resp.StatusCode
	if resp.StatusCode == http.StatusOK {
		e.Response = decodeBody(respBytes)
	}
	if h := w.take(atResponse, e.Response); h != nil && !w.wait(h) {
		w.record(e)
		http.Error(rw, "tap: dropped", http.StatusBadGateway)
		return
	}
	copyHeaders(rw.Header(), resp.Header)
	rw.WriteHeader(resp.StatusCode)
	_, werr := rw.Write(respBytes)
	e.Delivered = werr == nil
	w.record(e)
}

// snapshot returns the records from index from on, and a channel closed
// at the next record.
func (w *wiretap) snapshot(from int) ([]exchange, <-chan struct{}) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if from > len(w.log) {
		from = len(w.log)
	}
	return append([]exchange(nil), w.log[from:]...), w.changed
}

// mark is the index the next record gets; pass it to since and waitFor.
func (w *wiretap) mark() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.log)
}

func (w *wiretap) since(from int) []exchange {
	log, _ := w.snapshot(from)
	return log
}

// waitFor blocks until cond holds for the records from index from on.
func (w *wiretap) waitFor(t testing.TB, from int, timeout time.Duration, what string, cond func([]exchange) bool) []exchange {
	t.Helper()
	deadline := time.After(timeout)
	for {
		log, changed := w.snapshot(from)
		if cond(log) {
			return log
		}
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("tap %s: %s not seen within %s; saw:\n%s", w.srv.URL, what, timeout, describe(log))
			return nil
		}
	}
}

// sessionEnded reports whether a session ran to its end (the ACS's 204)
// in log, starting with an Inform that has event code (any, if "").
func sessionEnded(log []exchange, code cwmp.EventCode) bool {
	inSession := false
	for _, e := range log {
		if inf, ok := e.Request.(*cwmp.Inform); ok {
			inSession = code == "" || hasEvent(inf, code)
		}
		if inSession && e.Status == http.StatusNoContent && e.Delivered {
			return true
		}
	}
	return false
}

func hasEvent(inf *cwmp.Inform, code cwmp.EventCode) bool {
	for _, ev := range inf.Event {
		if ev.EventCode == code {
			return true
		}
	}
	return false
}

// delivered returns the ACS requests of type T that reached the agent.
func delivered[T cwmp.Body](log []exchange) []T {
	var out []T
	for _, e := range log {
		if m, ok := e.Response.(T); ok && e.Delivered {
			out = append(out, m)
		}
	}
	return out
}

// informs returns the Informs the agent sent.
func informs(log []exchange) []*cwmp.Inform {
	var out []*cwmp.Inform
	for _, e := range log {
		if inf, ok := e.Request.(*cwmp.Inform); ok {
			out = append(out, inf)
		}
	}
	return out
}

func describe(log []exchange) string {
	var b strings.Builder
	for _, e := range log {
		req, resp := "(empty)", "(none)"
		if e.Request != nil {
			req = e.Request.Method()
		}
		if inf, ok := e.Request.(*cwmp.Inform); ok {
			var codes []string
			for _, ev := range inf.Event {
				codes = append(codes, string(ev.EventCode))
			}
			req += " [" + strings.Join(codes, ", ") + "]"
		}
		if e.Response != nil {
			resp = e.Response.Method()
		}
		fmt.Fprintf(&b, "  %s %s -> %d %s delivered=%v\n", e.At.Format("15:04:05.000"), req, e.Status, resp, e.Delivered)
	}
	return b.String()
}
