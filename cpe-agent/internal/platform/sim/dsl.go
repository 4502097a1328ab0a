package sim

import (
	"context"
	"fmt"
	"time"

	"gatewarden/cpe-agent/internal/model"
	"gatewarden/cpe-agent/internal/platform/dsl"
)

const (
	dslLine    = "Device.DSL.Line.{i}."
	dslChannel = "Device.DSL.Channel.{i}."
)

// registerDSL binds the DSL line (Device.DSL.Line.1) and its PTM channel
// (Device.DSL.Channel.1, which carries the current rates).
func (s *Sim) registerDSL(r *model.Registry) {
	const l = dslLine
	r.Table(l, keys("dsl0"))
	s.setting(r, l+"Enable", fixed("true"))
	s.params(r, l, dslLineParams[:])
	consts(r, l, dslLineConsts[:])
	s.lineParams(r, l, dslLineStats[:])

	st := l + "Stats."
	zeros(r, st, "ErrorsSent", "DiscardPacketsSent", "DiscardPacketsReceived")
	s.params(r, st, dslStatsParams[:])
	s.lineParams(r, st, dslStatsStats[:])

	const c = dslChannel
	r.Table(c, keys("ptm0"))
	s.setting(r, c+"Enable", fixed("true"))
	s.params(r, c, dslChannelParams[:])
	consts(r, c, dslChannelConsts[:])
	s.lineParams(r, c, dslChannelStats[:])
}

func (s *Sim) lineUp(ix model.Index) bool { return s.enabled(ix.Path(dslLine+"Enable"), "true") }

var dslLineParams = [...]simParam{
	{name: "Status", text: func(s *Sim, ix model.Index) string { return upDown(s.lineUp(ix)) }},
	{name: "Name", text: nameOf},
	{name: "LastChange", count: showtimeOf},
	{name: "LinkStatus", text: func(s *Sim, ix model.Index) string {
		if s.lineUp(ix) {
			return "Up"
		}
		return "Disabled"
	}},
}

var dslStatsParams = [...]simParam{
	{name: "TotalStart", count: uptimeOf},
	{name: "ShowtimeStart", count: showtimeOf},
	{name: "CurrentDayStart", count: func(s *Sim, _ model.Index) uint64 {
		_, day := intervalStarts(s.clk.Now())
		return min(day, s.uptime())
	}},
	{name: "QuarterHourStart", count: func(s *Sim, _ model.Index) uint64 {
		q, _ := intervalStarts(s.clk.Now())
		return min(q, s.uptime())
	}},
}

var dslChannelParams = [...]simParam{
	{name: "Status", text: func(s *Sim, ix model.Index) string {
		return upDown(s.enabled(ix.Path(dslChannel+"Enable"), "true") && s.enabled("Device.DSL.Line.1.Enable", "true"))
	}},
	{name: "Name", text: nameOf},
	{name: "LastChange", count: showtimeOf},
}

// The line's fixed and line-derived parameters are tables bound in a
// loop: a registration call per parameter, each building its closures
// inline, was 15 KB of router code.

var dslLineConsts = [...]string{
	"Upstream", "true",
	"FirmwareVersion", "A2pv6F039v.d26",
	"LineEncoding", "DMT",
	"AllowedProfiles", "8a,8b,8c,8d,12a,12b,17a",
	"CurrentProfile", "17a",
	"PowerManagementState", "L0",
	"LineNumber", "1",
}

var dslChannelConsts = [...]string{
	"LowerLayers", "Device.DSL.Line.1.",
	"LinkEncapsulationUsed", "G.993.2_Annex_K_PTM",
}

// lineStat names a value read from the line; lineParam binds one to a
// parameter name. One accessor with a switch instead of a function per
// value: two dozen closures were three times the code.
type lineStat uint8

