package server

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"gatewarden/acs/internal/cwmpserver"
	"gatewarden/protocol/cwmp"
)

// cwmpMetrics turns the CWMP endpoint's events into Prometheus series.
// Labels are bounded sets (methods, codes, outcomes), never device IDs.
type cwmpMetrics struct {
	active    prometheus.Gauge
	ended     *prometheus.CounterVec
	duration  prometheus.Histogram
	rpcs      *prometheus.CounterVec
	requests  *prometheus.CounterVec
	faultsOut *prometheus.CounterVec
	faultsIn  *prometheus.CounterVec
	rejected  *prometheus.CounterVec
}

var _ cwmpserver.Observer = (*cwmpMetrics)(nil)

func newCWMPMetrics(reg prometheus.Registerer) *cwmpMetrics {
	m := &cwmpMetrics{
		active: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "gatewarden_cwmp_sessions_active", Help: "CWMP sessions in progress."}),
		ended: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatewarden_cwmp_sessions_total", Help: "CWMP sessions ended, by outcome."}, []string{"outcome"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "gatewarden_cwmp_session_duration_seconds", Help: "Length of CWMP sessions.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}}),
		rpcs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatewarden_cwmp_rpcs_sent_total", Help: "Requests the ACS sent to CPEs, by method."}, []string{"method"}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatewarden_cwmp_cpe_requests_total", Help: "Requests CPEs sent, by method."}, []string{"method"}),
		faultsOut: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatewarden_cwmp_faults_sent_total", Help: "CWMP faults the ACS answered with, by code."}, []string{"code"}),
		faultsIn: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatewarden_cwmp_faults_received_total", Help: "CWMP faults CPEs answered with, by code."}, []string{"code"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatewarden_cwmp_rejected_total", Help: "Requests refused at the HTTP level, by reason and status."},
			[]string{"reason", "status"}),
	}
	reg.MustRegister(m.active, m.ended, m.duration, m.rpcs, m.requests, m.faultsOut, m.faultsIn, m.rejected)
	return m
}

func (m *cwmpMetrics) SessionStarted() { m.active.Inc() }
func (m *cwmpMetrics) SessionEnded(outcome string, d time.Duration) {
	m.active.Dec()
	m.ended.WithLabelValues(outcome).Inc()
	m.duration.Observe(d.Seconds())
}
func (m *cwmpMetrics) RPCSent(method string)    { m.rpcs.WithLabelValues(method).Inc() }
func (m *cwmpMetrics) CPERequest(method string) { m.requests.WithLabelValues(method).Inc() }
func (m *cwmpMetrics) FaultSent(code cwmp.FaultCode) {
	m.faultsOut.WithLabelValues(strconv.Itoa(int(code))).Inc()
}
func (m *cwmpMetrics) FaultReceived(code cwmp.FaultCode) {
	m.faultsIn.WithLabelValues(strconv.Itoa(int(code))).Inc()
}
func (m *cwmpMetrics) Rejected(reason string, status int) {
	m.rejected.WithLabelValues(reason, strconv.Itoa(status)).Inc()
}
