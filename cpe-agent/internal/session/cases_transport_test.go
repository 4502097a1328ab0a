package session

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"gatewarden/cpe-agent/internal/acstest"
	"gatewarden/cpe-agent/internal/store"
	"gatewarden/protocol/cwmp"
	"gatewarden/protocol/digest"
)

// owe stores a finished Download whose TransferComplete is owed.
func owe(t *testing.T, st *store.Store, key string, fault cwmp.FaultCode) uint64 {
	t.Helper()
	id, err := st.SaveTransfer(store.Transfer{
		Kind: store.KindDownload, CommandKey: key, FileType: string(cwmp.FileTypeFirmwareUpgradeImage),
		URL: "https://files.example/fw.bin", State: store.TransferCompleted,
		Started: epoch, Completed: epoch.Add(time.Minute), FaultCode: uint32(fault),
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// TestCase01InformFirst — §8 case 1: The first POST of every session is an
// Inform. No other RPC is sent before InformResponse arrives.
func TestCase01InformFirst(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	owe(t, h.st, "fw1", 0) // a TransferComplete is waiting to go
	h.start()
	s := h.session()
	ex, _, err := s.ExpectInform(h.ctx())
	if err != nil {
		t.Fatal(err)
	}
	if recs := s.Records(); len(recs) != 1 || recs[0].RPC() != "Inform" {
		t.Fatalf("first POST of the session: %v", recs)
	}
	// Hold the InformResponse back: nothing else may arrive meanwhile.
	time.Sleep(100 * time.Millisecond)
	if n := len(h.acs.Records()); n != 1 {
		t.Fatalf("%d requests before the InformResponse, want only the Inform", n)
	}
	if err := ex.Reply(acstest.InformResponse()); err != nil {
		t.Fatal(err)
	}
	tc, _, err := acstest.Expect[*cwmp.TransferComplete](h.ctx(), s)
	if err != nil {
		t.Fatal(err)
	}
	h.finish(s, tc)
	h.result()

	// The next session starts with an Inform too.
	h.client.ConnectionRequest()
	s = h.session()
	if _, _, err := s.ExpectInform(h.ctx()); err != nil {
		t.Fatal(err)
	}
	h.finish(s, s.Pending())
}

// TestCase02EmptyPost — §8 case 2: After InformResponse, a CPE with nothing
// to send sends a zero-length POST with no Content-Type or SOAPAction.
func TestCase02EmptyPost(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.start()
	s, ex, _ := h.inform()
	if ct := ex.Header.Get("Content-Type"); ct != `text/xml; charset="utf-8"` {
		t.Errorf("Inform Content-Type %q", ct)
	}
	if v, ok := ex.Header["Soapaction"]; !ok || len(v) != 1 || v[0] != "" {
		t.Errorf("Inform SOAPAction header %q (present %v), want present and empty", v, ok)
	}
	if err := ex.Reply(acstest.InformResponse()); err != nil {
		t.Fatal(err)
	}
	empty, err := s.ExpectEmpty(h.ctx()) // checks Content-Type, SOAPAction, Content-Length
	if err != nil {
		t.Fatal(err)
	}
	if empty.Header.Get("Content-Length") != "0" {
		t.Errorf("empty POST Content-Length %q, want 0", empty.Header.Get("Content-Length"))
	}
	if err := empty.Reply(acstest.Empty()); err != nil {
		t.Fatal(err)
	}
	if r := h.result(); r.Err != nil {
		t.Fatal(r.Err)
	}
}

// TestCase03ConnectionClosedAfter204 — §8 case 3 (A, with its CPE half):
// An ACS with an empty queue answers the CPE's empty POST with 204 and no
// body. The CPE then closes the connection. Also: 200 with an empty body
// ends the session just as well.
func TestCase03ConnectionClosedAfter204(t *testing.T) {
	for _, name := range []string{"204", "200-empty"} {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, harnessOpts{})
			h.start()
			s, ex, _ := h.inform()
			ex.Reply(acstest.InformResponse())
			empty, err := s.ExpectEmpty(h.ctx())
			if err != nil {
				t.Fatal(err)
			}
			end := acstest.Empty()
			if name == "200-empty" {
				end = end.Status200()
			}
			empty.Reply(end)
			if r := h.result(); r.Err != nil {
				t.Fatal(r.Err)
			}
			deadline := time.Now().Add(2 * time.Second)
			for h.acs.OpenConnections() > 0 && time.Now().Before(deadline) {
				time.Sleep(5 * time.Millisecond)
			}
			if n := h.acs.OpenConnections(); n != 0 {
				t.Fatalf("%d connections still open after the session ended", n)
			}
		})
	}
}

