package acstest

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"gatewarden/protocol/cwmp"
	"gatewarden/protocol/digest"
)

// Options configures a Server. The zero value serves plain http on
// /cwmp without authentication.
type Options struct {
	// Path is the CWMP endpoint URL returns; default "/cwmp". POSTs to any
	// path are accepted (redirect targets included) and recorded with theirs.
	Path string
	// TLS serves https with httptest's certificate; see CertPool.
	TLS bool
	// Username and Password, when Username is set, make every request
	// authenticate (Digest; Basic too over TLS when AllowBasic is set).
	Username, Password string
	AllowBasic         bool
	// ChallengeClose sends Connection: close with every 401.
	ChallengeClose bool
	// MaxBody bounds the request bodies read; default 4 MiB (the ACS's
	// documented limit). A longer body is recorded truncated and refused
	// with 413.
	MaxBody int64
	// Now stamps records; default time.Now. Pass a fake clock's Now to see
	// when, in the agent's time, each request arrived.
	Now func() time.Time
}

// Server is the scripted ACS. Methods are safe for concurrent use.
type Server struct {
	opts  Options
	hs    *httptest.Server
	auth  *digest.Server
	done  chan struct{}
	close sync.Once

	mu        sync.Mutex
	queued    []*Session    // opened, not yet taken by NextSession
	arrived   chan struct{} // closed and replaced when queued grows
	cur       *Session
	nsessions int
	records   []*Record
	orphans   []*Record // refused before a session could be told apart
	conns     int
	open      int
}

// Start starts a Server on 127.0.0.1. Close it when done.
func Start(opts Options) (*Server, error) {
	if opts.Path == "" {
		opts.Path = "/cwmp"
	}
	if !strings.HasPrefix(opts.Path, "/") {
		return nil, fmt.Errorf("acstest: path %q must start with /", opts.Path)
	}
	if opts.MaxBody <= 0 {
		opts.MaxBody = cwmp.DefaultMaxMessageBytes
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{
		opts:    opts,
		done:    make(chan struct{}),
		arrived: make(chan struct{}),
	}
	if opts.Username != "" {
		user, pass := opts.Username, opts.Password
		auth, err := digest.NewServer(digest.Config{
			Realm: "acstest",
			Lookup: func(_ context.Context, u string) (digest.Credential, bool, error) {
				if u != user {
					return digest.Credential{}, false, nil
				}
				return digest.Credential{Password: pass}, true, nil
			},
			AllowBasic: opts.AllowBasic,
		})
		if err != nil {
			return nil, fmt.Errorf("acstest: digest server: %w", err)
		}
		s.auth = auth
	}
	hs := httptest.NewUnstartedServer(http.HandlerFunc(s.serveHTTP))
	// Refused handshakes are a test's subject (certificate checks), not
	// noise for its output.
	hs.Config.ErrorLog = log.New(io.Discard, "", 0)
	hs.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		s.mu.Lock()
		defer s.mu.Unlock()
		switch st {
		case http.StateNew:
			s.conns++
			s.open++
		case http.StateClosed, http.StateHijacked:
			s.open--
		}
	}
	if opts.TLS {
		hs.StartTLS()
	} else {
		hs.Start()
	}
	s.hs = hs
	return s, nil
}

// URL returns the CWMP endpoint, e.g. http://127.0.0.1:41234/cwmp.
func (s *Server) URL() string { return s.hs.URL + s.opts.Path }

// URLFor returns the server's URL with another path (a redirect target).
func (s *Server) URLFor(path string) string { return s.hs.URL + path }

// CertPool returns a pool holding the server's certificate; nil without TLS.
func (s *Server) CertPool() *x509.CertPool {
	if !s.opts.TLS {
		return nil
	}
	pool := x509.NewCertPool()
	pool.AddCert(s.hs.Certificate())
	return pool
}

// Close stops the server. Handlers still waiting for the test give up with
// 503, so Close never blocks on an unanswered exchange.
func (s *Server) Close() {
	s.close.Do(func() {
		close(s.done)
		s.hs.CloseClientConnections()
		s.hs.Close()
	})
}

// Connections returns how many TCP connections clients have opened.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns
}

// OpenConnections returns how many client connections are open now.
func (s *Server) OpenConnections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.open
}

// Sessions returns how many sessions have been opened so far.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nsessions
}

// Records returns a copy of every request received, in arrival order.
func (s *Server) Records() []Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	return copyRecords(s.records)
}

// NextSession waits for the next session the CPE opens (sessions are
// handed out in the order they were opened, each once).
func (s *Server) NextSession(ctx context.Context) (*Session, error) {
	for {
		s.mu.Lock()
		if len(s.queued) > 0 {
			sess := s.queued[0]
			s.queued = s.queued[1:]
			s.mu.Unlock()
			return sess, nil
		}
		arrived := s.arrived
		s.mu.Unlock()
		select {
		case <-arrived:
		case <-ctx.Done():
			return nil, fmt.Errorf("acstest: waiting for a session (%d opened so far): %w", s.Sessions(), ctx.Err())
		case <-s.done:
			return nil, errors.New("acstest: server closed")
		}
	}
}