const (
	statUpNoiseMargin lineStat = iota
	statDownNoiseMargin
	statUpAttenuation
	statDownAttenuation
	statUpPower
	statDownPower
	// The rest are unsigned.
	statUpMaxRate
	statDownMaxRate
	statBytesSent
	statBytesReceived
	statPacketsSent
	statPacketsReceived
	statErrorsReceived
	statTotalES
	statTotalSES
	statShowtimeES
	statShowtimeSES
	statDayES
	statDaySES
	statQuarterES
	statQuarterSES
	statUpCurrRate
	statDownCurrRate
)

// signedStat reads one of the signed values.
func (l *line) signedStat(k lineStat) int64 {
	switch k {
	case statUpNoiseMargin:
		_, up := l.noiseMargin()
		return up
	case statDownNoiseMargin:
		d, _ := l.noiseMargin()
		return d
	case statUpAttenuation:
		return l.attUp
	case statDownAttenuation:
		return l.attDown
	case statUpPower:
		return l.powerUp
	case statDownPower:
		return l.powerDown
	}
	return 0
}

// stat reads one of the unsigned values.
func (l *line) stat(k lineStat) uint64 {
	switch k {
	case statUpMaxRate:
		return l.maxUp
	case statDownMaxRate:
		return l.maxDown
	case statBytesSent:
		return l.bytes(false)
	case statBytesReceived:
		return l.bytes(true)
	case statPacketsSent:
		return l.bytes(false) / 1000
	case statPacketsReceived:
		return l.bytes(true) / 1000
	case statErrorsReceived:
		return l.total.es * 3
	case statTotalES:
		return l.total.es
	case statTotalSES:
		return l.total.ses
	case statShowtimeES:
		return l.show.es
	case statShowtimeSES:
		return l.show.ses
	case statDayES:
		return l.day.es
	case statDaySES:
		return l.day.ses
	case statQuarterES:
		return l.quarter.es
	case statQuarterSES:
		return l.quarter.ses
	case statUpCurrRate:
		_, u := l.currRate()
		return u
	case statDownCurrRate:
		d, _ := l.currRate()
		return d
	}
	return 0
}

type lineParam struct {
	name string
	stat lineStat
}

var dslLineStats = [...]lineParam{
	{"UpstreamNoiseMargin", statUpNoiseMargin},
	{"DownstreamNoiseMargin", statDownNoiseMargin},
	{"UpstreamAttenuation", statUpAttenuation},
	{"DownstreamAttenuation", statDownAttenuation},
	{"UpstreamPower", statUpPower},
	{"DownstreamPower", statDownPower},
	{"UpstreamMaxBitRate", statUpMaxRate},
	{"DownstreamMaxBitRate", statDownMaxRate},
}

var dslStatsStats = [...]lineParam{
	{"BytesSent", statBytesSent},
	{"BytesReceived", statBytesReceived},
	{"PacketsSent", statPacketsSent},
	{"PacketsReceived", statPacketsReceived},
	{"ErrorsReceived", statErrorsReceived},
	{"Total.ErroredSecs", statTotalES},
	{"Total.SeverelyErroredSecs", statTotalSES},
	{"Showtime.ErroredSecs", statShowtimeES},
	{"Showtime.SeverelyErroredSecs", statShowtimeSES},
	{"CurrentDay.ErroredSecs", statDayES},
	{"CurrentDay.SeverelyErroredSecs", statDaySES},
	{"QuarterHour.ErroredSecs", statQuarterES},
	{"QuarterHour.SeverelyErroredSecs", statQuarterSES},
}

var dslChannelStats = [...]lineParam{
	{"UpstreamCurrRate", statUpCurrRate},
	{"DownstreamCurrRate", statDownCurrRate},
}

// lineParams binds a table of line values under prefix.
func (s *Sim) lineParams(r *model.Registry, prefix string, params []lineParam) {
	for _, p := range params {
		if p.stat < statUpMaxRate {
			r.Param(prefix+p.name, s.lineInt(p.stat))
		} else {
			r.Param(prefix+p.name, s.lineUint(p.stat))
		}
	}
}

