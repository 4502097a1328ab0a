package session

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"gatewarden/cpe-agent/internal/redact"
	"gatewarden/protocol/cwmp"
)

// supportedVersions is sent in every Inform (TR069-DIGEST §1.3).
var supportedVersions = cwmp.FormatVersionList(cwmp.Versions())

// deferred is what a session leaves to do after it ends (TR069-DIGEST
// §1.2 rule 7). Downloads and uploads are not here: the transfer queue
// holds them until Release.
type deferred struct {
	_            incomparable
	reboot       bool
	rebootKey    string
	factoryReset bool
}

// run is one session in progress.
type run struct {
	c    *Client
	conn *conn
	log  *slog.Logger
	// ns is the ACS's namespace, used for the CPE's own requests after the
	// InformResponse.
	ns string
	// hold is the ACS's HoldRequests state (false after an empty answer).
	hold bool
	// finished: an empty POST went out with holding off, so no more CPE
	// requests in this session (rule 5).
	finished bool
	// own are the TransferCompletes still to send, oldest first.
	own []OwedTransfer
	def deferred
}

// errProtocol marks an ACS that broke the session rules.
var errProtocol = errors.New("ACS broke the session rules")

// session runs one session. ran is false when there was nothing to
// report (no session was opened).
func (c *Client) session(ctx context.Context, retries uint32) (res Result, def deferred, ran bool) {
	c.mu.Lock()
	cr := c.crPending
	c.crPending = false
	c.mu.Unlock()

	ev, err := c.collect(ctx, cr)
	if err != nil {
		c.log.Error("collecting events", "err", err)
		return Result{}, deferred{}, false
	}
	if len(ev.list) == 0 {
		return Result{}, deferred{}, false
	}
	res = Result{Start: c.clk.Now(), Events: ev.list, RetryCount: retries}
	defer func() { res.End = c.clk.Now() }()

	s := &run{c: c, log: c.log}
	err = s.exchange(ctx, ev, &res)
	def = s.def
	if err == nil {
		c.log.Info("session completed", "url", res.URL, "events", eventCodes(ev.list))
		if ev.truncated {
			c.flag(&c.kicked) // the events over 64 go in a session of their own, now
		}
		return res, def, true
	}
	res.Err = err
	if ctx.Err() != nil {
		return res, def, true
	}
	// A failed session: "6 CONNECTION REQUEST" is gone with it; the rest
	// is retried after the backoff unless the connection request was all.
	if ev.retryable() {
		n := retries + 1
		if res.Established {
			n = 1 // the InformResponse reset the count
		}
		if err := c.st.SetRetryCount(n); err != nil {
			c.log.Error("saving the retry count", "err", err)
		}
		m, k := c.retryParams(ctx)
		res.RetryIn = retryWait(n, m, k, c.opts.Rand())
	}
	c.log.Warn("session failed", "url", res.URL, "events", eventCodes(ev.list), "err", err, "retry_in", res.RetryIn)
	return res, def, true
}

func eventCodes(list []cwmp.EventStruct) []string {
	out := make([]string, len(list))
	for i, e := range list {
		out[i] = string(e.EventCode)
	}
	return out
}

// exchange is the session proper: the Inform, then the exchange rules of
// TR069-DIGEST §1.2 until both sides have nothing more to say.
func (s *run) exchange(ctx context.Context, ev *informEvents, res *Result) error {
	c := s.c
	url, err := c.m.Value(ctx, paramURL)
	if err != nil {
		return fmt.Errorf("reading %s: %w", paramURL, err)
	}
	res.URL = redact.URL(url)
	user, _ := c.m.Value(ctx, paramUsername)
	pass, _ := c.m.Value(ctx, paramPassword)
	conn, err := c.newConn(url, user, pass)
	if err != nil {
		return err
	}
	defer conn.close()
	s.conn = conn
	s.log = c.log.With("url", res.URL)

	inform, err := c.buildInform(ctx, ev, res.RetryCount)
	if err != nil {
		return err
	}
	r, err := s.request(ctx, inform)
	if err != nil {
		return fmt.Errorf("inform: %w", err)
	}
	switch {
	case r.decodeErr != nil:
		return fmt.Errorf("inform: %w: undecodable answer: %v", errProtocol, r.decodeErr)
	case r.empty():
		return fmt.Errorf("inform: %w: empty answer instead of InformResponse", errProtocol)
	}
	switch b := r.env.Body.(type) {
	case *cwmp.InformResponse:
	case *cwmp.Fault:
		res.Fault = b
		return fmt.Errorf("inform: ACS answered with %w", b)
	default:
		return fmt.Errorf("inform: %w: %s instead of InformResponse", errProtocol, b.Method())
	}
	res.Established = true
	if err := c.delivered(ctx, ev, url); err != nil {
		// The ACS has the events; failing to forget them costs a repeat in
		// the next Inform, not this session.
		s.log.Error("recording delivery", "err", err)
	}
	s.ns = r.env.Namespace
	s.hold = holds(r.env)
	s.own = ev.owed
	return s.loop(ctx)
}

