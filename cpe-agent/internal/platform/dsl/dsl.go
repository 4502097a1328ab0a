// Package dsl is the seam between the agent and a DSL modem. Linux has no
// generic DSL API: every chipset vendor ships its own driver and tools, so
// a board integrator implements Driver (a few reads per line) and the
// agent binds Device.DSL.Line.{i} on top of it with Bind.
//
// Two drivers come with the agent: Files, for boards whose driver exposes
// its counters as one small file per value (see files.go for the layout),
// and the simulated line of platform/sim.
//
// Units follow TR-181 so drivers convert once, at the source: rates in
// kbit/s, noise margin, attenuation and power in 0.1 dB (0.1 dBmV for
// power), durations in seconds.
package dsl

import "errors"

// Driver reads the DSL lines of one modem.
type Driver interface {
	// Lines returns the names of the lines the modem has ("dsl0"), in a
	// stable order. A line's name is its identity: the agent keys the
	// line's instance number on it.
	Lines() ([]string, error)
	// Line returns the current state of the named line. A line that
	// vanished since Lines returns an error wrapping ErrNoLine.
	Line(name string) (Line, error)
}

// ErrNoLine reports a line the driver does not have (any more).
var ErrNoLine = errors.New("dsl: no such line")

// State is the line's training state, reduced to what TR-181's LinkStatus
// distinguishes.
type State uint8

const (
	// StateDown: no carrier, the modem is not trying (or is disabled).
	StateDown State = iota
	// StateTraining: handshake or training in progress.
	StateTraining
	// StateUp: showtime, data flows.
	StateUp
	// StateNoSignal: the modem tries but sees no far end.
	StateNoSignal
	// StateError: the driver reports a fault on the line.
	StateError
)

// LinkStatus is the TR-181 LinkStatus value of s.
func (s State) LinkStatus() string {
	switch s {
	case StateUp:
		return "Up"
	case StateTraining:
		return "Initializing"
	case StateNoSignal:
		return "NoSignal"
	case StateError:
		return "Error"
	}
	return "Disabled"
}

// Line is one reading of a DSL line. Zero values mean "not reported".
type Line struct {
	_     [0]func() // not comparable: spares the binary an equality function
	State State
	// FirmwareVersion of the modem, Profile the VDSL2 profile ("17a").
	FirmwareVersion, Profile string
	// Current (synchronised) and attainable rates, kbit/s.
	UpstreamRate, DownstreamRate       uint64
	UpstreamMaxRate, DownstreamMaxRate uint64
	// Noise margin and attenuation in 0.1 dB, power in 0.1 dBmV.
	UpstreamNoiseMargin, DownstreamNoiseMargin int64
	UpstreamAttenuation, DownstreamAttenuation int64
	UpstreamPower, DownstreamPower             int64
	// Error counters since the modem started, and since the current
	// showtime began.
	ErroredSecs, SeverelyErroredSecs                 uint64
	ShowtimeErroredSecs, ShowtimeSeverelyErroredSecs uint64
	// Retrains counts how often the line re-entered showtime since the
	// modem started; Showtime is how long the current showtime has lasted
	// (seconds).
	Retrains uint64
	Showtime uint64
}
