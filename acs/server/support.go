package server

import "gatewarden/acs/internal/api"

// supportOptions gives the API the support flow's stores: the ticket
// archive (diagnostics under a ticket reference) and line health.
func (s *Server) supportOptions(o *api.Options) {
	o.Tickets = s.st
	o.LineHealth = s.st
}
