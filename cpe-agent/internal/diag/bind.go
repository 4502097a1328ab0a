package diag

import (
	"context"
	"errors"
	"strconv"

	"gatewarden/cpe-agent/internal/model"
	"gatewarden/protocol/datamodel"
)

const prefix = "Device.IP.Diagnostics."

// input is a writable parameter of a test and the value it starts with.
// The schema gives no defaults; these are the customary ones.
type input struct{ name, def string }

// object describes one test's TR-181 object.
type object struct {
	kind    Kind
	inputs  []input
	results []string
	consts  []input // fixed values: name and value
}

var objects = []object{
	{
		kind: KindPing,
		inputs: []input{
			{"Interface", ""}, {"ProtocolVersion", "Any"}, {"Host", ""},
			{"NumberOfRepetitions", "4"}, {"Timeout", "1000"}, {"DataBlockSize", "56"}, {"DSCP", "0"},
		},
		results: []string{
			"IPAddressUsed", "SuccessCount", "FailureCount",
			"AverageResponseTime", "MinimumResponseTime", "MaximumResponseTime",
			"AverageResponseTimeDetailed", "MinimumResponseTimeDetailed", "MaximumResponseTimeDetailed",
		},
	},
	{
		kind: KindTrace,
		inputs: []input{
			{"Interface", ""}, {"ProtocolVersion", "Any"}, {"Host", ""},
			{"NumberOfTries", "3"}, {"Timeout", "5000"}, {"DataBlockSize", "38"}, {"DSCP", "0"}, {"MaxHopCount", "30"},
		},
		results: []string{"IPAddressUsed", "ResponseTime"},
	},
	{
		kind: KindDownload,
		inputs: []input{
			{"Interface", ""}, {"DownloadURL", ""}, {"DSCP", "0"}, {"ProtocolVersion", "Any"},
		},
		results: []string{
			"IPAddressUsed", "ROMTime", "BOMTime", "EOMTime", "TestBytesReceived",
			"TotalBytesReceived", "TotalBytesSent", "TCPOpenRequestTime", "TCPOpenResponseTime",
		},
		// One HTTP connection per test; FTP is not offered.
		consts: []input{{"DownloadTransports", "HTTP"}, {"DownloadDiagnosticMaxConnections", "1"}},
	},
	{
		kind: KindUpload,
		inputs: []input{
			{"Interface", ""}, {"UploadURL", ""}, {"DSCP", "0"}, {"TestFileLength", "0"}, {"ProtocolVersion", "Any"},
		},
		results: []string{
			"IPAddressUsed", "ROMTime", "BOMTime", "EOMTime", "TestBytesSent",
			"TotalBytesReceived", "TotalBytesSent", "TCPOpenRequestTime", "TCPOpenResponseTime",
		},
		consts: []input{{"UploadTransports", "HTTP"}, {"UploadDiagnosticsMaxConnections", "1"}},
	},
}

// Bind puts the four diagnostics objects in the tree.
func (e *Engine) Bind(r *model.Registry) {
	schema := datamodel.TR181()
	for _, o := range objects {
		k, base := o.kind, prefix+string(o.kind)+"."
		r.Param(base+"DiagnosticsState", model.GetSet(
			func(context.Context, model.Index) (string, error) { return e.State(k), nil },
			func(_ context.Context, _ model.Index, v string) error {
				if v == StateRequested {
					e.request(k)
				} else {
					e.restore(k, v) // a rollback
				}
				return nil
			},
		).Check(func(_ context.Context, _ model.Index, v string) error {
			if v != StateRequested {
				return errors.New("DiagnosticsState can only be set to Requested")
			}
			return nil
		}))
		for _, in := range o.inputs {
			name := in.name
			b := model.GetSet(
				func(context.Context, model.Index) (string, error) { return e.input(k, name), nil },
				func(_ context.Context, _ model.Index, v string) error { e.setInput(k, name, v); return nil },
			)
			if name == "Interface" {
				b = b.Check(e.checkInterface)
			}
			r.Param(base+name, b)
		}
		for _, name := range o.results {
			zero := zeroValue(schema, base+name)
			r.Param(base+name, model.Get(func(context.Context, model.Index) (string, error) {
				return e.result(k, name, zero), nil
			}))
		}
		for _, c := range o.consts {
			r.Param(base+c.name, model.Const(c.def))
		}
	}
	hops := prefix + "TraceRoute.RouteHops.{i}."
	r.Table(hops, func(context.Context, model.Index) ([]string, error) {
		e.mu.Lock()
		n := len(e.tests[KindTrace].hops)
		e.mu.Unlock()
		keys := make([]string, n)
		for i := range keys {
			keys[i] = strconv.Itoa(i + 1)
		}
		return keys, nil
	})
	for _, name := range []string{"Host", "HostAddress", "ErrorCode", "RTTimes"} {
		zero := zeroValue(schema, hops+name)
		r.Param(hops+name, model.Get(func(_ context.Context, ix model.Index) (string, error) {
			n, err := strconv.Atoi(ix.LastKey())
			if err != nil {
				return zero, nil
			}
			v := zero
			e.mu.Lock()
			if h := e.tests[KindTrace].hops; n >= 1 && n <= len(h) {
				v = hopParams(h[n-1])[name]
			}
			e.mu.Unlock()
			return v, nil
		}))
	}
}

func (e *Engine) checkInterface(ctx context.Context, _ model.Index, v string) error {
	if v == "" {
		return nil
	}
	if e.opts.Device == nil {
		return errors.New("this platform sends diagnostics where routing decides; leave Interface empty")
	}
	_, err := e.opts.Device(ctx, v)
	return err
}

func (e *Engine) input(k Kind, name string) string {
	e.mu.Lock()
	v := e.tests[k].inputs[name]
	e.mu.Unlock()
	return v
}

func (e *Engine) result(k Kind, name, zero string) string {
	e.mu.Lock()
	v, ok := e.tests[k].results[name]
	e.mu.Unlock()
	if !ok {
		v = zero
	}
	return v
}

// zeroValue is what a result reads before any test: 0, false, the
// unknown time or empty, by the schema's type.
func zeroValue(s *datamodel.Schema, path string) string {
	n, ok := s.Lookup(path)
	if !ok || n.Type() == nil {
		return ""
	}
	switch n.Type().Kind() {
	case datamodel.KindUnsignedInt, datamodel.KindUnsignedLong, datamodel.KindInt, datamodel.KindLong:
		return "0"
	case datamodel.KindBoolean:
		return "false"
	case datamodel.KindDateTime:
		return unknownTime
	}
	return ""
}