// TestCase04NoPipelining — §8 case 4: The CPE never pipelines. It sends the
// next POST only after the previous response arrives.
func TestCase04NoPipelining(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	owe(t, h.st, "a", 0)
	owe(t, h.st, "b", 0)
	h.start()
	s, ex, _ := h.inform()
	slow := 30 * time.Millisecond
	ex.Reply(acstest.InformResponse().WithDelay(slow))
	for i := 0; i < 2; i++ {
		tc, _, err := acstest.Expect[*cwmp.TransferComplete](h.ctx(), s)
		if err != nil {
			t.Fatal(err)
		}
		tc.Reply(acstest.Respond(&cwmp.TransferCompleteResponse{}).WithDelay(slow))
	}
	empty, err := s.ExpectEmpty(h.ctx())
	if err != nil {
		t.Fatal(err)
	}
	req, err := s.Call(h.ctx(), empty, &cwmp.GetParameterValues{ParameterNames: []string{"Device.DeviceInfo."}})
	if err != nil {
		t.Fatal(err)
	}
	req.Reply(acstest.Empty().WithDelay(slow))
	h.result()
	recs := s.Records()
	if len(recs) != 5 {
		t.Fatalf("%d requests, want 5", len(recs))
	}
	for i := 1; i < len(recs); i++ {
		if recs[i].Arrived.Before(recs[i-1].Answered) {
			t.Errorf("request %d (%s) arrived before the answer to %s was written", i+1, recs[i].RPC(), recs[i-1].RPC())
		}
	}
}

// TestCase05ResponseEchoesID — §8 case 5: The CPE replies to an ACS request
// in its very next POST, and the cwmp:ID of the response equals the
// request's.
func TestCase05ResponseEchoesID(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.start()
	s, ex, _ := h.inform()
	ex.Reply(acstest.InformResponse())
	empty, err := s.ExpectEmpty(h.ctx())
	if err != nil {
		t.Fatal(err)
	}
	// Call checks that the very next POST answers the request with its ID.
	ans, err := s.CallWith(h.ctx(), empty, acstest.Request(&cwmp.GetParameterValues{ParameterNames: []string{"Device.DeviceInfo.SoftwareVersion"}}).WithID("id-with spaces&<x>"))
	if err != nil {
		t.Fatal(err)
	}
	if ans.RPC() != "GetParameterValuesResponse" || ans.ID() != "id-with spaces&<x>" {
		t.Fatalf("answer %s with ID %q", ans.RPC(), ans.ID())
	}
	// A fault keeps the request's ID too.
	ans, err = s.Call(h.ctx(), ans, &cwmp.GetParameterValues{ParameterNames: []string{"Device.Nope"}})
	if err != nil {
		t.Fatal(err)
	}
	if code := faultCode(t, ans); code != cwmp.FaultInvalidParameterName {
		t.Fatalf("fault %d, want 9005", code)
	}
	ans.Reply(acstest.Empty())
	if r := h.result(); r.Err != nil {
		t.Fatal(r.Err)
	}
}

