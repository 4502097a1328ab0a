package loadgen

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"gatewarden/protocol/cwmp"
	"gatewarden/protocol/digest"
)

// countingListener counts accepted connections, to check that every
// session used exactly one.
type countingListener struct {
	net.Listener
	accepted atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.accepted.Add(1)
	}
	return c, err
}

func loopbackListener(t testing.TB) *countingListener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return &countingListener{Listener: ln}
}

// fakeACS is a minimal standard ACS: Inform → InformResponse (with a
// session cookie), then the requests plan gives, then 204. It checks the
// HTTP rules of a CPE session as it goes and records every breach.
type fakeACS struct {
	t    testing.TB
	ln   *countingListener
	srv  *httptest.Server
	auth *digest.Server // nil: no authentication

	// inform decides the fate of the n-th Inform (from 1): 0 serves it,
	// another status answers with that status and no session.
	inform func(n int64) int
	// plan lists the requests to send in a device's session, given the
	// Inform; nil sends none.
	plan func(in *cwmp.Inform) []cwmp.Body

	informs  atomic.Int64
	ended    atomic.Int64 // sessions closed with 204
	refused  atomic.Int64 // Informs answered with a non-200 status by inform
	mu       sync.Mutex
	sessions map[string]*fakeSession
	serials  map[string]int
	informed []*cwmp.Inform
	breaches []string
}

type fakeSession struct {
	remote  string // the TCP connection the Inform came on
	serial  string
	pending []cwmp.Body
	sent    cwmp.Body // awaiting its response
	replies []cwmp.Body
}

func newFakeACS(t testing.TB, password func(string) string) *fakeACS {
	t.Helper()
	return startFakeACS(t, password, false)
}

func startFakeACS(t testing.TB, password func(string) string, useTLS bool) *fakeACS {
	t.Helper()
	f := &fakeACS{t: t, ln: loopbackListener(t), sessions: map[string]*fakeSession{}, serials: map[string]int{}}
	if password != nil {
		s, err := digest.NewServer(digest.Config{
			Realm: "fake acs",
			Lookup: func(_ context.Context, user string) (digest.Credential, bool, error) {
				return digest.Credential{Password: password(user)}, true, nil
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		f.auth = s
	}
	f.srv = httptest.NewUnstartedServer(http.HandlerFunc(f.serve))
	f.srv.Listener.Close()
	f.srv.Listener = f.ln
	if useTLS {
		f.srv.StartTLS()
	} else {
		f.srv.Start()
	}
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeACS) url() string { return f.srv.URL + "/cwmp" }

func (f *fakeACS) breach(format string, args ...any) {
	f.mu.Lock()
	f.breaches = append(f.breaches, fmt.Sprintf(format, args...))
	f.mu.Unlock()
}

func (f *fakeACS) checkClean() {
	f.t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, b := range f.breaches {
		if i == 10 {
			f.t.Errorf("... and %d more", len(f.breaches)-10)
			break
		}
		f.t.Error(b)
	}
}

func (f *fakeACS) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		f.breach("method %s", r.Method)
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		f.breach("reading body: %v", err)
		return
	}
	var user string
	if f.auth != nil {
		if user, err = f.auth.Authenticate(r); err != nil {
			f.auth.Reject(w, r, err)
			return
		}
	}
	if len(body) == 0 {
		f.serveEmpty(w, r)
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != `text/xml; charset="utf-8"` {
		f.breach("content-type %q on a SOAP POST", ct)
	}
	if _, ok := r.Header["Soapaction"]; !ok {
		f.breach("SOAPAction missing on a SOAP POST")
	}
	env, err := cwmp.Decode(body)
	if err != nil {
		f.breach("undecodable POST: %v", err)
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	if in, ok := env.Body.(*cwmp.Inform); ok {
		f.serveInform(w, r, env, in, user)
		return
	}
	f.serveReply(w, r, env)
}

func (f *fakeACS) serveInform(w http.ResponseWriter, r *http.Request, env *cwmp.Envelope, in *cwmp.Inform, user string) {
	n := f.informs.Add(1)
	if _, err := r.Cookie("session"); err == nil {
		f.breach("inform carried a cookie from an earlier session")
	}
	if f.inform != nil {
		if st := f.inform(n); st != 0 {
			f.refused.Add(1)
			if st == http.StatusServiceUnavailable {
				w.Header().Set("Retry-After", "30")
			}
			w.WriteHeader(st)
			return
		}
	}
	if f.auth != nil && user != in.DeviceId.SerialNumber {
		f.breach("digest user %q for serial %q", user, in.DeviceId.SerialNumber)
	}
	var idb [8]byte
	rand.Read(idb[:])
	id := hex.EncodeToString(idb[:])
	s := &fakeSession{remote: r.RemoteAddr, serial: in.DeviceId.SerialNumber}
	if f.plan != nil {
		s.pending = f.plan(in)
	}
	f.mu.Lock()
	f.sessions[id] = s
	f.serials[in.DeviceId.SerialNumber]++
	f.informed = append(f.informed, in)
	f.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: "session", Value: id})
	f.write(w, &cwmp.Envelope{Namespace: env.Namespace, Header: cwmp.Header{ID: env.Header.ID}, Body: &cwmp.InformResponse{MaxEnvelopes: 1}})
}

func (f *fakeACS) session(r *http.Request) (*fakeSession, string) {
	ck, err := r.Cookie("session")
	if err != nil {
		f.breach("no session cookie on a later POST")
		return nil, ""
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.sessions[ck.Value]
	if s == nil {
		f.breach("unknown session cookie")
		return nil, ""
	}
	if s.remote != r.RemoteAddr {
		f.breach("session of %s moved from connection %s to %s", s.serial, s.remote, r.RemoteAddr)
	}
	return s, ck.Value
}

func (f *fakeACS) serveEmpty(w http.ResponseWriter, r *http.Request) {
	if _, ok := r.Header["Content-Type"]; ok {
		f.breach("content-type on an empty POST")
	}
	if _, ok := r.Header["Soapaction"]; ok {
		f.breach("SOAPAction on an empty POST")
	}
	if r.ContentLength != 0 {
		f.breach("empty POST with content-length %d", r.ContentLength)
	}
	s, id := f.session(r)
	if s == nil {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if s.sent != nil {
		f.breach("empty POST while %s awaited its response", s.sent.Method())
	}
	f.next(w, s, id)
}

func (f *fakeACS) serveReply(w http.ResponseWriter, r *http.Request, env *cwmp.Envelope) {
	s, id := f.session(r)
	if s == nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	if s.sent == nil {
		f.breach("%s without a request", env.Body.Method())
	}
	s.replies = append(s.replies, env.Body)
	s.sent = nil
	f.next(w, s, id)
}

// next sends the session's next request, or ends it with 204.
func (f *fakeACS) next(w http.ResponseWriter, s *fakeSession, id string) {
	if len(s.pending) == 0 {
		f.ended.Add(1)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	s.sent, s.pending = s.pending[0], s.pending[1:]
	f.write(w, &cwmp.Envelope{Header: cwmp.Header{ID: "acs-" + id}, Body: s.sent})
}

func (f *fakeACS) write(w http.ResponseWriter, env *cwmp.Envelope) {
	b, err := cwmp.Marshal(env)
	if err != nil {
		f.breach("encoding: %v", err)
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", `text/xml; charset="utf-8"`)
	w.Write(b)
}
