package server

import (
	"context"

	"gatewarden/acs/internal/api"
	"gatewarden/acs/internal/health"
)

// supportOptions gives the API the support flow's stores: the ticket
// archive (diagnostics under a ticket reference) and line health.
func (s *Server) supportOptions(o *api.Options) {
	o.Tickets = s.st
	o.LineHealth = s.st
}

// judgeLines returns the telemetry hook that judges each reporting
// device's line, or nil when the thresholds are unusable (New checked
// them already).
func (s *Server) judgeLines() func(ctx context.Context, devices []string) {
	tr, err := health.NewTracker(health.Config{
		Store: s.st, Thresholds: s.cfg.LineHealth, Window: s.cfg.LineHealthWindow,
		Logger: s.log.With("component", "health"),
	})
	if err != nil {
		s.log.Error("line health off", "err", err)
		return nil
	}
	return func(ctx context.Context, devices []string) {
		if err := tr.Observe(ctx, devices); err != nil {
			s.log.Warn("judging lines", "err", err)
		}
	}
}
