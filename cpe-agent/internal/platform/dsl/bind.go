package dsl

import (
	"context"

	"gatewarden/cpe-agent/internal/model"
)

// Bind binds Device.DSL.Line.{i} to a driver: one instance per line the
// driver lists, keyed by the line's name. Parameters the driver cannot
// tell (the TR-181 list is long) are left out rather than faked.
func Bind(r *model.Registry, d Driver) {
	const l = "Device.DSL.Line.{i}."
	r.Table(l, func(context.Context, model.Index) ([]string, error) { return d.Lines() })
	read := func(ix model.Index) (Line, error) { return d.Line(ix.LastKey()) }
	u := func(fn func(Line) uint64) model.Binding {
		return model.GetUint(func(_ context.Context, ix model.Index) (uint64, error) {
			ln, err := read(ix)
			return fn(ln), err
		})
	}
	s := func(fn func(Line) int64) model.Binding {
		return model.GetInt(func(_ context.Context, ix model.Index) (int64, error) {
			ln, err := read(ix)
			return fn(ln), err
		})
	}
	txt := func(fn func(Line) string) model.Binding {
		return model.Get(func(_ context.Context, ix model.Index) (string, error) {
			ln, err := read(ix)
			return fn(ln), err
		})
	}
	r.Param(l+"Name", model.Get(func(_ context.Context, ix model.Index) (string, error) { return ix.LastKey(), nil }))
	r.Param(l+"Upstream", model.Const("true"))
	r.Param(l+"Status", txt(func(ln Line) string { return Status(ln.State) }))
	r.Param(l+"LinkStatus", txt(func(ln Line) string { return ln.State.LinkStatus() }))
	r.Param(l+"FirmwareVersion", txt(func(ln Line) string { return ln.FirmwareVersion }))
	r.Param(l+"CurrentProfile", txt(func(ln Line) string { return ln.Profile }))
	r.Param(l+"UpstreamMaxBitRate", u(func(ln Line) uint64 { return ln.UpstreamMaxRate }))
	r.Param(l+"DownstreamMaxBitRate", u(func(ln Line) uint64 { return ln.DownstreamMaxRate }))
	r.Param(l+"UpstreamNoiseMargin", s(func(ln Line) int64 { return ln.UpstreamNoiseMargin }))
	r.Param(l+"DownstreamNoiseMargin", s(func(ln Line) int64 { return ln.DownstreamNoiseMargin }))
	r.Param(l+"UpstreamAttenuation", s(func(ln Line) int64 { return ln.UpstreamAttenuation }))
	r.Param(l+"DownstreamAttenuation", s(func(ln Line) int64 { return ln.DownstreamAttenuation }))
	r.Param(l+"UpstreamPower", s(func(ln Line) int64 { return ln.UpstreamPower }))
	r.Param(l+"DownstreamPower", s(func(ln Line) int64 { return ln.DownstreamPower }))
	// TR-181 counts retrains nowhere on the line; LastChange (seconds
	// since the line last changed state) is what shows a retrain.
	r.Param(l+"LastChange", u(func(ln Line) uint64 { return ln.Showtime }))
	st := l + "Stats."
	r.Param(st+"ShowtimeStart", u(func(ln Line) uint64 { return ln.Showtime }))
	r.Param(st+"Total.ErroredSecs", u(func(ln Line) uint64 { return ln.ErroredSecs }))
	r.Param(st+"Total.SeverelyErroredSecs", u(func(ln Line) uint64 { return ln.SeverelyErroredSecs }))
	r.Param(st+"Showtime.ErroredSecs", u(func(ln Line) uint64 { return ln.ShowtimeErroredSecs }))
	r.Param(st+"Showtime.SeverelyErroredSecs", u(func(ln Line) uint64 { return ln.ShowtimeSeverelyErroredSecs }))
}

// Status is the interface Status of a line in state s: Up in showtime,
// Dormant while training, Down otherwise (Error for a fault).
func Status(s State) string {
	switch s {
	case StateUp:
		return "Up"
	case StateTraining:
		return "Dormant"
	case StateError:
		return "Error"
	}
	return "Down"
}