// ExpectNoSession returns an error if a session is opened within d (real
// time), for "this must not start a session" checks.
func (s *Server) ExpectNoSession(ctx context.Context, d time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	sess, err := s.NextSession(ctx)
	if err != nil {
		return nil
	}
	first := "nothing"
	if recs := sess.Records(); len(recs) > 0 {
		first = recs[len(recs)-1].describe()
	}
	return fmt.Errorf("acstest: unexpected session %d opened (first message: %s)", sess.index, first)
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	rec := s.record(r)
	if rec.tooLarge {
		s.attachOrphan(rec, http.StatusRequestEntityTooLarge)
		w.Header().Set("Connection", "close")
		http.Error(w, "request too large", http.StatusRequestEntityTooLarge)
		return
	}
	if s.auth != nil {
		if _, err := s.auth.Authenticate(r); err != nil {
			s.attachOrphan(rec, http.StatusUnauthorized)
			if s.opts.ChallengeClose {
				w.Header().Set("Connection", "close")
			}
			s.auth.Reject(w, r, err)
			return
		}
	}
	if r.Method != http.MethodPost {
		s.attachOrphan(rec, http.StatusMethodNotAllowed)
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	sess := s.sessionFor(rec)
	ex := &Exchange{Record: rec, session: sess, reply: make(chan Reply, 1), written: make(chan struct{})}
	sess.push(ex)

	var rep Reply
	select {
	case rep = <-ex.reply:
	case <-r.Context().Done():
		sess.abandon(ex, "client went away before the test answered")
		return
	case <-s.done:
		sess.abandon(ex, "server closed")
		http.Error(w, "acstest closed", http.StatusServiceUnavailable)
		return
	}
	if rep.Delay > 0 {
		t := time.NewTimer(rep.Delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			sess.abandon(ex, "client went away during the reply delay")
			return
		case <-s.done:
			t.Stop()
			sess.abandon(ex, "server closed")
			return
		}
	}
	status, body := rep.render(w)
	s.mu.Lock()
	rec.Status = status
	rec.ReplyBody = body
	s.mu.Unlock()
	sess.answered(ex, rep, status)
	w.WriteHeader(status)
	if len(body) > 0 {
		w.Write(body)
	}
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
	s.mu.Lock()
	rec.Answered = time.Now()
	s.mu.Unlock()
	sess.written(ex)
}

// record reads the request (bounded) and files it.
func (s *Server) record(r *http.Request) *Record {
	body, err := io.ReadAll(io.LimitReader(r.Body, s.opts.MaxBody+1))
	rec := &Record{
		Time:       s.opts.Now(),
		Arrived:    time.Now(),
		Method:     r.Method,
		Path:       r.URL.Path,
		Header:     r.Header.Clone(),
		Cookies:    r.Cookies(),
		RemoteAddr: r.RemoteAddr,
		TLS:        r.TLS != nil,
		Body:       body,
		session:    -1,
	}
	if int64(len(body)) > s.opts.MaxBody {
		rec.tooLarge = true
		rec.Body = body[:s.opts.MaxBody]
	} else if err != nil {
		rec.DecodeErr = fmt.Errorf("reading body: %w", err)
	} else if len(body) > 0 {
		rec.Envelope, rec.DecodeErr = cwmp.Decode(body)
		if rec.DecodeErr != nil {
			rec.Envelope = nil
		}
	}
	s.mu.Lock()
	rec.Seq = len(s.records) + 1
	s.records = append(s.records, rec)
	s.mu.Unlock()
	return rec
}

// attachOrphan files a refused request with the current session, or keeps
// it for the next one.
func (s *Server) attachOrphan(rec *Record, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec.Status = status
	if s.cur != nil {
		s.cur.addRecordLocked(rec)
		return
	}
	s.orphans = append(s.orphans, rec)
}

// sessionFor finds the session an accepted POST belongs to, opening one
// when needed (see the package documentation for the rule).
func (s *Server) sessionFor(rec *Record) *Session {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, isInform := bodyOf(rec).(*cwmp.Inform)
	if cur := s.cur; cur != nil && !cur.ended {
		if !isInform || (!cur.established && rec.ID() == cur.informID) {
			cur.addRecordLocked(rec)
			return cur
		}
		cur.endLocked("superseded by a new Inform")
	}
	s.nsessions++
	sess := newSession(s, s.nsessions)
	for _, o := range s.orphans {
		sess.addRecordLocked(o)
	}
	s.orphans = nil
	sess.addRecordLocked(rec)
	if rec.Envelope != nil {
		sess.namespace = rec.Envelope.Namespace
		if isInform {
			sess.informID = rec.ID()
		}
	}
	s.cur = sess
	s.queued = append(s.queued, sess)
	close(s.arrived)
	s.arrived = make(chan struct{})
	return sess
}

func bodyOf(rec *Record) cwmp.Body {
	if rec.Envelope == nil {
		return nil
	}
	return rec.Envelope.Body
}
