package api

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"gatewarden/acs/internal/api/apitest"
)

func TestMetrics(t *testing.T) {
	e := newEnv(t)
	// The server registers its CWMP metrics on the same registry.
	sessions := prometheus.NewCounter(prometheus.CounterOpts{Name: "gatewarden_cwmp_sessions_total", Help: "test"})
	e.reg.MustRegister(sessions)
	sessions.Add(3)

	e.do("GET", apiPrefix+"/devices/"+urlID(dev1ID), RoleReadonly, "")
	e.do("GET", apiPrefix+"/devices/"+urlID(dev2ID), RoleReadonly, "")
	e.do("GET", apiPrefix+"/devices/"+urlID(dev2ID), "", "")
	e.do("GET", apiPrefix+"/nowhere", RoleReadonly, "")

	c := e.api.metrics.requests
	if n := testutil.ToFloat64(c.WithLabelValues("/devices/{id}", "GET", "200")); n != 2 {
		t.Errorf("GET /devices/{id} 200: %v", n)
	}
	if n := testutil.ToFloat64(c.WithLabelValues("/devices/{id}", "GET", "401")); n != 1 {
		t.Errorf("GET /devices/{id} 401: %v", n)
	}
	if n := testutil.ToFloat64(c.WithLabelValues("unmatched", "GET", "404")); n != 1 {
		t.Errorf("unmatched 404: %v", n)
	}

	r := serve(e.api, httptest.NewRequest("GET", "/metrics", nil))
	if r.Code != http.StatusOK {
		t.Fatalf("/metrics: %d", r.Code)
	}
	body := r.Body.String()
	for _, want := range []string{
		`gatewarden_api_requests_total{code="200",method="GET",route="/devices/{id}"} 2`,
		`gatewarden_api_request_duration_seconds_bucket{method="GET",route="/devices/{id}",le="120"} 3`,
		`gatewarden_cwmp_sessions_total 3`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	// Raw paths (one series per device) must never become labels.
	if strings.Contains(body, "SN002") {
		t.Error("a device ID became a metric label")
	}
}

func TestTwoHandlersShareARegistry(t *testing.T) {
	reg := prometheus.NewRegistry()
	mem := apitest.NewMemStore()
	o := Options{Store: mem, Tasks: apitest.NewRunner(mem, -1), CompileFilter: apitest.Filter,
		Registry: reg, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	a1, a2 := newAPI(o), newAPI(o)
	if a1.metrics.requests != a2.metrics.requests {
		t.Error("second handler did not reuse the registered collectors")
	}
	// Without a registry, New makes one with the Go collector.
	o.Registry = nil
	a3 := newAPI(o)
	r := serve(a3, httptest.NewRequest("GET", "/metrics", nil))
	if !strings.Contains(r.Body.String(), "go_goroutines") {
		t.Error("default registry lacks the Go collector")
	}
}
