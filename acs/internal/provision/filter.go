package provision

import (
	"strconv"
	"strings"
	"time"

	"gatewarden/acs/internal/store"
)

// Options are what a filter needs from its surroundings at match time.
// The zero Options is usable.
type Options struct {
	// Online says whether a device is online. Default: OnlineWithin(
	// DefaultOnlineWindow, Now), until the MQTT lane knows better.
	Online func(d *store.Device) bool
	// Now is the clock for relative times ("-1h"). Default time.Now.
	Now func() time.Time
}

func (o *Options) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

func (o *Options) online(d *store.Device) bool { return o.Online(d) }

// Filter is a compiled device filter. It is immutable and safe for
// concurrent use.
type Filter struct {
	root    node // nil: every device
	opts    Options
	params  []string
	usesNow bool // some comparison is relative to the time of matching
}

// Compile compiles a filter with the default Options.
func Compile(expr string) (*Filter, error) {
	return Options{}.Compile(expr)
}

// Compile parses and type-checks a filter. Errors are *FilterError, with
// the column of the problem. The empty filter matches every device.
func (o Options) Compile(expr string) (*Filter, error) {
	if len(expr) > MaxFilterLength {
		return nil, &FilterError{Col: 1, Msg: "filter longer than " + strconv.Itoa(MaxFilterLength) + " bytes"}
	}
	if o.Online == nil {
		o.Online = OnlineWithin(DefaultOnlineWindow, o.Now)
	}
	p := parser{lx: lexer{src: expr}, opts: &o}
	root, err := p.parse()
	if err != nil {
		return nil, err
	}
	return &Filter{root: root, opts: o, params: p.params, usesNow: p.usesNow}, nil
}

// Match reports whether the device matches. params reads one of the
// device's last known parameters (nil when there are none); the signature
// is store.DeviceQuery.Match's, so a compiled filter plugs into ListDevices.
func (f *Filter) Match(d *store.Device, params func(name string) (store.Param, bool)) bool {
	if f.root == nil {
		return true
	}
	e := env{d: d, params: params, opts: &f.opts}
	if f.usesNow {
		e.now = f.opts.now()
	}
	return f.root.eval(e)
}

// String returns the canonical form: keywords in upper case, strings
// re-quoted, nested AND and OR flattened and only the parentheses that
// precedence requires. Compiling it gives a filter with the same String.
func (f *Filter) String() string {
	if f.root == nil {
		return ""
	}
	var b strings.Builder
	f.root.write(&b)
	return b.String()
}

// Params lists the parameter paths the filter reads, so a caller can
// fetch exactly those before matching.
func (f *Filter) Params() []string {
	return append([]string(nil), f.params...)
}

// MatchesAll reports whether the filter is empty and so keeps every
// device.
func (f *Filter) MatchesAll() bool { return f.root == nil }
