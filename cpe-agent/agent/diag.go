package agent

import (
	"context"
	"fmt"
	"sync"

	"gatewarden/cpe-agent/internal/diag"
	"gatewarden/cpe-agent/internal/model"
	"gatewarden/cpe-agent/internal/session"
	"gatewarden/protocol/cwmp"
)

// diagHook ties the TR-143 engine to the session: tests start when a
// session ends, and a finished test raises 8 DIAGNOSTICS COMPLETE.
type diagHook struct {
	_      incomparable
	eng    *diag.Engine
	mu     sync.Mutex
	client *session.Client
}

func (a *Agent) bindDiag(reg *model.Registry) *diagHook {
	h := &diagHook{}
	h.eng = diag.New(diag.Options{
		Complete: h.complete,
		RootCAs:  a.roots,
		Logger:   a.log,
	})
	h.eng.Bind(reg)
	return h
}

func (h *diagHook) attach(c *session.Client) {
	h.mu.Lock()
	h.client = c
	h.mu.Unlock()
}

func (h *diagHook) complete(context.Context) error {
	h.mu.Lock()
	c := h.client
	h.mu.Unlock()
	if c == nil {
		return fmt.Errorf("diagnostics finished before the session client existed")
	}
	return c.AddEvent(cwmp.EventDiagnosticsComplete, "")
}

// sessionEnded chains the engine's trigger before the agent's observer.
func (h *diagHook) sessionEnded(next func(session.Result)) func(session.Result) {
	return func(r session.Result) {
		h.eng.SessionEnded()
		if next != nil {
			next(r)
		}
	}
}