// lineInt and lineUint bind a value read from the line. They are kept out
// of line like counter: local closures, they were inlined into every
// parameter's registration.
//
//go:noinline
func (s *Sim) lineInt(k lineStat) model.Binding {
	return signed(func(model.Index) int64 { return s.withLine(k) })
}

//go:noinline
func (s *Sim) lineUint(k lineStat) model.Binding {
	return counter(func(model.Index) uint64 { return s.withLineU(k) })
}

// bytes is the traffic the line has carried since showtime: about a
// tenth of its rate on average.
func (l *line) bytes(down bool) uint64 {
	d, u := l.currRate()
	rate := u
	if down {
		rate = d
	}
	return rate * 1000 / 8 / 10 * uint64(l.minute*60-l.showtime.Unix())
}

// withLine brings the line up to the clock and reads it.
func (s *Sim) withLine(k lineStat) int64 {
	s.mu.Lock()
	s.line.advance(s.clk.Now())
	v := s.line.signedStat(k)
	s.mu.Unlock()
	return v
}

func (s *Sim) withLineU(k lineStat) uint64 {
	s.mu.Lock()
	s.line.advance(s.clk.Now())
	v := s.line.stat(k)
	s.mu.Unlock()
	return v
}

func (s *Sim) showtimeSeconds() uint64 {
	d := s.clk.Now().Sub(s.line.showtime)
	if d < 0 {
		return 0
	}
	return uint64(d / time.Second)
}

// SetLineDegradation is the knob for line-health scenarios: 0 is a clean
// line, 1 a line about to drop. The noise margins shrink and the rates
// fall with it at once; errored seconds start to pile up from the next
// simulated minute. The tree is told, so notified parameters report.
func (s *Sim) SetLineDegradation(ctx context.Context, d float64) error {
	if d < 0 || d > 1 {
		return fmt.Errorf("sim: line degradation %v outside [0,1]", d)
	}
	s.mu.Lock()
	s.line.advance(s.clk.Now())
	s.line.degradation = d
	s.mu.Unlock()
	return s.notify(ctx, "Device.DSL.")
}

// DSLDriver exposes the simulated line through the DSL driver interface
// real modems implement, so code written against dsl.Driver (dsl.Bind,
// diagnostics) can be exercised on the sim.
func (s *Sim) DSLDriver() dsl.Driver { return simDSL{s} }

type simDSL struct{ s *Sim }

func (d simDSL) Lines() ([]string, error) { return []string{"dsl0"}, nil }

func (d simDSL) Line(name string) (dsl.Line, error) {
	if name != "dsl0" {
		return dsl.Line{}, fmt.Errorf("sim: line %q: %w", name, dsl.ErrNoLine)
	}
	s := d.s
	up := s.enabled("Device.DSL.Line.1.Enable", "true")
	s.mu.Lock()
	defer s.mu.Unlock()
	s.line.advance(s.clk.Now())
	l := &s.line
	out := dsl.Line{State: dsl.StateDown, FirmwareVersion: "A2pv6F039v.d26", Profile: "17a"}
	if !up {
		return out, nil
	}
	out.State = dsl.StateUp
	out.DownstreamRate, out.UpstreamRate = l.currRate()
	out.UpstreamMaxRate, out.DownstreamMaxRate = l.maxUp, l.maxDown
	out.DownstreamNoiseMargin, out.UpstreamNoiseMargin = l.noiseMargin()
	out.UpstreamAttenuation, out.DownstreamAttenuation = l.attUp, l.attDown
	out.UpstreamPower, out.DownstreamPower = l.powerUp, l.powerDown
	out.ErroredSecs, out.SeverelyErroredSecs = l.total.es, l.total.ses
	out.ShowtimeErroredSecs, out.ShowtimeSeverelyErroredSecs = l.show.es, l.show.ses
	if d := s.clk.Now().Sub(l.showtime); d > 0 {
		out.Showtime = uint64(d / time.Second)
	}
	return out, nil
}
