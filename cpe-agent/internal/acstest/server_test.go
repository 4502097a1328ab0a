package acstest

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"gatewarden/protocol/cwmp"
	"gatewarden/protocol/digest"
)

func start(t *testing.T, opts Options) *Server {
	t.Helper()
	s, err := Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// cpe is a minimal hand-driven CWMP client.
type cpe struct {
	t      *testing.T
	client *http.Client
	url    string
}

type answer struct {
	status int
	env    *cwmp.Envelope
	header http.Header
	err    error
}

// post sends env (nil: an empty POST) in the background and returns a
// channel with the answer.
func (c *cpe) post(env *cwmp.Envelope) <-chan answer {
	c.t.Helper()
	var body io.Reader = http.NoBody
	if env != nil {
		raw, err := cwmp.Marshal(env)
		if err != nil {
			c.t.Fatal(err)
		}
		body = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(http.MethodPost, c.url, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if env != nil {
		req.Header.Set("Content-Type", "text/xml")
	}
	out := make(chan answer, 1)
	go func() {
		resp, err := c.client.Do(req)
		if err != nil {
			out <- answer{err: err}
			return
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		a := answer{status: resp.StatusCode, header: resp.Header}
		if len(raw) > 0 {
			a.env, a.err = cwmp.Decode(raw)
		}
		out <- a
	}()
	return out
}

func wait(t *testing.T, ch <-chan answer) answer {
	t.Helper()
	select {
	case a := <-ch:
		return a
	case <-time.After(10 * time.Second):
		t.Fatal("no answer")
		return answer{}
	}
}

func inform(id string) *cwmp.Envelope {
	return &cwmp.Envelope{Header: cwmp.Header{ID: id}, Body: &cwmp.Inform{MaxEnvelopes: 1, Event: []cwmp.EventStruct{{EventCode: cwmp.EventBoot}}}}
}

func newCPE(t *testing.T, s *Server) *cpe {
	return &cpe{t: t, client: &http.Client{}, url: s.URL()}
}

func TestSessionGrouping(t *testing.T) {
	srv := start(t, Options{})
	c := newCPE(t, srv)
	ctx := testCtx(t)

	ch := c.post(inform("i1"))
	s1, err := srv.NextSession(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ex, _, err := s1.ExpectInform(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ex.Reply(Fault(cwmp.FaultACSRetryRequest))
	if a := wait(t, ch); a.env == nil || a.env.Body.(*cwmp.Fault).FaultCode != cwmp.FaultACSRetryRequest || a.env.Header.ID != "i1" {
		t.Fatalf("8005 answer: %+v", a)
	}
	ch = c.post(inform("i1")) // the resend joins session 1
	ex, _, err = s1.ExpectInform(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ex.Reply(InformResponse().WithHold(true))
	a := wait(t, ch)
	if a.env == nil || a.env.Header.HoldRequests == nil || !*a.env.Header.HoldRequests {
		t.Fatalf("InformResponse with HoldRequests: %+v", a)
	}
	ch = c.post(nil)
	empty, err := s1.ExpectEmpty(ctx)
	if err != nil {
		t.Fatal(err)
	}
	empty.Reply(Empty())
	if a := wait(t, ch); a.status != http.StatusNoContent {
		t.Fatalf("empty answer status %d", a.status)
	}
	if ended, why := s1.Ended(); !ended {
		t.Fatalf("session 1 not ended (%s)", why)
	}
	if _, err := s1.Next(ctx); err == nil || !strings.Contains(err.Error(), "ended") {
		t.Fatalf("Next after the end: %v", err)
	}

	ch = c.post(inform("i2"))
	s2, err := srv.NextSession(ctx)
	if err != nil || s2.Index() != 2 {
		t.Fatalf("second session: %v %v", s2, err)
	}
	ex, err = s2.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// A different Inform while session 2 waits for its InformResponse
	// supersedes it (a CPE that gave up and retried).
	ex.Reply(Fault(cwmp.FaultACSRetryRequest))
	wait(t, ch)
	ch = c.post(inform("i3"))
	s3, err := srv.NextSession(ctx)
	if err != nil || s3.Index() != 3 {
		t.Fatalf("a new Inform did not open session 3: %v", err)
	}
	if ended, _ := s2.Ended(); !ended {
		t.Fatal("superseded session not ended")
	}
	ex, _ = s3.Next(ctx)
	ex.Reply(Status(http.StatusServiceUnavailable))
	if a := wait(t, ch); a.status != http.StatusServiceUnavailable {
		t.Fatalf("status %d", a.status)
	}
	if ended, _ := s3.Ended(); !ended {
		t.Fatal("an error status did not end the session")
	}
	if srv.Sessions() != 3 || len(srv.Records()) != 5 {
		t.Fatalf("sessions %d records %d", srv.Sessions(), len(srv.Records()))
	}
}

func TestExpectationsSayWhatArrived(t *testing.T) {
	srv := start(t, Options{})
	c := newCPE(t, srv)
	ctx := testCtx(t)
	ch := c.post(inform("x"))
	s, _ := srv.NextSession(ctx)
	ex, err := s.ExpectEmpty(ctx)
	if err == nil || !strings.Contains(err.Error(), `want an empty POST, got Inform (ID "x")`) {
		t.Fatalf("ExpectEmpty on an Inform: %v", err)
	}
	if err := ex.Reply(InformResponse()); err != nil {
		t.Fatal(err)
	}
	if err := ex.Reply(InformResponse()); err == nil {
		t.Fatal("a second answer to one exchange was accepted")
	}
	wait(t, ch)

	// The CPE answers a request with the wrong ID.
	ch = c.post(nil)
	ex, _ = s.Next(ctx)
	callErr := make(chan error, 1)
	go func() {
		_, err := s.Call(ctx, ex, &cwmp.GetRPCMethods{})
		callErr <- err
	}()
	a := wait(t, ch)
	if a.env == nil || a.env.Header.ID == "" {
		t.Fatalf("request: %+v", a)
	}
	ch = c.post(&cwmp.Envelope{Header: cwmp.Header{ID: "wrong"}, Body: &cwmp.GetRPCMethodsResponse{MethodList: []string{"Inform"}}})
	if err := <-callErr; err == nil || !strings.Contains(err.Error(), `carries ID "wrong"`) {
		t.Fatalf("Call with a mismatched ID: %v", err)
	}
	s.Pending().Reply(Empty())
	wait(t, ch)
}

func TestDigestAndOrphanRecords(t *testing.T) {
	srv := start(t, Options{Username: "cpe", Password: "pw", ChallengeClose: true})
	ctx := testCtx(t)
	plain := newCPE(t, srv)
	if a := wait(t, plain.post(inform("a"))); a.status != http.StatusUnauthorized {
		t.Fatalf("unauthenticated: %d", a.status)
	}
	authed := &cpe{t: t, url: srv.URL(), client: &http.Client{Transport: &digest.Transport{Client: digest.NewClient("cpe", "pw"), Base: &http.Transport{}}}}
	ch := authed.post(inform("a"))
	s, err := srv.NextSession(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ex, err := s.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ex.Reply(InformResponse())
	if a := wait(t, ch); a.status != http.StatusOK {
		t.Fatalf("authenticated: %d", a.status)
	}
	// The earlier refusal and the digest client's own 401 come first.
	recs := s.Records()
	if len(recs) != 3 || recs[0].Status != 401 || recs[1].Status != 401 || recs[2].Status != 200 {
		t.Fatalf("session records %v", recs)
	}
	if !strings.HasPrefix(recs[2].Header.Get("Authorization"), "Digest ") {
		t.Fatal("accepted request without Digest credentials")
	}
	// Connection: close on the 401 forced a new connection each time.
	if len(s.RemoteAddrs()) != 3 {
		t.Fatalf("connections %v", s.RemoteAddrs())
	}
}

func TestFinishPlaysTheACS(t *testing.T) {
	srv := start(t, Options{})
	c := newCPE(t, srv)
	ctx := testCtx(t)
	done := make(chan []*Exchange, 1)
	ch := c.post(inform("f"))
	s, _ := srv.NextSession(ctx)
	go func() {
		seen, err := s.Finish(ctx, nil)
		if err != nil {
			t.Error(err)
		}
		done <- seen
	}()
	if a := wait(t, ch); a.env == nil || a.env.Body.Method() != "InformResponse" {
		t.Fatalf("%+v", a)
	}
	tc := &cwmp.Envelope{Header: cwmp.Header{ID: "t"}, Body: &cwmp.TransferComplete{CommandKey: "k"}}
	if a := wait(t, c.post(tc)); a.env == nil || a.env.Body.Method() != "TransferCompleteResponse" || a.env.Header.ID != "t" {
		t.Fatalf("%+v", a)
	}
	if a := wait(t, c.post(&cwmp.Envelope{Header: cwmp.Header{ID: "g"}, Body: &cwmp.GetRPCMethods{}})); a.env == nil || len(a.env.Body.(*cwmp.GetRPCMethodsResponse).MethodList) == 0 {
		t.Fatalf("%+v", a)
	}
	if a := wait(t, c.post(nil)); a.status != http.StatusNoContent {
		t.Fatalf("%+v", a)
	}
	if seen := <-done; len(seen) != 4 {
		t.Fatalf("Finish handled %d exchanges", len(seen))
	}
}

func TestScriptRun(t *testing.T) {
	srv := start(t, Options{})
	c := newCPE(t, srv)
	ctx := testCtx(t)
	ch := c.post(inform("s"))
	s, _ := srv.NextSession(ctx)
	errc := make(chan error, 1)
	go func() {
		err := s.Run(ctx,
			AnswerInform(func(inf *cwmp.Inform) error { return nil }, Reply{}.WithCookie(&http.Cookie{Name: "sid", Value: "1"})),
			AnswerEmpty(Request(&cwmp.GetParameterValues{ParameterNames: []string{"Device."}})),
			Answer("GetParameterValuesResponse", Empty()),
		)
		if err != nil {
			t.Log(err)
		}
		errc <- err
	}()
	a := wait(t, ch)
	if a.env == nil || a.env.Body.Method() != "InformResponse" || !strings.Contains(a.header.Get("Set-Cookie"), "sid=1") {
		t.Fatalf("%+v", a)
	}
	a = wait(t, c.post(nil))
	if a.env == nil || a.env.Body.Method() != "GetParameterValues" {
		t.Fatalf("%+v", a)
	}
	resp := &cwmp.Envelope{Header: cwmp.Header{ID: a.env.Header.ID}, Body: &cwmp.GetParameterValuesResponse{}}
	if a := wait(t, c.post(resp)); a.status != http.StatusNoContent {
		t.Fatalf("%+v", a)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	// A step that fails names itself.
	ch = c.post(inform("s2"))
	s2, _ := srv.NextSession(ctx)
	go func() { errc <- s2.Run(ctx, AnswerEmpty(Empty())) }()
	if err := <-errc; err == nil || !strings.HasPrefix(err.Error(), "step 1:") {
		t.Fatalf("failing script: %v", err)
	}
	s2.Pending().Reply(InformResponse())
	wait(t, ch)
}

func TestDelayAbandonAndClose(t *testing.T) {
	srv := start(t, Options{})
	ctx := testCtx(t)
	c := &cpe{t: t, url: srv.URL(), client: &http.Client{Timeout: 100 * time.Millisecond}}
	ch := c.post(inform("d"))
	s, _ := srv.NextSession(ctx)
	ex, _ := s.Next(ctx)
	ex.Reply(InformResponse().WithDelay(time.Minute))
	if a := wait(t, ch); a.err == nil {
		t.Fatal("client did not time out")
	}
	if err := ex.Written(ctx); err == nil || !strings.Contains(err.Error(), "went away") {
		t.Fatalf("Written after the client left: %v", err)
	}
	if ended, _ := s.Ended(); !ended {
		t.Fatal("abandoned session not ended")
	}

	// Close does not wait for exchanges nobody answers.
	c.client.Timeout = 0
	ch = c.post(inform("e"))
	s, _ = srv.NextSession(ctx)
	s.Next(ctx)
	closed := make(chan struct{})
	go func() { srv.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close blocked on an unanswered exchange")
	}
	wait(t, ch)
}

func TestRedirectIsAbsolute(t *testing.T) {
	srv := start(t, Options{})
	ctx := testCtx(t)
	c := &cpe{t: t, url: srv.URL(), client: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	ch := c.post(inform("r"))
	s, _ := srv.NextSession(ctx)
	ex, _ := s.Next(ctx)
	ex.Reply(Redirect(http.StatusTemporaryRedirect, "/elsewhere"))
	a := wait(t, ch)
	if a.status != http.StatusTemporaryRedirect || a.header.Get("Location") != srv.URLFor("/elsewhere") {
		t.Fatalf("redirect %d to %q", a.status, a.header.Get("Location"))
	}
	c.url = a.header.Get("Location")
	ch = c.post(inform("r"))
	ex, _, err := s.ExpectInform(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ex.Reply(InformResponse())
	wait(t, ch)
	if recs := s.Records(); len(recs) != 2 || recs[1].Path != "/elsewhere" {
		t.Fatalf("records %v", recs)
	}
}

func TestTLS(t *testing.T) {
	srv := start(t, Options{TLS: true})
	ctx := testCtx(t)
	c := &cpe{t: t, url: srv.URL(), client: &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: srv.CertPool()}}}}
	ch := c.post(inform("t"))
	s, err := srv.NextSession(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ex, _ := s.Next(ctx)
	if !ex.TLS {
		t.Fatal("request not marked TLS")
	}
	ex.Reply(InformResponse())
	if a := wait(t, ch); a.err != nil || a.status != 200 {
		t.Fatalf("%+v", a)
	}
	if srv.Connections() != 1 {
		t.Fatalf("connections %d", srv.Connections())
	}
	if err := srv.ExpectNoSession(ctx, 20*time.Millisecond); err != nil {
		t.Fatal(err)
	}
}
