package cwmpserver

import (
	"context"
	"net/http"
	"strings"
	"time"

	"gatewarden/protocol/cwmp"
)

// serveSession handles a request that carries the cookie of an open
// session. It returns false, having written nothing, when the session
// ended before the request got hold of it; the caller then treats the
// request as one outside any session.
func (srv *Server) serveSession(w http.ResponseWriter, r *http.Request, s *session) bool {
	if !lockSession(r, s) {
		// A CPE never pipelines: a request that finds the session busy
		// for this long is from a broken or hostile client.
		srv.refuse(w, http.StatusConflict, RejectBusySession)
		return true
	}
	defer s.mu.Unlock()
	if s.ended {
		return false
	}
	now := srv.cfg.Now()
	s.touch(now)
	defer func() { s.touch(srv.cfg.Now()) }()
	ctx, cancel := srv.opContext()
	defer cancel()
	if !srv.renewLease(ctx, s, now) {
		srv.end(s, OutcomeError)
		srv.unavailable(w, RejectLeaseBusy)
		return true
	}

	buf := getBuf()
	defer putBuf(buf)
	switch srv.readBody(w, r, buf) {
	case bodyRejected:
		srv.lose(ctx, s)
		return true
	case bodyGone:
		// The CPE may come back on a new connection; if not, the
		// sweeper ends the session.
		return true
	case bodyEmpty:
		// The CPE has no more requests. An empty POST owed an answer is
		// not one.
		srv.lose(ctx, s)
		srv.next(ctx, w, s)
		return true
	}
	env, err := cwmp.Decode(buf.Bytes())
	if err != nil {
		srv.lose(ctx, s)
		srv.writeDecodeFault(w, env, err)
		return true
	}
	if inf, ok := env.Body.(*cwmp.Inform); ok {
		// The CPE kept its last session's cookie into a new session.
		srv.end(s, OutcomePreempted)
		if user, ok := srv.authenticate(w, r); ok {
			srv.startSession(w, r, env, inf, user)
		}
		return true
	}
	if h := &env.Header; h.HoldRequests != nil || h.UseCWMPVersion != "" || h.SessionTimeout != nil || h.SupportedCWMPVersions != "" {
		// TR069-DIGEST §1.2: ACS-only headers, or Inform-only ones
		// elsewhere, are refused with 8003.
		srv.lose(ctx, s)
		srv.writeFault(w, s.namespaceFor(env), h.ID, cwmp.FaultACSInvalidArguments,
			"HoldRequests and UseCWMPVersion are ACS headers; SessionTimeout and SupportedCWMPVersions belong on an Inform")
		return true
	}
	if isAnswer(env.Body) {
		srv.takeAnswer(ctx, s, env.Body)
		srv.next(ctx, w, s)
		return true
	}
	srv.cpeRequest(ctx, w, s, env)
	return true
}

// isAnswer tells responses and faults from requests.
func isAnswer(b cwmp.Body) bool {
	m := b.Method()
	return m == "Fault" || strings.HasSuffix(m, "Response")
}

// namespaceFor answers in the namespace of the CPE's message, else the
// session's.
func (s *session) namespaceFor(env *cwmp.Envelope) string {
	if cwmp.IsCWMPNamespace(env.Namespace) {
		return env.Namespace
	}
	return s.pub.Namespace
}

// takeAnswer pairs an answer with the outstanding request. One request is
// outstanding at a time, so the method tells; the cwmp:ID is not required
// to match because some CPEs do not echo it faithfully. An answer of the
// wrong kind leaves the request unanswered.
func (srv *Server) takeAnswer(ctx context.Context, s *session, b cwmp.Body) {
	p := s.outstanding
	if p == nil {
		return // nothing was asked: ignore it
	}
	s.outstanding = nil
	if m := b.Method(); m != "Fault" && m != p.method+"Response" {
		srv.log.Warn("cwmp: answer does not match the request", "device", s.pub.DeviceID, "sent", p.method, "got", m)
		b = nil
	}
	srv.answered(ctx, s, p, b)
}

// lose reports the outstanding request, if any, as never to be answered.
func (srv *Server) lose(ctx context.Context, s *session) {
	if p := s.outstanding; p != nil {
		s.outstanding = nil
		srv.answered(ctx, s, p, nil)
	}
}

// next sends the session's next ACS request, or ends the session with 204
// when there is none. The lease is released before the 204 goes out, so
// the device can start its next session at once.
func (srv *Server) next(ctx context.Context, w http.ResponseWriter, s *session) {
	srv.lose(ctx, s)
	if s.rpcs >= srv.cfg.MaxRPCsPerSession {
		srv.log.Warn("cwmp: session reached its request limit", "device", s.pub.DeviceID)
		srv.end(s, OutcomeLimit)
		writeNoContent(w)
		return
	}
	var rpc cwmp.Body
	var p *pending
	if s.creds == credsNeeded {
		s.creds = credsSent
		var err error
		if rpc, p, err = srv.credsRequest(ctx, s); err != nil {
			srv.log.Error("cwmp: connection-request credentials", "device", s.pub.DeviceID, "err", err)
		}
	}
	if rpc == nil {
		body, ticket, err := srv.cfg.Work.Next(ctx, &s.pub)
		if err != nil {
			// Answering 204 keeps the CPE's session a success; the work
			// waits for the next session.
			srv.log.Error("cwmp: choosing the next request", "device", s.pub.DeviceID, "err", err)
			srv.end(s, OutcomeError)
			writeNoContent(w)
			return
		}
		if body == nil {
			srv.end(s, OutcomeOK)
			writeNoContent(w)
			return
		}
		rpc, p = body, &pending{method: body.Method(), ticket: ticket}
	}
	s.rpcs++
	s.outstanding = p
	srv.cfg.Observer.RPCSent(p.method)
	err := srv.writeEnvelope(w, &cwmp.Envelope{
		Namespace: s.pub.Namespace,
		Header:    cwmp.Header{ID: s.nextMessageID()},
		Body:      rpc,
	})
	if err != nil {
		srv.end(s, OutcomeAbandoned)
	}
}

// sessionBusyWait is how long a request waits for its session's previous
// request to finish. The answer to that request is sent before its
// handler lets go of the session, so a CPE that sends its next POST at
// once, on a new connection, can find it busy for a moment.
const sessionBusyWait = time.Second

// lockSession takes s.mu, waiting up to sessionBusyWait; false when it
// could not or the client left.
func lockSession(r *http.Request, s *session) bool {
	if s.mu.TryLock() {
		return true
	}
	deadline := time.Now().Add(sessionBusyWait)
	pause := 100 * time.Microsecond
	for {
		t := time.NewTimer(min(pause, time.Until(deadline)))
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return false
		}
		if s.mu.TryLock() {
			return true
		}
		if !time.Now().Before(deadline) {
			return false
		}
		pause = min(2*pause, 10*time.Millisecond)
	}
}
