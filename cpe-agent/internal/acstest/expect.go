package acstest

import (
	"context"
	"fmt"

	"gatewarden/protocol/cwmp"
)

// ExpectInform waits for the next POST and checks that it is an Inform.
func (s *Session) ExpectInform(ctx context.Context) (*Exchange, *cwmp.Inform, error) {
	return Expect[*cwmp.Inform](ctx, s)
}

// ExpectEmpty waits for the next POST and checks that it is an empty POST
// as TR-069 defines it: no body, no Content-Type, no SOAPAction.
func (s *Session) ExpectEmpty(ctx context.Context) (*Exchange, error) {
	ex, err := s.Next(ctx)
	if err != nil {
		return nil, err
	}
	if !ex.Empty() {
		return ex, fmt.Errorf("acstest: session %d: want an empty POST, got %s", s.index, ex.describe())
	}
	for _, h := range []string{"Content-Type", "SOAPAction"} {
		if _, ok := ex.Header[h]; ok {
			return ex, fmt.Errorf("acstest: session %d: empty POST carries a %s header (%q)", s.index, h, ex.Header.Get(h))
		}
	}
	if cl := ex.Header.Get("Content-Length"); cl != "" && cl != "0" {
		return ex, fmt.Errorf("acstest: session %d: empty POST has Content-Length %s", s.index, cl)
	}
	return ex, nil
}

// Expect waits for the next POST and checks that its RPC is a T, e.g.
// Expect[*cwmp.TransferComplete] or Expect[*cwmp.GetParameterValuesResponse].
func Expect[T cwmp.Body](ctx context.Context, s *Session) (*Exchange, T, error) {
	var zero T
	ex, err := s.Next(ctx)
	if err != nil {
		return nil, zero, err
	}
	if ex.Envelope == nil {
		return ex, zero, fmt.Errorf("acstest: session %d: want %s, got %s", s.index, methodOf[T](), ex.describe())
	}
	b, ok := ex.Envelope.Body.(T)
	if !ok {
		return ex, zero, fmt.Errorf("acstest: session %d: want %s, got %s", s.index, methodOf[T](), ex.describe())
	}
	return ex, b, nil
}

// methodOf names T's RPC for messages.
func methodOf[T cwmp.Body]() string {
	var zero T
	defer func() { recover() }() // a nil pointer's Method may not be callable
	return zero.Method()
}

// Call answers ex with the ACS request req and waits for the CPE's
// answer, which must carry the request's cwmp:ID; it may be a Fault.
func (s *Session) Call(ctx context.Context, ex *Exchange, req cwmp.Body) (*Exchange, error) {
	return s.CallWith(ctx, ex, Request(req))
}

// CallWith is Call with a prepared Reply (to set HoldRequests, say).
func (s *Session) CallWith(ctx context.Context, ex *Exchange, r Reply) (*Exchange, error) {
	if err := ex.Reply(r); err != nil {
		return nil, err
	}
	sent := ex.Sent()
	next, err := s.Next(ctx)
	if err != nil {
		return nil, err
	}
	if next.Envelope == nil {
		return next, fmt.Errorf("acstest: session %d: want the answer to %s (ID %q), got %s",
			s.index, sent.Body.Method(), sent.Header.ID, next.describe())
	}
	if next.ID() != sent.Header.ID {
		return next, fmt.Errorf("acstest: session %d: answer to %s carries ID %q, want %q (got %s)",
			s.index, sent.Body.Method(), next.ID(), sent.Header.ID, next.describe())
	}
	if want := sent.Body.Method() + "Response"; next.RPC() != want && next.RPC() != "Fault" {
		return next, fmt.Errorf("acstest: session %d: want %s or Fault, got %s", s.index, want, next.describe())
	}
	return next, nil
}

// CallFor is Call expecting the response type T; a Fault is an error that
// names its code.
func CallFor[T cwmp.Body](ctx context.Context, s *Session, ex *Exchange, req cwmp.Body) (*Exchange, T, error) {
	var zero T
	next, err := s.Call(ctx, ex, req)
	if err != nil {
		return next, zero, err
	}
	if f := next.Fault(); f != nil {
		return next, zero, fmt.Errorf("acstest: session %d: %s answered with fault %d %q", s.index, req.Method(), f.FaultCode, f.FaultString)
	}
	b, ok := next.Envelope.Body.(T)
	if !ok {
		return next, zero, fmt.Errorf("acstest: session %d: want %s, got %s", s.index, methodOf[T](), next.describe())
	}
	return next, b, nil
}

// Finish plays a well-behaved ACS with nothing more to ask: it answers the
// Inform and every CPE request with its response, and the empty POST, or
// the CPE's answer to an earlier ACS request, with 204. It returns after
// that 204 (the CPE has then either ended the session or, if it held
// requests back, sends them next). It starts with ex when given (an
// exchange the test has not answered), else with the next POST, and
// returns every exchange it answered.
func (s *Session) Finish(ctx context.Context, ex *Exchange) ([]*Exchange, error) {
	var seen []*Exchange
	for {
		if ex == nil {
			var err error
			if ex, err = s.Next(ctx); err != nil {
				return seen, err
			}
		}
		seen = append(seen, ex)
		var r Reply
		switch {
		case ex.Empty(), ex.Envelope != nil && isResponse(ex.Envelope.Body):
			r = Empty()
		case ex.Envelope == nil:
			return seen, fmt.Errorf("acstest: session %d: cannot finish after %s", s.index, ex.describe())
		default:
			body, ok := DefaultResponse(ex.Envelope.Body)
			if !ok {
				return seen, fmt.Errorf("acstest: session %d: no default answer to %s", s.index, ex.describe())
			}
			r = Respond(body)
		}
		if err := ex.Reply(r); err != nil {
			return seen, err
		}
		if r.empty() {
			return seen, ex.Written(ctx)
		}
		ex = nil
	}
}

// ACSMethods is what DefaultResponse answers GetRPCMethods with.
var ACSMethods = []string{"Inform", "TransferComplete", "AutonomousTransferComplete", "GetRPCMethods", "RequestDownload"}

// DefaultResponse is a plain ACS's answer to a CPE request: the matching
// response, or fault 8000 for a method an ACS does not handle. ok is false
// for messages that are not CPE requests (responses, faults).
func DefaultResponse(req cwmp.Body) (cwmp.Body, bool) {
	switch req.(type) {
	case *cwmp.Inform:
		return &cwmp.InformResponse{MaxEnvelopes: 1}, true
	case *cwmp.TransferComplete:
		return &cwmp.TransferCompleteResponse{}, true
	case *cwmp.AutonomousTransferComplete:
		return &cwmp.AutonomousTransferCompleteResponse{}, true
	case *cwmp.GetRPCMethods:
		return &cwmp.GetRPCMethodsResponse{MethodList: ACSMethods}, true
	case *cwmp.RequestDownload:
		return &cwmp.RequestDownloadResponse{}, true
	case *cwmp.DUStateChangeComplete:
		return &cwmp.DUStateChangeCompleteResponse{}, true
	case *cwmp.AutonomousDUStateChangeComplete:
		return &cwmp.AutonomousDUStateChangeCompleteResponse{}, true
	case *cwmp.Kicked:
		return &cwmp.KickedResponse{}, true
	}
	if isResponse(req) {
		return nil, false
	}
	return cwmp.NewFault(cwmp.FaultACSMethodNotSupported, ""), true
}
