package cwmpserver

import (
	"context"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"gatewarden/protocol/cwmp"
)

// session is one open CWMP session on this node.
type session struct {
	pub Session

	// mu serialises the session's requests (a CPE never pipelines, so
	// contention means a misbehaving client) and its ending.
	mu sync.Mutex
	// lastActive (unix ns) is read by the sweeper without taking mu.
	lastActive atomic.Int64

	// Fields below are guarded by mu.
	ended       bool
	holder      string    // lease holder: node/session
	leaseAt     time.Time // when the lease was last taken or renewed
	outstanding *pending  // the ACS request awaiting an answer
	rpcs        int       // ACS requests sent
	msgSeq      uint64    // for cwmp:ID of ACS requests
	creds       credsState
}

// pending is an ACS request sent and not yet answered.
type pending struct {
	method string // request method; the answer is method+"Response" or a Fault
	ticket any
	// internal marks the server's own request (connection-request
	// credentials), which Work never hears of.
	internal bool
	creds    *connReqCreds
}

func (s *session) touch(now time.Time) { s.lastActive.Store(now.UnixNano()) }

// nextMessageID returns a cwmp:ID unique within the session; the prefix
// ties it to the session in captures.
func (s *session) nextMessageID() string {
	s.msgSeq++
	return s.pub.ID[:8] + "." + strconv.FormatUint(s.msgSeq, 10)
}

// end closes the session: the outstanding request is reported lost, the
// session leaves the table and the device lease is released. The caller
// holds s.mu. Calling it twice is harmless.
func (srv *Server) end(s *session, outcome string) {
	if s.ended {
		return
	}
	s.ended = true
	srv.table.remove(s)
	ctx, cancel := srv.opContext()
	defer cancel()
	if p := s.outstanding; p != nil {
		s.outstanding = nil
		srv.answered(ctx, s, p, nil)
	}
	if err := srv.cfg.Store.ReleaseLease(ctx, s.pub.DeviceID, s.holder); err != nil {
		// The lease expires by itself after LeaseTTL; until then another
		// node waits or answers 503, this node would preempt it.
		srv.log.Warn("cwmp: releasing device lease", "device", s.pub.DeviceID, "err", err)
	}
	srv.cfg.Observer.SessionEnded(outcome, srv.cfg.Now().Sub(s.pub.Started))
	if outcome != OutcomeOK && srv.log.Enabled(ctx, slog.LevelInfo) {
		srv.log.Info("cwmp: session ended", "device", s.pub.DeviceID, "outcome", outcome)
	}
}

// answered hands the CPE's answer (nil: none will come) to whoever sent
// the request.
func (srv *Server) answered(ctx context.Context, s *session, p *pending, resp cwmp.Body) {
	if f, ok := resp.(*cwmp.Fault); ok {
		srv.cfg.Observer.FaultReceived(f.FaultCode)
	}
	if p.internal {
		srv.credsAnswered(ctx, s, p, resp)
		return
	}
	if err := srv.cfg.Work.Done(ctx, &s.pub, p.ticket, resp); err != nil {
		srv.log.Error("cwmp: recording the answer to "+p.method, "device", s.pub.DeviceID, "err", err)
	}
}

// renewLease extends the lease once half its life has passed, so a long
// session keeps its device. False when another holder took the device
// (this node stalled past the TTL): the session must end.
func (srv *Server) renewLease(ctx context.Context, s *session, now time.Time) bool {
	if now.Sub(s.leaseAt) < srv.cfg.LeaseTTL/2 {
		return true
	}
	if err := srv.cfg.Store.AcquireLease(ctx, s.pub.DeviceID, s.holder, srv.cfg.LeaseTTL); err != nil {
		srv.log.Warn("cwmp: renewing device lease", "device", s.pub.DeviceID, "err", err)
		return false
	}
	s.leaseAt = now
	return true
}

// sweep ends sessions whose CPE went quiet. A session busy with a request
// is skipped: it is not idle.
func (srv *Server) sweep(now time.Time) {
	limit := now.Add(-srv.cfg.SessionIdleTimeout).UnixNano()
	srv.table.each(func(s *session) {
		if s.lastActive.Load() > limit || !s.mu.TryLock() {
			return
		}
		if s.lastActive.Load() <= limit {
			srv.end(s, OutcomeExpired)
		}
		s.mu.Unlock()
	})
}

func (srv *Server) sweeper(stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(srv.cfg.SessionIdleTimeout / sweepIntervalDivisor)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			srv.sweep(srv.cfg.Now())
		}
	}
}
