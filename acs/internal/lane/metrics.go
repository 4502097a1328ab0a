package lane

import "github.com/prometheus/client_golang/prometheus"

// Metrics of the lane, registered on the ACS's registry.
type Metrics struct {
	received  *prometheus.CounterVec
	invalid   *prometheus.CounterVec
	acks      *prometheus.CounterVec
	pushes    prometheus.Counter
	published prometheus.Counter
	connreqs  prometheus.Counter
	dropped   prometheus.Counter
	samples   prometheus.Counter
	overflow  prometheus.Counter
}

// NewMetrics registers the lane's metrics on reg (nil: unregistered).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		received: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatewarden_mqtt_messages_received_total",
			Help: "Valid messages received from agents, by kind (state, ack, telemetry).",
		}, []string{"kind"}),
		invalid: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatewarden_mqtt_messages_invalid_total",
			Help: "Messages from agents that did not decode or broke a rule, by kind.",
		}, []string{"kind"}),
		acks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatewarden_mqtt_push_deliveries_settled_total",
			Help: "Push deliveries settled, by final status (applied, unchanged, fault, rejected, converged).",
		}, []string{"status"}),
		pushes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "gatewarden_mqtt_pushes_total", Help: "Preset pushes started.",
		}),
		published: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "gatewarden_mqtt_bundles_published_total",
			Help: "Signed bundles published (group pushes, re-sends after a restart, stragglers).",
		}),
		connreqs: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "gatewarden_mqtt_connection_requests_total", Help: "Connection requests sent over MQTT.",
		}),
		dropped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "gatewarden_mqtt_telemetry_dropped_total",
			Help: "Telemetry samples dropped because the write buffer was full or the store failed.",
		}),
		samples: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "gatewarden_mqtt_telemetry_samples_stored_total", Help: "Telemetry samples written to the store.",
		}),
		overflow: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "gatewarden_mqtt_online_backlog_overflow_total",
			Help: "Devices that came online while the group-list backlog was full (their list follows at their next Inform).",
		}),
	}
	if reg != nil {
		reg.MustRegister(m.received, m.invalid, m.acks, m.pushes, m.published, m.connreqs, m.dropped, m.samples, m.overflow)
	}
	return m
}
