package cwmpserver

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"

	"gatewarden/protocol/cwmp"
	"gatewarden/protocol/digest"
)

// Server is the CWMP endpoint: an http.Handler for POST /cwmp.
type Server struct {
	cfg      Config
	log      *slog.Logger
	auth     *digest.Server // nil with InsecureCPEAuth
	table    *table
	inflight *limiter

	closeOnce sync.Once
	stop      chan struct{}
	swept     chan struct{}
}

// Stats are the endpoint's gauges.
type Stats struct {
	Sessions int // open sessions on this node
	InFlight int // requests being processed
}

// New builds a Server and starts its session sweeper; Close stops it.
func New(cfg Config) (*Server, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	srv := &Server{
		cfg:      c,
		log:      c.Logger,
		table:    newTable(c.MaxSessions),
		inflight: newLimiter(c.MaxInFlight),
		stop:     make(chan struct{}),
		swept:    make(chan struct{}),
	}
	if !c.InsecureCPEAuth {
		srv.auth, err = newDigest(&c, nil)
		if err != nil {
			return nil, err
		}
	}
	go srv.sweeper(srv.stop, srv.swept)
	return srv, nil
}

// Stats returns the current gauges.
func (srv *Server) Stats() Stats {
	return Stats{Sessions: srv.table.len(), InFlight: srv.inflight.inUse()}
}

// Close stops the sweeper and ends every open session, releasing its
// lease. Requests still running finish first. The http.Server should be
// shut down before, so no new session starts meanwhile.
func (srv *Server) Close() error {
	srv.closeOnce.Do(func() {
		close(srv.stop)
		<-srv.swept
		srv.table.each(func(s *session) {
			s.mu.Lock()
			srv.end(s, OutcomeClosed)
			s.mu.Unlock()
		})
	})
	return nil
}

// opContext bounds a store or Work call. It is detached from any client
// connection: what a CPE said is recorded even if it hangs up meanwhile.
func (srv *Server) opContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), srv.cfg.OpTimeout)
}

// ServeHTTP handles one CWMP POST.
func (srv *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		srv.refuse(w, http.StatusMethodNotAllowed, RejectMethod)
		return
	}
	s := srv.sessionOf(r)
	if s == nil && r.ContentLength == 0 {
		// A stray empty POST: whatever session it belonged to is over.
		writeNoContent(w)
		return
	}
	var ok bool
	if s != nil {
		ok = srv.inflight.acquire(r, srv.cfg.InFlightWait)
	} else {
		ok = srv.inflight.tryAcquire()
	}
	if !ok {
		srv.unavailable(w, RejectOverload)
		return
	}
	defer srv.inflight.release()
	if s != nil && srv.serveSession(w, r, s) {
		return
	}
	srv.serveNew(w, r)
}

// sessionOf finds the open session the request's cookie names.
func (srv *Server) sessionOf(r *http.Request) *session {
	c, err := r.Cookie(sessionCookieName)
	if err != nil || c.Value == "" {
		return nil
	}
	return srv.table.bySession(c.Value)
}

// serveNew handles a request outside any session: it must authenticate,
// and only an Inform opens a session.
func (srv *Server) serveNew(w http.ResponseWriter, r *http.Request) {
	user, ok := srv.authenticate(w, r)
	if !ok {
		return
	}
	buf := getBuf()
	defer putBuf(buf)
	switch srv.readBody(w, r, buf) {
	case bodyEmpty:
		writeNoContent(w)
		return
	case bodyRejected, bodyGone:
		return
	}
	env, err := cwmp.Decode(buf.Bytes())
	if err != nil {
		srv.writeDecodeFault(w, env, err)
		return
	}
	inf, isInform := env.Body.(*cwmp.Inform)
	switch {
	case isInform:
		srv.startSession(w, r, env, inf, user)
	case isAnswer(env.Body):
		// An answer to a request of a session that is gone: nothing to
		// pair it with, and a fault must never answer an answer.
		writeNoContent(w)
	default:
		srv.writeFault(w, env.Namespace, env.Header.ID, cwmp.FaultACSInvalidArguments,
			"no session: a session starts with an Inform")
	}
}

// authenticate checks the request's credentials, answering the challenge
// or refusal itself. With InsecureCPEAuth anyone passes.
func (srv *Server) authenticate(w http.ResponseWriter, r *http.Request) (string, bool) {
	if srv.auth == nil {
		return "", true
	}
	user, err := srv.auth.Authenticate(r)
	if err == nil {
		return user, true
	}
	switch {
	case errors.Is(err, digest.ErrNoCredentials) || errors.Is(err, digest.ErrStale):
		srv.cfg.Observer.Rejected(RejectChallenge, http.StatusUnauthorized)
	case digest.IsAuthError(err):
		srv.log.Info("cwmp: authentication failed", "remote", r.RemoteAddr, "err", err)
		srv.cfg.Observer.Rejected(RejectUnauthorized, http.StatusUnauthorized)
	default:
		srv.log.Error("cwmp: authentication unavailable", "err", err)
		srv.cfg.Observer.Rejected(RejectAuthUnavailable, http.StatusServiceUnavailable)
	}
	srv.auth.Reject(w, r, err)
	return "", false
}

// writeEnvelope encodes env and sends it as a 200 answer.
func (srv *Server) writeEnvelope(w http.ResponseWriter, env *cwmp.Envelope) error {
	buf := getBuf()
	defer putBuf(buf)
	if err := cwmp.Encode(buf, env); err != nil {
		// Only a bug gets here (an RPC the session's namespace lacks).
		srv.log.Error("cwmp: encoding "+env.Body.Method(), "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return err
	}
	return writeBuf(w, buf)
}

// writeFault answers with a CWMP fault. TR-069 CPEs read a fault only from
// a 200 answer (as SOAP over HTTP sends every envelope), so it goes as
// 200. The namespace is the CPE's when it named a valid one.
func (srv *Server) writeFault(w http.ResponseWriter, ns, id string, code cwmp.FaultCode, msg string) error {
	if !cwmp.IsCWMPNamespace(ns) {
		ns = cwmp.DefaultNamespace
	}
	srv.cfg.Observer.FaultSent(code)
	return srv.writeEnvelope(w, &cwmp.Envelope{
		Namespace: ns,
		Header:    cwmp.Header{ID: id},
		Body:      cwmp.NewFault(code, msg),
	})
}

// writeDecodeFault answers a message that did not decode with the fault
// DecodeError.ACSFault names, echoing its cwmp:ID when it got that far.
func (srv *Server) writeDecodeFault(w http.ResponseWriter, env *cwmp.Envelope, err error) {
	var de *cwmp.DecodeError
	if !errors.As(err, &de) {
		de = &cwmp.DecodeError{Kind: cwmp.KindMalformed, Msg: err.Error()}
	}
	ns := ""
	if env != nil {
		ns = env.Namespace
	}
	srv.writeFault(w, ns, de.ID, de.ACSFault(), faultMessage(de))
}

// faultMessage keeps a decode error's explanation short; it goes back to
// the sender only, never to a log.
func faultMessage(de *cwmp.DecodeError) string {
	const max = 200
	m := de.Msg
	if len(m) > max {
		m = m[:max]
	}
	return string(bytes.ToValidUTF8([]byte(m), []byte("?")))
}
