package sim

import (
	"context"
	"fmt"
	"time"

	"gatewarden/cpe-agent/internal/model"
	"gatewarden/cpe-agent/internal/platform/dsl"
)

// registerDSL binds the DSL line (Device.DSL.Line.1) and its PTM channel
// (Device.DSL.Channel.1, which carries the current rates).
func (s *Sim) registerDSL(r *model.Registry) {
	const l = "Device.DSL.Line.{i}."
	r.Table(l, keys("dsl0"))
	s.setting(r, l+"Enable", fixed("true"))
	lineUp := func(ix model.Index) bool { return s.enabled(ix.Path(l+"Enable"), "true") }
	r.Param(l+"Status", text(func(ix model.Index) string { return upDown(lineUp(ix)) }))
	r.Param(l+"Name", text(func(ix model.Index) string { return ix.LastKey() }))
	r.Param(l+"LastChange", counter(func(model.Index) uint64 { return s.showtimeSeconds() }))
	r.Param(l+"Upstream", flag(func(model.Index) bool { return true }))
	r.Param(l+"FirmwareVersion", model.Const("A2pv6F039v.d26"))
	r.Param(l+"LinkStatus", text(func(ix model.Index) string {
		if lineUp(ix) {
			return "Up"
		}
		return "Disabled"
	}))
	r.Param(l+"LineEncoding", model.Const("DMT"))
	r.Param(l+"AllowedProfiles", model.Const("8a,8b,8c,8d,12a,12b,17a"))
	r.Param(l+"CurrentProfile", model.Const("17a"))
	r.Param(l+"PowerManagementState", model.Const("L0"))
	r.Param(l+"LineNumber", model.Const("1"))
	sline := func(fn func(l *line) int64) model.Binding {
		return signed(func(model.Index) int64 { return s.withLine(fn) })
	}
	uline := func(fn func(l *line) uint64) model.Binding {
		return counter(func(model.Index) uint64 { return s.withLineU(fn) })
	}
	r.Param(l+"UpstreamMaxBitRate", uline(func(l *line) uint64 { return l.maxUp }))
	r.Param(l+"DownstreamMaxBitRate", uline(func(l *line) uint64 { return l.maxDown }))
	r.Param(l+"UpstreamNoiseMargin", sline(func(l *line) int64 { _, up := l.noiseMargin(); return up }))
	r.Param(l+"DownstreamNoiseMargin", sline(func(l *line) int64 { d, _ := l.noiseMargin(); return d }))
	r.Param(l+"UpstreamAttenuation", sline(func(l *line) int64 { return l.attUp }))
	r.Param(l+"DownstreamAttenuation", sline(func(l *line) int64 { return l.attDown }))
	r.Param(l+"UpstreamPower", sline(func(l *line) int64 { return l.powerUp }))
	r.Param(l+"DownstreamPower", sline(func(l *line) int64 { return l.powerDown }))

	st := l + "Stats."
	// The line carries about a tenth of its rate on average.
	traffic := func(down bool) func(model.Index) uint64 {
		return func(model.Index) uint64 {
			return s.withLineU(func(l *line) uint64 {
				d, u := l.currRate()
				rate := u
				if down {
					rate = d
				}
				return rate * 1000 / 8 / 10 * uint64(l.minute*60-l.showtime.Unix())
			})
		}
	}
	r.Param(st+"BytesSent", counter(traffic(false)))
	r.Param(st+"BytesReceived", counter(traffic(true)))
	r.Param(st+"PacketsSent", counter(func(ix model.Index) uint64 { return traffic(false)(ix) / 1000 }))
	r.Param(st+"PacketsReceived", counter(func(ix model.Index) uint64 { return traffic(true)(ix) / 1000 }))
	r.Param(st+"ErrorsSent", counter(func(model.Index) uint64 { return 0 }))
	r.Param(st+"ErrorsReceived", uline(func(l *line) uint64 { return l.total.es * 3 }))
	r.Param(st+"DiscardPacketsSent", counter(func(model.Index) uint64 { return 0 }))
	r.Param(st+"DiscardPacketsReceived", counter(func(model.Index) uint64 { return 0 }))
	r.Param(st+"TotalStart", counter(func(model.Index) uint64 { return s.uptime() }))
	r.Param(st+"ShowtimeStart", counter(func(model.Index) uint64 { return s.showtimeSeconds() }))
	r.Param(st+"CurrentDayStart", counter(func(model.Index) uint64 {
		_, day := intervalStarts(s.clk.Now())
		return min(day, s.uptime())
	}))
	r.Param(st+"QuarterHourStart", counter(func(model.Index) uint64 {
		q, _ := intervalStarts(s.clk.Now())
		return min(q, s.uptime())
	}))
	for name, pick := range map[string]func(l *line) *errCount{
		"Total":       func(l *line) *errCount { return &l.total },
		"Showtime":    func(l *line) *errCount { return &l.show },
		"CurrentDay":  func(l *line) *errCount { return &l.day },
		"QuarterHour": func(l *line) *errCount { return &l.quarter },
	} {
		r.Param(st+name+".ErroredSecs", uline(func(l *line) uint64 { return pick(l).es }))
		r.Param(st+name+".SeverelyErroredSecs", uline(func(l *line) uint64 { return pick(l).ses }))
	}

	const c = "Device.DSL.Channel.{i}."
	r.Table(c, keys("ptm0"))
	s.setting(r, c+"Enable", fixed("true"))
	r.Param(c+"Status", text(func(ix model.Index) string {
		return upDown(s.enabled(ix.Path(c+"Enable"), "true") && s.enabled("Device.DSL.Line.1.Enable", "true"))
	}))
	r.Param(c+"Name", text(func(ix model.Index) string { return ix.LastKey() }))
	r.Param(c+"LastChange", counter(func(model.Index) uint64 { return s.showtimeSeconds() }))
	r.Param(c+"LowerLayers", model.Const("Device.DSL.Line.1."))
	r.Param(c+"LinkEncapsulationUsed", model.Const("G.993.2_Annex_K_PTM"))
	r.Param(c+"UpstreamCurrRate", uline(func(l *line) uint64 { _, u := l.currRate(); return u }))
	r.Param(c+"DownstreamCurrRate", uline(func(l *line) uint64 { d, _ := l.currRate(); return d }))
}

// withLine brings the line up to the clock and reads it.
func (s *Sim) withLine(fn func(l *line) int64) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.line.advance(s.clk.Now())
	return fn(&s.line)
}

func (s *Sim) withLineU(fn func(l *line) uint64) uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.line.advance(s.clk.Now())
	return fn(&s.line)
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