// TestCase06HoldRequests — §8 case 6: When the InformResponse carries
// HoldRequests=1, a pending TransferComplete is held back. The CPE sends an
// empty POST, answers the ACS requests, and sends the TransferComplete only
// after the ACS's empty response.
func TestCase06HoldRequests(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	owe(t, h.st, "fw-held", 0)
	h.start()
	s, ex, inf := h.inform()
	wantEvents(t, inf, "0 BOOTSTRAP", "1 BOOT", "7 TRANSFER COMPLETE", "M Download/fw-held")
	ex.Reply(acstest.InformResponse().WithHold(true))
	empty, err := s.ExpectEmpty(h.ctx())
	if err != nil {
		t.Fatal(err)
	}
	ans, err := s.CallWith(h.ctx(), empty, acstest.Request(&cwmp.GetParameterValues{ParameterNames: []string{"Device.DeviceInfo.UpTime"}}).WithHold(true))
	if err != nil {
		t.Fatal(err)
	}
	if ans.RPC() != "GetParameterValuesResponse" {
		t.Fatalf("got %s", ans.RPC())
	}
	ans.Reply(acstest.Empty()) // holding ends with the empty answer
	tc, body, err := acstest.Expect[*cwmp.TransferComplete](h.ctx(), s)
	if err != nil {
		t.Fatal(err)
	}
	if body.CommandKey != "fw-held" {
		t.Fatalf("TransferComplete CommandKey %q", body.CommandKey)
	}
	tc.Reply(acstest.Respond(&cwmp.TransferCompleteResponse{}))
	empty, err = s.ExpectEmpty(h.ctx())
	if err != nil {
		t.Fatal(err)
	}
	empty.Reply(acstest.Empty())
	if r := h.result(); r.Err != nil {
		t.Fatal(r.Err)
	}
	if ts, _ := h.st.Transfers(); len(ts) != 0 {
		t.Fatalf("acknowledged transfer still stored: %v", ts)
	}
	var rpcs []string
	for _, r := range s.Records() {
		rpcs = append(rpcs, r.RPC())
	}
	want := "Inform empty GetParameterValuesResponse TransferComplete empty"
	if strings.Join(rpcs, " ") != want {
		t.Fatalf("session went %q, want %q", rpcs, want)
	}
}

// gateExecutor lets a test decide when a transfer finishes.
type gateExecutor struct {
	started chan store.Transfer
	finish  chan cwmp.FaultStruct
}

func (g *gateExecutor) Execute(ctx context.Context, t store.Transfer) cwmp.FaultStruct {
	g.started <- t
	select {
	case f := <-g.finish:
		return f
	case <-ctx.Done():
		return cwmp.FaultStruct{}
	}
}

// TestCase07NoRequestAfterEmptyPost — §8 case 7: After an empty POST with
// holding off, a new internal event (e.g. a finished diagnostic) is not sent
// as a request in the same session. Here a download finishes while the
// session runs; its TransferComplete goes in the next session.
func TestCase07NoRequestAfterEmptyPost(t *testing.T) {
	gate := &gateExecutor{started: make(chan store.Transfer, 1), finish: make(chan cwmp.FaultStruct)}
	h := newHarness(t, harnessOpts{opts: func(o *Options) {
		q, err := NewTransferQueue(TransferQueueOptions{Store: o.Store, Clock: o.Clock, Executor: gate, Logger: o.Logger})
		if err != nil {
			panic(err)
		}
		o.Transfers = q
	}})
	h.start()
	s, ex, _ := h.inform()
	ex.Reply(acstest.InformResponse())
	empty, err := s.ExpectEmpty(h.ctx())
	if err != nil {
		t.Fatal(err)
	}
	ans, err := s.Call(h.ctx(), empty, &cwmp.Download{CommandKey: "dl7", FileType: cwmp.FileTypeFirmwareUpgradeImage, URL: "https://files.example/fw.bin"})
	if err != nil {
		t.Fatal(err)
	}
	ans.Reply(acstest.Empty())
	h.result()
	select {
	case <-gate.started:
	case <-time.After(waitLimit):
		t.Fatal("download did not start after the session")
	}

	h.client.ConnectionRequest()
	s, ex, inf := h.inform()
	wantEvents(t, inf, "6 CONNECTION REQUEST")
	ex.Reply(acstest.InformResponse())
	empty, err = s.ExpectEmpty(h.ctx())
	if err != nil {
		t.Fatal(err)
	}
	gate.finish <- cwmp.FaultStruct{}
	deadline := time.Now().Add(waitLimit)
	for {
		owed, _ := h.client.transfers.Owed(context.Background())
		if len(owed) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("download did not complete")
		}
		time.Sleep(time.Millisecond)
	}
	ans, err = s.Call(h.ctx(), empty, &cwmp.GetParameterValues{ParameterNames: []string{"Device.DeviceInfo.UpTime"}})
	if err != nil {
		t.Fatal(err)
	}
	ans.Reply(acstest.Empty())
	h.result()
	for _, r := range s.Records() {
		if r.RPC() == "TransferComplete" {
			t.Fatal("TransferComplete sent in the session that had already sent its empty POST")
		}
	}

	s, ex, inf = h.inform()
	wantEvents(t, inf, "7 TRANSFER COMPLETE", "M Download/dl7")
	ex.Reply(acstest.InformResponse())
	tc, body, err := acstest.Expect[*cwmp.TransferComplete](h.ctx(), s)
	if err != nil {
		t.Fatal(err)
	}
	if body.CommandKey != "dl7" || body.FaultStruct.FaultCode != 0 {
		t.Fatalf("TransferComplete %+v", body)
	}
	h.finish(s, tc)
}

