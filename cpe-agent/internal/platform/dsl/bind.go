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
	b := binder{d}
	r.Param(l+"Name", model.Get(func(_ context.Context, ix model.Index) (string, error) { return ix.LastKey(), nil }))
	r.Param(l+"Upstream", model.Const("true"))
	r.Param(l+"Status", b.text(func(ln *Line) string { return Status(ln.State) }))
	r.Param(l+"LinkStatus", b.text(func(ln *Line) string { return ln.State.LinkStatus() }))
	r.Param(l+"FirmwareVersion", b.text(func(ln *Line) string { return ln.FirmwareVersion }))
	r.Param(l+"CurrentProfile", b.text(func(ln *Line) string { return ln.Profile }))
	r.Param(l+"UpstreamMaxBitRate", b.uint(func(ln *Line) uint64 { return ln.UpstreamMaxRate }))
	r.Param(l+"DownstreamMaxBitRate", b.uint(func(ln *Line) uint64 { return ln.DownstreamMaxRate }))
	r.Param(l+"UpstreamNoiseMargin", b.int(func(ln *Line) int64 { return ln.UpstreamNoiseMargin }))
	r.Param(l+"DownstreamNoiseMargin", b.int(func(ln *Line) int64 { return ln.DownstreamNoiseMargin }))
	r.Param(l+"UpstreamAttenuation", b.int(func(ln *Line) int64 { return ln.UpstreamAttenuation }))
	r.Param(l+"DownstreamAttenuation", b.int(func(ln *Line) int64 { return ln.DownstreamAttenuation }))
	r.Param(l+"UpstreamPower", b.int(func(ln *Line) int64 { return ln.UpstreamPower }))
	r.Param(l+"DownstreamPower", b.int(func(ln *Line) int64 { return ln.DownstreamPower }))
	// TR-181 counts retrains nowhere on the line; LastChange (seconds
	// since the line last changed state) is what shows a retrain.
	r.Param(l+"LastChange", b.uint(func(ln *Line) uint64 { return ln.Showtime }))
	st := l + "Stats."
	r.Param(st+"ShowtimeStart", b.uint(func(ln *Line) uint64 { return ln.Showtime }))
	r.Param(st+"Total.ErroredSecs", b.uint(func(ln *Line) uint64 { return ln.ErroredSecs }))
	r.Param(st+"Total.SeverelyErroredSecs", b.uint(func(ln *Line) uint64 { return ln.SeverelyErroredSecs }))
	r.Param(st+"Showtime.ErroredSecs", b.uint(func(ln *Line) uint64 { return ln.ShowtimeErroredSecs }))
	r.Param(st+"Showtime.SeverelyErroredSecs", b.uint(func(ln *Line) uint64 { return ln.ShowtimeSeverelyErroredSecs }))
}

// binder builds the bindings of a line's parameters: each reads the line
// from the driver, then picks its field. Its methods are kept out of line:
// as closures local to Bind they were inlined into every parameter's
// registration, copying their code (and model's) once per parameter.
type binder struct{ d Driver }

func (b binder) read(ix model.Index) (*Line, error) {
	ln, err := b.d.Line(ix.LastKey())
	return &ln, err
}

//go:noinline
func (b binder) uint(fn func(*Line) uint64) model.Binding {
	return model.GetUint(func(_ context.Context, ix model.Index) (uint64, error) {
		ln, err := b.read(ix)
		return fn(ln), err
	})
}

//go:noinline
func (b binder) int(fn func(*Line) int64) model.Binding {
	return model.GetInt(func(_ context.Context, ix model.Index) (int64, error) {
		ln, err := b.read(ix)
		return fn(ln), err
	})
}

//go:noinline
func (b binder) text(fn func(*Line) string) model.Binding {
	return model.Get(func(_ context.Context, ix model.Index) (string, error) {
		ln, err := b.read(ix)
		return fn(ln), err
	})
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
