package cwmpserver

import (
	"bytes"
	"net/http"
	"testing"

	"gatewarden/acs/internal/cpeauth"
	"gatewarden/protocol/cwmp"
	"gatewarden/protocol/digest"
)

// TestNonceReusedAcrossSessions: a CPE that keeps its Digest nonce answers
// it pre-emptively in its next sessions (nc counting up) and needs no
// challenge there; the very same Authorization sent again is a replay and
// is challenged.
func TestNonceReusedAcrossSessions(t *testing.T) {
	h := newHarness(t, nil)
	c := h.cpe("SN-REUSE")
	h.provision(c)
	serial := c.DeviceId.SerialNumber
	dc := digest.NewClient(serial, cpeauth.Password(testSecret, serial))
	inform := func() []byte {
		b, err := cwmp.Marshal(c.Inform(cwmp.EventStruct{EventCode: cwmp.EventPeriodic}))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	post := func(body []byte, auth string) *recorder {
		req, _ := http.NewRequest(http.MethodPost, "/cwmp", bytes.NewReader(body))
		req.Header.Set("Content-Type", "text/xml")
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		rec := &recorder{header: http.Header{}}
		h.srv.ServeHTTP(rec, req)
		return rec
	}
	// endSession sends the empty POST that ends the session rec opened.
	endSession := func(rec *recorder) {
		req, _ := http.NewRequest(http.MethodPost, "/cwmp", nil)
		for _, ck := range (&http.Response{Header: rec.header}).Cookies() {
			req.AddCookie(ck)
		}
		end := &recorder{header: http.Header{}}
		h.srv.ServeHTTP(end, req)
		if end.status != http.StatusNoContent {
			t.Fatalf("empty POST answered %d, want 204", end.status)
		}
	}
	authorization := func() string {
		req, _ := http.NewRequest(http.MethodPost, "/cwmp", nil)
		if err := dc.Authorize(req); err != nil {
			t.Fatal(err)
		}
		return req.Header.Get("Authorization")
	}

	first := post(inform(), "")
	if first.status != http.StatusUnauthorized {
		t.Fatalf("first Inform answered %d, want a 401 challenge", first.status)
	}
	probe, _ := http.NewRequest(http.MethodPost, "/cwmp", nil)
	if _, err := dc.Handle(&http.Response{StatusCode: http.StatusUnauthorized, Header: first.header, Request: probe}); err != nil {
		t.Fatal(err)
	}
	challenges := h.obs.rejectedCount(RejectChallenge)
	var last string
	for i := range 3 {
		last = authorization()
		rec := post(inform(), last)
		if rec.status != http.StatusOK {
			t.Fatalf("session %d with the kept nonce answered %d, want 200", i+1, rec.status)
		}
		endSession(rec)
	}
	if n := h.obs.rejectedCount(RejectChallenge) - challenges; n != 0 {
		t.Fatalf("%d challenges for sessions that reused the nonce, want 0", n)
	}
	if rec := post(inform(), last); rec.status != http.StatusUnauthorized {
		t.Fatalf("a replayed Authorization answered %d, want 401", rec.status)
	}
}
