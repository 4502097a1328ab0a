package acstest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"gatewarden/protocol/cwmp"
)

// Session is one CWMP session as the server grouped it.
type Session struct {
	srv      *Server
	index    int
	incoming chan *Exchange
	endedC   chan struct{}

	// Guarded by srv.mu.
	records     []*Record
	ended       bool
	endReason   string
	established bool
	namespace   string
	informID    string // cwmp:ID of the Inform that opened the session
	nextID      int
	pending     *Exchange
}

func newSession(srv *Server, index int) *Session {
	return &Session{
		srv:      srv,
		index:    index,
		incoming: make(chan *Exchange, 64),
		endedC:   make(chan struct{}),
	}
}

// Index is the session's 1-based number on its server.
func (s *Session) Index() int { return s.index }

// Records returns the session's HTTP requests in order, 401s included.
func (s *Session) Records() []Record {
	s.srv.mu.Lock()
	defer s.srv.mu.Unlock()
	return copyRecords(s.records)
}

// Ended reports whether the session is over, and why.
func (s *Session) Ended() (bool, string) {
	s.srv.mu.Lock()
	defer s.srv.mu.Unlock()
	return s.ended, s.endReason
}

// Done is closed when the session ends.
func (s *Session) Done() <-chan struct{} { return s.endedC }

// RemoteAddrs returns the distinct client addresses of the session's
// requests in order of first use: one entry means one TCP connection.
func (s *Session) RemoteAddrs() []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range s.Records() {
		if !seen[r.RemoteAddr] {
			seen[r.RemoteAddr] = true
			out = append(out, r.RemoteAddr)
		}
	}
	return out
}

func (s *Session) addRecordLocked(rec *Record) {
	rec.session = s.index
	s.records = append(s.records, rec)
}

func (s *Session) endLocked(reason string) {
	if s.ended {
		return
	}
	s.ended, s.endReason = true, reason
	close(s.endedC)
	if s.srv.cur == s {
		s.srv.cur = nil
	}
}

func (s *Session) push(ex *Exchange) { s.incoming <- ex }

func (s *Session) newIDLocked() string {
	s.nextID++
	return fmt.Sprintf("acs-%d-%d", s.index, s.nextID)
}

// Next waits for the CPE's next POST in this session.
func (s *Session) Next(ctx context.Context) (*Exchange, error) {
	select {
	case ex := <-s.incoming:
		s.srv.mu.Lock()
		s.pending = ex
		s.srv.mu.Unlock()
		return ex, nil
	default:
	}
	select {
	case ex := <-s.incoming:
		s.srv.mu.Lock()
		s.pending = ex
		s.srv.mu.Unlock()
		return ex, nil
	case <-s.endedC:
		_, why := s.Ended()
		return nil, fmt.Errorf("acstest: session %d ended (%s) %s", s.index, why, s.history())
	case <-ctx.Done():
		return nil, fmt.Errorf("acstest: session %d: waiting for the next POST: %w %s", s.index, ctx.Err(), s.history())
	case <-s.srv.done:
		return nil, errors.New("acstest: server closed")
	}
}

// history lists the session's requests for error messages.
func (s *Session) history() string {
	recs := s.Records()
	parts := make([]string, len(recs))
	for i, r := range recs {
		parts[i] = r.describe()
		if r.Status != 0 {
			parts[i] += fmt.Sprintf(" -> %d", r.Status)
		}
	}
	return "[" + strings.Join(parts, "; ") + "]"
}

// abandon records that the CPE left before its answer was written: the
// CPE sees a failed session, so the server's session ends too.
func (s *Session) abandon(ex *Exchange, why string) {
	s.srv.mu.Lock()
	defer s.srv.mu.Unlock()
	ex.abandoned = why
	s.endLocked(why)
	ex.finish()
}