// TestCase08Cookies — §8 case 8: Session cookies from InformResponse are
// returned on every later POST of that session and are not sent in the next
// session.
func TestCase08Cookies(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	owe(t, h.st, "c", 0)
	h.start()
	s, ex, _ := h.inform()
	ex.Reply(acstest.InformResponse().WithCookie(&http.Cookie{Name: "session", Value: "abc123", Path: "/"}))
	tc, _, err := acstest.Expect[*cwmp.TransferComplete](h.ctx(), s)
	if err != nil {
		t.Fatal(err)
	}
	tc.Reply(acstest.Respond(&cwmp.TransferCompleteResponse{}))
	empty, err := s.ExpectEmpty(h.ctx())
	if err != nil {
		t.Fatal(err)
	}
	empty.Reply(acstest.Empty())
	h.result()
	for _, r := range s.Records()[1:] {
		if c := cookie(r.Cookies, "session"); c != "abc123" {
			t.Errorf("%s carried session cookie %q, want abc123", r.RPC(), c)
		}
	}

	h.client.ConnectionRequest()
	s, ex, _ = h.inform()
	if len(ex.Cookies) != 0 {
		t.Fatalf("next session's Inform carries cookies %v", ex.Cookies)
	}
	h.finish(s, ex)
}

func cookie(cs []*http.Cookie, name string) string {
	for _, c := range cs {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// TestCase09DigestChallenge — §8 case 9: A 401 Digest challenge to the
// Inform is answered with a correct qop=auth MD5 Authorization on the same
// connection. With Connection: close, it is answered on a new connection.
func TestCase09DigestChallenge(t *testing.T) {
	for _, closeConn := range []bool{false, true} {
		t.Run(fmt.Sprintf("close=%v", closeConn), func(t *testing.T) {
			h := newHarness(t, harnessOpts{acs: acstest.Options{Username: "cpe", Password: "cpe-secret", ChallengeClose: closeConn}})
			h.start()
			s, ex, _ := h.inform()
			h.finish(s, ex)
			if r := h.result(); r.Err != nil {
				t.Fatal(r.Err)
			}
			recs := s.Records()
			if len(recs) < 3 || recs[0].Status != http.StatusUnauthorized || recs[0].Header.Get("Authorization") != "" {
				t.Fatalf("want an unauthenticated Inform refused with 401 first; got %v", recs)
			}
			a, err := digest.ParseAuthorization(recs[1].Header.Get("Authorization"))
			if err != nil {
				t.Fatalf("second request's Authorization: %v", err)
			}
			if a.Qop != "auth" || (a.Algorithm != "" && a.Algorithm != "MD5") || a.Username != "cpe" || a.NC == "" || a.Cnonce == "" {
				t.Fatalf("Authorization %+v: want qop=auth, MD5, nc and cnonce", a)
			}
			if recs[1].Status != http.StatusOK || recs[1].RPC() != "Inform" {
				t.Fatalf("authenticated Inform answered %d", recs[1].Status)
			}
			same := recs[0].RemoteAddr == recs[1].RemoteAddr
			if same == closeConn {
				t.Fatalf("401 and its answer on connections %s and %s (Connection: close=%v)", recs[0].RemoteAddr, recs[1].RemoteAddr, closeConn)
			}
			if !closeConn && len(s.RemoteAddrs()) != 1 {
				t.Fatalf("session used connections %v, want one", s.RemoteAddrs())
			}
		})
	}
}

// TestCase10BasicOnlyOverTLS — §8 case 10: Basic credentials are sent
// pre-emptively only over TLS. Over plain HTTP, the CPE handles a Digest
// challenge.
func TestCase10BasicOnlyOverTLS(t *testing.T) {
	t.Run("tls", func(t *testing.T) {
		h := newHarness(t, harnessOpts{acs: acstest.Options{TLS: true, Username: "cpe", Password: "cpe-secret", AllowBasic: true}})
		h.start()
		s, ex, _ := h.inform()
		h.finish(s, ex)
		if r := h.result(); r.Err != nil {
			t.Fatal(r.Err)
		}
		for _, r := range s.Records() {
			if !r.TLS || !strings.HasPrefix(r.Header.Get("Authorization"), "Basic ") || r.Status == http.StatusUnauthorized {
				t.Fatalf("%s: TLS=%v Authorization %.6q status %d; want pre-emptive Basic over TLS, no 401",
					r.RPC(), r.TLS, r.Header.Get("Authorization"), r.Status)
			}
		}
	})
	t.Run("plain-digest", func(t *testing.T) {
		h := newHarness(t, harnessOpts{acs: acstest.Options{Username: "cpe", Password: "cpe-secret"}})
		h.start()
		s, ex, _ := h.inform()
		h.finish(s, ex)
		if r := h.result(); r.Err != nil {
			t.Fatal(r.Err)
		}
		for _, r := range s.Records() {
			if strings.HasPrefix(r.Header.Get("Authorization"), "Basic") {
				t.Fatal("Basic credentials sent over plain http")
			}
		}
		if s.Records()[0].Status != http.StatusUnauthorized {
			t.Fatal("no Digest challenge happened")
		}
	})
	t.Run("plain-basic-challenge-refused", func(t *testing.T) {
		var sawBasic, requests int
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			requests++
			if strings.HasPrefix(r.Header.Get("Authorization"), "Basic") {
				sawBasic++
			}
			w.Header().Set("WWW-Authenticate", `Basic realm="x"`)
			w.WriteHeader(http.StatusUnauthorized)
		}))
		defer srv.Close()
		h := newHarness(t, harnessOpts{})
		h.model.set(map[string]string{paramURL: srv.URL + "/cwmp"}, false)
		h.start()
		r := h.result()
		if r.Err == nil {
			t.Fatal("session against a Basic-only plain-http ACS succeeded")
		}
		if sawBasic != 0 || requests == 0 {
			t.Fatalf("%d requests, %d with Basic credentials; want none with Basic", requests, sawBasic)
		}
	})
}

