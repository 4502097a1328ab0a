package acstest

import (
	"context"
	"fmt"

	"gatewarden/protocol/cwmp"
)

// Step is one scripted move of the ACS within a session. Steps share the
// session's pending exchange: the POST received and not yet answered.
type Step func(ctx context.Context, s *Session) error

// Run executes steps in order and stops at the first error, which names
// the failing step's position.
func (s *Session) Run(ctx context.Context, steps ...Step) error {
	for i, step := range steps {
		if err := step(ctx, s); err != nil {
			return fmt.Errorf("step %d: %w", i+1, err)
		}
	}
	return nil
}

// takePending returns the unanswered exchange, or waits for the next POST.
func (s *Session) takePending(ctx context.Context) (*Exchange, error) {
	s.srv.mu.Lock()
	ex := s.pending
	s.srv.mu.Unlock()
	if ex != nil {
		return ex, nil
	}
	return s.Next(ctx)
}

// Pending returns the exchange Next delivered and nobody has answered yet.
func (s *Session) Pending() *Exchange {
	s.srv.mu.Lock()
	defer s.srv.mu.Unlock()
	return s.pending
}

// AnswerInform expects an Inform (checked by check, if given) and answers
// it with r (InformResponse when r is the zero Reply).
func AnswerInform(check func(*cwmp.Inform) error, r Reply) Step {
	return func(ctx context.Context, s *Session) error {
		ex, inf, err := s.ExpectInform(ctx)
		if err != nil {
			return err
		}
		if check != nil {
			if err := check(inf); err != nil {
				return fmt.Errorf("inform: %w", err)
			}
		}
		if r.Body == nil && r.Raw == nil && r.Status == 0 && r.Location == "" {
			r = InformResponse().withFrom(r)
		}
		return ex.Reply(r)
	}
}

// withFrom keeps the header and transport options of o on r.
func (r Reply) withFrom(o Reply) Reply {
	id := r.Header.ID
	r.Header = o.Header
	if r.Header.ID == "" {
		r.Header.ID = id
	}
	r.Namespace, r.HTTPHeader, r.Cookies, r.Close, r.Delay = o.Namespace, o.HTTPHeader, o.Cookies, o.Close, o.Delay
	return r
}

// AnswerEmpty expects the CPE's empty POST and answers it with r.
func AnswerEmpty(r Reply) Step {
	return func(ctx context.Context, s *Session) error {
		ex, err := s.ExpectEmpty(ctx)
		if err != nil {
			return err
		}
		return ex.Reply(r)
	}
}

// Answer expects the next POST to carry method ("TransferComplete",
// "GetParameterValuesResponse", ...) and answers it with r. A zero r (or
// Empty(), which is the same) means the default: DefaultResponse for a CPE
// request, 204 for a CPE response or fault.
func Answer(method string, r Reply) Step {
	return func(ctx context.Context, s *Session) error {
		ex, err := s.Next(ctx)
		if err != nil {
			return err
		}
		if ex.RPC() != method {
			return fmt.Errorf("acstest: session %d: want %s, got %s", s.index, method, ex.describe())
		}
		if r.Body == nil && r.Raw == nil && r.Status == 0 && r.Location == "" && ex.Envelope != nil {
			if body, ok := DefaultResponse(ex.Envelope.Body); ok {
				r = Respond(body).withFrom(r)
			}
		}
		return ex.Reply(r)
	}
}

// Send answers the pending POST (waiting for one if needed) with the ACS
// request req and hands the CPE's answer, which Call has checked, to check.
// The answer stays pending for the next step.
func Send(req cwmp.Body, check func(*Exchange) error) Step {
	return func(ctx context.Context, s *Session) error {
		ex, err := s.takePending(ctx)
		if err != nil {
			return err
		}
		ans, err := s.Call(ctx, ex, req)
		if err != nil {
			return err
		}
		if check != nil {
			return check(ans)
		}
		return nil
	}
}

// End answers the pending POST (waiting for one if needed) with 204.
func End() Step {
	return func(ctx context.Context, s *Session) error {
		ex, err := s.takePending(ctx)
		if err != nil {
			return err
		}
		if err := ex.Reply(Empty()); err != nil {
			return err
		}
		return ex.Written(ctx)
	}
}

// FinishStep plays the default ACS to the end (see Session.Finish).
func FinishStep() Step {
	return func(ctx context.Context, s *Session) error {
		s.srv.mu.Lock()
		ex := s.pending
		s.srv.mu.Unlock()
		_, err := s.Finish(ctx, ex)
		return err
	}
}