// answered updates the session's state from the answer about to be
// written; it runs before the write so that the CPE's next request, which
// may follow at once, is already sorted correctly.
func (s *Session) answered(ex *Exchange, rep Reply, status int) {
	s.srv.mu.Lock()
	defer s.srv.mu.Unlock()
	_, isInform := bodyOf(ex.Record).(*cwmp.Inform)
	switch {
	case rep.empty() && (status == http.StatusOK || status == http.StatusNoContent):
		// An empty answer to an empty POST ends the session. After a CPE
		// response it only ends the ACS's turn: a CPE holding requests
		// (HoldRequests) sends them now.
		if ex.Empty() {
			s.endLocked(fmt.Sprintf("empty response %d to the empty POST", status))
		}
		return
	case status >= 400:
		s.endLocked(fmt.Sprintf("HTTP status %d", status))
		return
	}
	if !isInform {
		return
	}
	switch b := rep.Body.(type) {
	case *cwmp.InformResponse:
		s.established = true
	case *cwmp.Fault:
		if b.FaultCode != cwmp.FaultACSRetryRequest {
			s.endLocked(fmt.Sprintf("fault %d to the Inform", b.FaultCode))
		}
	}
}

// Exchange is one POST of the CPE waiting for the test's answer.
type Exchange struct {
	*Record
	session *Session
	reply   chan Reply
	written chan struct{}

	// Guarded by srv.mu.
	replied   bool
	abandoned string
	sent      *cwmp.Envelope
	done      bool
}

// Session returns the session the exchange belongs to.
func (ex *Exchange) Session() *Session { return ex.session }

// Sent returns the envelope the test answered with (nil if none yet or the
// answer had no envelope).
func (ex *Exchange) Sent() *cwmp.Envelope {
	ex.session.srv.mu.Lock()
	defer ex.session.srv.mu.Unlock()
	return ex.sent
}

// Fault returns the CPE's fault, or nil when the POST carried none.
func (ex *Exchange) Fault() *cwmp.Fault {
	if ex.Envelope == nil {
		return nil
	}
	f, _ := ex.Envelope.Body.(*cwmp.Fault)
	return f
}

// written marks the answer as on the wire.
func (s *Session) written(ex *Exchange) {
	s.srv.mu.Lock()
	defer s.srv.mu.Unlock()
	ex.finish()
}

func (ex *Exchange) finish() {
	if !ex.done {
		ex.done = true
		close(ex.written)
	}
}

// Reply answers the POST. It returns once the answer is handed to the
// HTTP handler, before it is written (see Written).
func (ex *Exchange) Reply(r Reply) error {
	s := ex.session
	srv := s.srv
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if ex.replied {
		return fmt.Errorf("acstest: session %d: %s already answered", s.index, ex.describe())
	}
	if ex.abandoned != "" {
		return fmt.Errorf("acstest: session %d: cannot answer %s: %s", s.index, ex.describe(), ex.abandoned)
	}
	if r.Body != nil && r.Raw == nil {
		env := &cwmp.Envelope{Namespace: r.Namespace, Header: r.Header, Body: r.Body}
		if env.Namespace == "" {
			env.Namespace = s.namespace
			if ex.Envelope != nil {
				env.Namespace = ex.Envelope.Namespace
			}
		}
		if env.Header.ID == "" {
			if isResponse(r.Body) {
				env.Header.ID = ex.ID()
			} else {
				env.Header.ID = s.newIDLocked()
			}
		}
		raw, err := cwmp.Marshal(env)
		if err != nil {
			return fmt.Errorf("acstest: encoding %s: %w", r.Body.Method(), err)
		}
		r.Raw = raw
		ex.sent = env
	}
	if strings.HasPrefix(r.Location, "/") {
		r.Location = srv.hs.URL + r.Location
	}
	ex.replied = true
	if s.pending == ex {
		s.pending = nil
	}
	ex.reply <- r
	return nil
}

// Written waits until the answer was written or the exchange abandoned,
// and reports which: nil, or an error saying why nothing was written.
func (ex *Exchange) Written(ctx context.Context) error {
	select {
	case <-ex.written:
	case <-ctx.Done():
		return fmt.Errorf("acstest: waiting for %s to be answered: %w", ex.describe(), ctx.Err())
	}
	ex.session.srv.mu.Lock()
	defer ex.session.srv.mu.Unlock()
	if ex.abandoned != "" {
		return fmt.Errorf("acstest: %s not answered: %s", ex.describe(), ex.abandoned)
	}
	return nil
}
