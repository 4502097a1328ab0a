package cwmpserver

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"gatewarden/acs/internal/cwmpserver/cwmptest"
	"gatewarden/protocol/cwmp"
)

// allowedStatus are the only answers the endpoint gives a POST.
var allowedStatus = map[int]bool{200: true, 204: true, 401: true, 403: true, 408: true, 409: true, 413: true, 415: true, 503: true}

// FuzzServeMessage feeds arbitrary bytes to the endpoint, as the first
// message and as a message within an open session. The endpoint must
// answer with one of its statuses, a 200 must carry a decodable envelope,
// and however the session went, its lease must be free once the CPE ends
// it with empty POSTs.
func FuzzServeMessage(f *testing.F) {
	c := cwmptest.NewCPE("", testDeviceID("SN-FUZZ"), "", "")
	c.Params = tr181Params("")
	inform, err := cwmp.Marshal(c.Inform(cwmp.EventStruct{EventCode: cwmp.EventPeriodic}))
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range [][]byte{
		inform,
		[]byte(""),
		[]byte("   "),
		[]byte("<soap:Envelope"),
		bytes.Replace(inform, []byte("cwmp:Inform>"), []byte("cwmp:GetRPCMethods>"), 2),
		bytes.Replace(inform, []byte("cwmp:Inform>"), []byte("cwmp:GetParameterValuesResponse>"), 2),
		bytes.Replace(inform, []byte("cwmp:Inform>"), []byte("cwmp:TransferComplete>"), 2),
		bytes.Replace(inform, []byte("<soap-env:Body>"), []byte(`<soap-env:Header><cwmp:HoldRequests soap-env:mustUnderstand="1">1</cwmp:HoldRequests></soap-env:Header><soap-env:Body>`), 1),
		bytes.Replace(inform, []byte("urn:dslforum-org:cwmp-1-2"), []byte("urn:dslforum-org:cwmp-1-9"), -1),
	} {
		f.Add(seed, false)
		f.Add(seed, true)
	}
	st := cwmptest.NewMemStore()
	work := &fakeWork{}
	srv, err := New(Config{Store: st, Work: work, InsecureCPEAuth: true, Logger: quietLogger(), MaxMessageBytes: 1 << 20,
		LeaseWait: -1, InFlightWait: time.Millisecond}) // no waiting: each input must run fast
	if err != nil {
		f.Fatal(err)
	}
	defer srv.Close()
	dev := devIDOf(testDeviceID("SN-FUZZ"))
	post := func(t *testing.T, body []byte, cookie string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/cwmp", bytes.NewReader(body))
		if len(body) > 0 {
			req.Header.Set("Content-Type", "text/xml")
		}
		if cookie != "" {
			req.AddCookie(&http.Cookie{Name: sessionCookieName, Value: cookie})
		}
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if !allowedStatus[rec.Code] {
			t.Fatalf("status %d", rec.Code)
		}
		if rec.Code == http.StatusOK {
			if _, err := cwmp.Decode(rec.Body.Bytes()); err != nil {
				t.Fatalf("answer does not decode: %v\n%s", err, rec.Body.Bytes())
			}
		}
		return rec
	}
	f.Fuzz(func(t *testing.T, msg []byte, inSession bool) {
		work.push(&cwmp.GetParameterValues{ParameterNames: []string{"Device."}})
		cookie := ""
		if inSession {
			rec := post(t, inform, "")
			for _, ck := range rec.Result().Cookies() {
				if ck.Name == sessionCookieName {
					cookie = ck.Value
				}
			}
			if cookie == "" {
				t.Fatalf("no session: %d %s", rec.Code, rec.Body.Bytes())
			}
		}
		rec := post(t, msg, cookie)
		for _, ck := range rec.Result().Cookies() {
			if ck.Name == sessionCookieName {
				cookie = ck.Value // the message opened a session
			}
		}
		for i := 0; cookie != "" && i < 10; i++ {
			if post(t, nil, cookie).Code == http.StatusNoContent {
				break
			}
		}
		if h := st.LeaseHolder(dev); h != "" {
			t.Fatalf("lease still held by %s", h)
		}
		work.mu.Lock()
		work.queue = nil
		work.mu.Unlock()
	})
}
