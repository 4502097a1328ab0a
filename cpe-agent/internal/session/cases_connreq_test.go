package session

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"gatewarden/cpe-agent/internal/acstest"
	"gatewarden/cpe-agent/internal/connreq"
	"gatewarden/protocol/digest"
)

// startListener runs a connection-request listener wired to the harness's
// client, as the agent wires them.
func (h *harness) startListener() *connreq.Listener {
	h.t.Helper()
	return h.startListenerWith(func() { h.client.ConnectionRequest() })
}

func (h *harness) startListenerWith(trigger func()) *connreq.Listener {
	h.t.Helper()
	l, err := connreq.Listen(connreq.Options{
		Addr:        "127.0.0.1:0",
		Credentials: func(context.Context) (string, string, error) { return "acs", "cr-secret", nil },
		Trigger:     trigger,
		Logger:      slog.New(slog.DiscardHandler),
	})
	if err != nil {
		h.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { l.Serve(ctx); close(done) }()
	h.t.Cleanup(func() { cancel(); <-done })
	return l
}

func connectionRequest(t *testing.T, url, user, pass string) (int, string, time.Time) {
	t.Helper()
	c := &http.Client{Transport: &digest.Transport{Client: digest.NewClient(user, pass), Base: &http.Transport{}}}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp.StatusCode, string(body), time.Now()
}

// TestCase49ConnectionRequestSession — §8 case 49: An unauthenticated GET
// to ConnectionRequestURL gets 401 Digest. The correct Digest gets 200/204
// with an empty body before the Inform, and the Inform carries 6 CONNECTION
// REQUEST. Wrong credentials start no session.
func TestCase49ConnectionRequestSession(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.boot()
	// The listener flushes its answer and only then triggers the session,
	// so the trigger's time is after the answer went out. (The client's
	// own time of reading the answer is no bound: under load the ACS side
	// can see the Inform before the client goroutine runs.)
	triggered := make(chan time.Time, 4)
	l := h.startListenerWith(func() {
		triggered <- time.Now()
		h.client.ConnectionRequest()
	})

	resp, err := http.Get(l.URL(""))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") == "" {
		t.Fatalf("unauthenticated GET: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
	if code, _, _ := connectionRequest(t, l.URL(""), "acs", "wrong"); code != http.StatusUnauthorized {
		t.Fatalf("wrong password: %d", code)
	}
	h.noSession()

	code, body, _ := connectionRequest(t, l.URL(""), "acs", "cr-secret")
	if code != http.StatusOK || body != "" {
		t.Fatalf("authenticated GET: %d %q", code, body)
	}
	s, ex, inf := h.inform()
	wantEvents(t, inf, "6 CONNECTION REQUEST")
	var answered time.Time
	select {
	case answered = <-triggered:
	default:
		t.Fatal("a session started without the listener triggering it")
	}
	if ex.Arrived.Before(answered) {
		t.Fatalf("Inform arrived at %v, before the connection request was answered at %v", ex.Arrived, answered)
	}
	if d := ex.Arrived.Sub(answered); d > time.Second {
		t.Fatalf("session started %v after the connection request, want within a second", d)
	}
	if len(triggered) != 0 {
		t.Fatal("the listener triggered more than one session")
	}
	h.finish(s, ex)
}

// TestCase50ConnectionRequestDuringSession — §8 case 50: A request during a
// session does not abort the session. (The 503 burst is
// TestCase50RateLimit in connreq.) Several requests before or during a
// session make one more session, not one each.
func TestCase50ConnectionRequestDuringSession(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.boot()
	l := h.startListener()

	if code, _, _ := connectionRequest(t, l.URL(""), "acs", "cr-secret"); code != http.StatusOK {
		t.Fatalf("connection request: %d", code)
	}
	s, ex, _ := h.inform()
	ex.Reply(acstest.InformResponse())
	empty, err := s.ExpectEmpty(h.ctx())
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if code, _, _ := connectionRequest(t, l.URL(""), "acs", "cr-secret"); code != http.StatusOK {
			t.Fatalf("connection request during the session: %d", code)
		}
	}
	// The running session goes on undisturbed.
	ans, err := s.Call(h.ctx(), empty, gpvUpTime())
	if err != nil {
		t.Fatal(err)
	}
	ans.Reply(acstest.Empty())
	if r := h.result(); r.Err != nil {
		t.Fatalf("session with connection requests during it: %v", r.Err)
	}
	s, ex, inf := h.inform()
	wantEvents(t, inf, "6 CONNECTION REQUEST")
	h.finish(s, ex)
	h.result()
	h.noSession()
}
