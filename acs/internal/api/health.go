package api

import (
	"context"
	"net/http"
	"time"

	"gatewarden/acs/internal/store"
)

type healthBody struct {
	Status string `json:"status"`
}

// healthz answers 200 when the store answers a one-device read in time:
// a load balancer should stop sending to a node whose store is stuck.
func (a *api) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if _, _, err := a.store.ListDevices(ctx, store.DeviceQuery{Limit: 1}); err != nil {
		a.log.Warn("health check: store did not answer", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, healthBody{Status: "unavailable"})
		return
	}
	writeJSON(w, http.StatusOK, healthBody{Status: "ok"})
}
