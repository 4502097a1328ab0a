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
	// Bound from tables in a loop: each Param call written out costs the
	// router binary ~130 bytes of code to build and pass its Binding.
	for _, f := range lineTexts {
		r.Param(l+f.name, b.text(f.get))
	}
	for _, f := range lineUints {
		r.Param(l+f.name, b.uint(f.get))
	}
	for _, f := range lineInts {
		r.Param(l+f.name, b.int(f.get))
	}
}

var lineTexts = [...]struct {
	name string
	get  func(*Line) string
}{
	{"Status", func(ln *Line) string { return Status(ln.State) }},
	{"LinkStatus", func(ln *Line) string { return ln.State.LinkStatus() }},
	{"FirmwareVersion", func(ln *Line) string { return ln.FirmwareVersion }},
	{"CurrentProfile", func(ln *Line) string { return ln.Profile }},
}

var lineUints = [...]struct {
	name string
	get  func(*Line) uint64
}{
	{"UpstreamMaxBitRate", func(ln *Line) uint64 { return ln.UpstreamMaxRate }},
	{"DownstreamMaxBitRate", func(ln *Line) uint64 { return ln.DownstreamMaxRate }},
	// TR-181 counts retrains nowhere on the line; LastChange (seconds
	// since the line last changed state) is what shows a retrain.
	{"LastChange", func(ln *Line) uint64 { return ln.Showtime }},
	{"Stats.ShowtimeStart", func(ln *Line) uint64 { return ln.Showtime }},
	{"Stats.Total.ErroredSecs", func(ln *Line) uint64 { return ln.ErroredSecs }},
	{"Stats.Total.SeverelyErroredSecs", func(ln *Line) uint64 { return ln.SeverelyErroredSecs }},
	{"Stats.Showtime.ErroredSecs", func(ln *Line) uint64 { return ln.ShowtimeErroredSecs }},
	{"Stats.Showtime.SeverelyErroredSecs", func(ln *Line) uint64 { return ln.ShowtimeSeverelyErroredSecs }},
}

var lineInts = [...]struct {
	name string
	get  func(*Line) int64
}{
	{"UpstreamNoiseMargin", func(ln *Line) int64 { return ln.UpstreamNoiseMargin }},
	{"DownstreamNoiseMargin", func(ln *Line) int64 { return ln.DownstreamNoiseMargin }},
	{"UpstreamAttenuation", func(ln *Line) int64 { return ln.UpstreamAttenuation }},
	{"DownstreamAttenuation", func(ln *Line) int64 { return ln.DownstreamAttenuation }},
	{"UpstreamPower", func(ln *Line) int64 { return ln.UpstreamPower }},
	{"DownstreamPower", func(ln *Line) int64 { return ln.DownstreamPower }},
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