// loop runs the session after the InformResponse.
func (s *run) loop(ctx context.Context) error {
	// answer is the reply owed to the ACS's last request (rule 2).
	var answer *cwmp.Envelope
	var onAnswered func(*deferred)
	for {
		var out *cwmp.Envelope
		kind := "empty"
		switch {
		case answer != nil:
			out, kind = answer, "response"
		case !s.hold && !s.finished && len(s.own) > 0:
			kind = "request"
			out = &cwmp.Envelope{
				Namespace: s.ns,
				Header:    cwmp.Header{ID: s.c.newID()},
				Body:      &s.own[0].Complete,
			}
		default:
			if !s.hold {
				s.finished = true
			}
		}

		var r reply
		var err error
		switch kind {
		case "request":
			r, err = s.request(ctx, out)
		case "response":
			r, err = s.send(ctx, out)
		default:
			s.log.Debug("empty POST", "hold", s.hold)
			r, err = s.conn.post(ctx, nil)
		}
		if err != nil {
			return err
		}
		if kind == "response" {
			// The answer reached the ACS: what it promised happens after
			// the session, whatever becomes of the rest of it.
			if onAnswered != nil {
				onAnswered(&s.def)
			}
			answer, onAnswered = nil, nil
		}

		if r.empty() {
			s.hold = false
			if kind == "request" {
				return fmt.Errorf("%w: empty answer to %s", errProtocol, out.Body.Method())
			}
			if !s.finished && len(s.own) > 0 {
				continue // rule 8: held requests go now
			}
			return nil // rule 6
		}
		if r.decodeErr != nil {
			if kind == "request" {
				return fmt.Errorf("%w: undecodable answer to %s: %v", errProtocol, out.Body.Method(), r.decodeErr)
			}
			// Most likely a request this agent cannot read: answer it with
			// the fault its error calls for (9000 for an unknown method).
			s.log.Warn("undecodable ACS message", "err", r.decodeErr)
			answer = &cwmp.Envelope{
				Namespace: s.ns,
				Header:    cwmp.Header{ID: r.decodeErr.ID},
				Body:      cwmp.NewFault(r.decodeErr.CPEFault(), ""),
			}
			s.hold = false
			continue
		}
		env := r.env
		s.hold = holds(env)
		method := env.Body.Method()
		switch b := env.Body.(type) {
		case *cwmp.Fault:
			if kind != "request" {
				return fmt.Errorf("%w: fault %d in answer to a %s", errProtocol, b.FaultCode, kind)
			}
			// Not 8005 (request handled that): the ACS refused this one.
			// It stays owed for a later session; no loop here (§4.3).
			s.log.Warn("ACS refused TransferComplete", "command_key", s.own[0].Complete.CommandKey, "fault", b.FaultCode)
			s.own = s.own[1:]
		case *cwmp.TransferCompleteResponse:
			if kind != "request" {
				return fmt.Errorf("%w: unexpected %s", errProtocol, method)
			}
			if err := s.c.transfers.Acknowledge(ctx, s.own[0].ID); err != nil {
				s.log.Error("forgetting an acknowledged transfer", "err", err)
			}
			s.own = s.own[1:]
		default:
			if kind == "request" {
				return fmt.Errorf("%w: %s in answer to TransferComplete", errProtocol, method)
			}
			if strings.HasSuffix(method, "Response") {
				return fmt.Errorf("%w: unexpected %s", errProtocol, method)
			}
			s.log.Debug("ACS request", "method", method)
			answer, onAnswered = s.answer(ctx, env)
		}
	}
}

// holds reads the HoldRequests header (absent means false).
func holds(env *cwmp.Envelope) bool {
	return env.Header.HoldRequests != nil && *env.Header.HoldRequests
}

// send encodes and posts one envelope.
func (s *run) send(ctx context.Context, env *cwmp.Envelope) (reply, error) {
	raw, err := cwmp.MarshalCPE(env)
	if err != nil {
		return reply{}, fmt.Errorf("encoding %s: %w", env.Body.Method(), err)
	}
	return s.conn.post(ctx, raw)
}

// request posts one of the CPE's requests and resends the identical bytes
// while the ACS answers 8005 Retry request, at most five times.
func (s *run) request(ctx context.Context, env *cwmp.Envelope) (reply, error) {
	raw, err := cwmp.MarshalCPE(env)
	if err != nil {
		return reply{}, fmt.Errorf("encoding %s: %w", env.Body.Method(), err)
	}
	for resends := 0; ; resends++ {
		r, err := s.conn.post(ctx, raw)
		if err != nil {
			return r, err
		}
		f, ok := faultOf(r)
		if !ok || f.FaultCode != cwmp.FaultACSRetryRequest {
			return r, nil
		}
		if resends == maxResends {
			return r, fmt.Errorf("ACS answered %s with 8005 Retry request %d times", env.Body.Method(), resends+1)
		}
		s.log.Info("ACS asked to resend", "method", env.Body.Method())
	}
}

func faultOf(r reply) (*cwmp.Fault, bool) {
	if r.env == nil {
		return nil, false
	}
	f, ok := r.env.Body.(*cwmp.Fault)
	return f, ok
}

// buildInform assembles the Inform (TR069-DIGEST §2.1): headers only the
// Inform carries, in cwmp-1-2, the namespace of CWMP 1.2 to 1.4.
func (c *Client) buildInform(ctx context.Context, ev *informEvents, retries uint32) (*cwmp.Envelope, error) {
	id, err := c.m.DeviceID(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the device id: %w", err)
	}
	params, err := c.m.InformParameters(ctx, ev.codes())
	if err != nil {
		return nil, fmt.Errorf("reading the inform parameters: %w", err)
	}
	timeout := uint32(max(30, c.opts.ResponseTimeout/time.Second))
	return &cwmp.Envelope{
		Namespace: cwmp.NamespaceCWMP12,
		Header: cwmp.Header{
			ID:                    c.newID(),
			SessionTimeout:        &timeout,
			SupportedCWMPVersions: supportedVersions,
		},
		Body: &cwmp.Inform{
			DeviceId:      id,
			Event:         ev.list,
			MaxEnvelopes:  1,
			CurrentTime:   cwmp.NewDateTime(c.clk.Now().In(c.opts.Location).Truncate(time.Second)),
			RetryCount:    retries,
			ParameterList: params,
		},
	}, nil
}