// TestCase11Redirects — §8 case 11: A 302/307 to a new URL is followed (up
// to 5) and ManagementServer.URL stays unchanged.
func TestCase11Redirects(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	orig := h.model.get(paramURL)
	h.start()
	s, ex, _ := h.inform()
	ex.Reply(acstest.Redirect(http.StatusFound, "/moved-1"))
	ex2, _, err := s.ExpectInform(h.ctx())
	if err != nil {
		t.Fatal(err)
	}
	if ex2.Path != "/moved-1" || string(ex2.Body) != string(ex.Body) {
		t.Fatalf("after 302: %s to %s, same body %v", ex2.RPC(), ex2.Path, string(ex2.Body) == string(ex.Body))
	}
	ex2.Reply(acstest.Redirect(http.StatusTemporaryRedirect, "/moved-2"))
	ex3, _, err := s.ExpectInform(h.ctx())
	if err != nil {
		t.Fatal(err)
	}
	if ex3.Path != "/moved-2" {
		t.Fatalf("after 307: POST to %s", ex3.Path)
	}
	ex3.Reply(acstest.InformResponse())
	empty, err := s.ExpectEmpty(h.ctx())
	if err != nil {
		t.Fatal(err)
	}
	if empty.Path != "/moved-2" {
		t.Fatalf("later POST went to %s, want the redirected /moved-2", empty.Path)
	}
	empty.Reply(acstest.Empty())
	if r := h.result(); r.Err != nil {
		t.Fatal(r.Err)
	}
	if got := h.model.get(paramURL); got != orig {
		t.Fatalf("ManagementServer.URL changed to %q", got)
	}

	// The next session starts at ManagementServer.URL again; six
	// redirects in a row are one too many.
	h.client.ConnectionRequest()
	s, ex, _ = h.inform()
	if ex.Path != "/cwmp" {
		t.Fatalf("next session started at %s", ex.Path)
	}
	for i := 0; i < 6; i++ {
		if i > 0 {
			if ex, _, err = s.ExpectInform(h.ctx()); err != nil {
				t.Fatal(err)
			}
		}
		ex.Reply(acstest.Redirect(http.StatusFound, fmt.Sprintf("/r%d", i)))
	}
	r := h.result()
	if !isErr(r.Err, errRedirects) {
		t.Fatalf("after 6 redirects: %v, want too many redirects", r.Err)
	}
	if n := len(s.Records()); n != 6 {
		t.Fatalf("%d POSTs, want 6 (the first and 5 redirects)", n)
	}
}
