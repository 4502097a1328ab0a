package local

import (
	"context"
	"io"
	"time"

	"gatewarden/cpe-agent/internal/diag"
)

// Status is what the page and `cpe-agent diag status` show.
type Status struct {
	Serial          string        `json:"serial"`
	ProductClass    string        `json:"productClass,omitempty"`
	SoftwareVersion string        `json:"softwareVersion"`
	Uptime          time.Duration `json:"uptimeNs"`
	Line            *Line         `json:"line,omitempty"`
	WAN             WAN           `json:"wan"`
	ACS             ACS           `json:"acs"`
	PendingEvents   []string      `json:"pendingEvents"`
	MQTT            string        `json:"mqtt"`
	Firmware        []Slot        `json:"firmware,omitempty"`
}

// Line is the DSL line.
type Line struct {
	_      incomparable
	Status string `json:"status"`
	// Rates in kbit/s.
	UpstreamRate      uint64 `json:"upstreamKbps"`
	DownstreamRate    uint64 `json:"downstreamKbps"`
	UpstreamMaxRate   uint64 `json:"upstreamMaxKbps"`
	DownstreamMaxRate uint64 `json:"downstreamMaxKbps"`
	// Noise margins and attenuations in tenths of a dB, as TR-181 has them.
	UpstreamNoiseMargin   int64 `json:"upstreamNoiseMarginTenthDB"`
	DownstreamNoiseMargin int64 `json:"downstreamNoiseMarginTenthDB"`
	UpstreamAttenuation   int64 `json:"upstreamAttenuationTenthDB"`
	DownstreamAttenuation int64 `json:"downstreamAttenuationTenthDB"`
}

// WAN is the upstream IP interface.
type WAN struct {
	Status    string   `json:"status"`
	Addresses []string `json:"addresses"`
}

// ACS is the agent's last contact with the ACS.
type ACS struct {
	_           incomparable
	URL         string    `json:"url"` // credentials removed
	LastContact time.Time `json:"lastContact,omitzero"`
	LastResult  string    `json:"lastResult"`
	NextRetry   time.Time `json:"nextRetry,omitzero"`
}

// Slot is one firmware slot.
type Slot struct {
	_       incomparable
	Name    string `json:"name"`
	Version string `json:"version"`
	Active  bool   `json:"active"`
	Status  string `json:"status"`
}

// Agent is what the page needs from the running agent.
type Agent interface {
	Status(ctx context.Context) (Status, error)
	// Bundle writes the support bundle: status, the parameter tree and the
	// configuration, with every secret removed.
	Bundle(ctx context.Context, w io.Writer) error
}

// Probes run the engineer's ping and traceroute; diag's by default.
type Probes struct {
	Ping  func(ctx context.Context, spec diag.PingSpec) (diag.PingResult, error)
	Trace func(ctx context.Context, spec diag.TraceSpec) (diag.TraceResult, error)
}

func (p *Probes) fill() {
	if p.Ping == nil {
		p.Ping = diag.Ping
	}
	if p.Trace == nil {
		p.Trace = diag.TraceRoute
	}
}

// The engineer's probes are short: a few echoes, a bounded trace.
const (
	pingCount    = 4
	pingTimeout  = 2 * time.Second
	traceHops    = 20
	traceTimeout = 2 * time.Second
	probeLimit   = 45 * time.Second
)

func (p Probes) ping(ctx context.Context, host string, count int) (diag.PingResult, error) {
	if count <= 0 || count > 20 {
		count = pingCount
	}
	ctx, cancel := context.WithTimeout(ctx, probeLimit)
	defer cancel()
	return p.Ping(ctx, diag.PingSpec{Host: host, Count: count, Timeout: pingTimeout, Size: 56})
}

func (p Probes) trace(ctx context.Context, host string) (diag.TraceResult, error) {
	ctx, cancel := context.WithTimeout(ctx, probeLimit)
	defer cancel()
	return p.Trace(ctx, diag.TraceSpec{Host: host, Tries: 1, Timeout: traceTimeout, Size: 38, MaxHops: traceHops})
}

func (p Probes) withDefaults() Probes {
	p.fill()
	return p
}
