package tasks

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"gatewarden/acs/internal/cwmpserver"
	"gatewarden/acs/internal/store"
	"gatewarden/protocol/cwmp"
)

// TypeDiagnostics runs a TR-143 diagnostic on the device: a
// SetParameterValues of the inputs with DiagnosticsState "Requested"
// (keyed, like any SPV), after which the task waits, running in phase
// "requested", for the session whose Inform carries "8 DIAGNOSTICS
// COMPLETE"; that session reads the diagnostic's object and the task
// ends with its results. A device that has not reported completion
// DiagTimeout after the request fails the task.
const TypeDiagnostics = "diagnostics"

// DiagTimeout bounds the wait for 8 DIAGNOSTICS COMPLETE; the agent bounds
// each test to a minute, so this leaves room for its session to arrive.
const DiagTimeout = 5 * time.Minute

const phaseRequested = "requested" // the device accepted the request

// Diagnostic kinds of the API.
const (
	DiagPing       = "ping"
	DiagTraceroute = "traceroute"
	DiagDownload   = "download"
	DiagUpload     = "upload"
)

// diagPayload is the API's diagnostics request.
type diagPayload struct {
	Kind    string `json:"kind"`
	Host    string `json:"host,omitempty"`
	Count   uint32 `json:"count,omitempty"`
	URL     string `json:"url,omitempty"`
	Size    uint64 `json:"size,omitempty"`    // upload: bytes to send
	Timeout uint32 `json:"timeout,omitempty"` // ms per echo / hop
	Ticket  string `json:"ticket,omitempty"`
}

// diagObject is where a data model keeps a diagnostic.
func diagObject(root, kind string) (string, bool) {
	if root == "InternetGatewayDevice." {
		switch kind {
		case DiagPing:
			return root + "IPPingDiagnostics.", true
		case DiagTraceroute:
			return root + "TraceRouteDiagnostics.", true
		case DiagDownload:
			return root + "DownloadDiagnostics.", true
		case DiagUpload:
			return root + "UploadDiagnostics.", true
		}
		return "", false
	}
	switch kind {
	case DiagPing:
		return "Device.IP.Diagnostics.IPPing.", true
	case DiagTraceroute:
		return "Device.IP.Diagnostics.TraceRoute.", true
	case DiagDownload:
		return "Device.IP.Diagnostics.DownloadDiagnostics.", true
	case DiagUpload:
		return "Device.IP.Diagnostics.UploadDiagnostics.", true
	}
	return "", false
}

// buildDiagnostics is the request's SetParameterValues.
func buildDiagnostics(payload []byte, root, key string) (*cwmp.SetParameterValues, error) {
	var p diagPayload
	if err := decodePayload(payload, &p); err != nil {
		return nil, err
	}
	obj, ok := diagObject(root, p.Kind)
	if !ok {
		return nil, invalid("diagnostics kind %q: want ping, traceroute, download or upload", p.Kind)
	}
	if len(p.Ticket) > 64 {
		return nil, invalid("ticket longer than 64 characters")
	}
	// Values take their types from the data model, and are checked
	// against it, as any task's are.
	type nv struct{ name, value string }
	str := func(n, v string) nv { return nv{obj + n, v} }
	uint := func(n string, v uint64) nv { return nv{obj + n, strconv.FormatUint(v, 10)} }
	var in []nv
	switch p.Kind {
	case DiagPing, DiagTraceroute:
		if p.Host == "" || len(p.Host) > 256 || strings.ContainsAny(p.Host, " /\t\n") {
			return nil, invalid("%s needs a host name or address", p.Kind)
		}
		in = append(in, str("Host", p.Host))
		if p.Kind == DiagPing {
			count := p.Count
			if count == 0 {
				count = 4
			}
			if count > 100 {
				return nil, invalid("count %d: at most 100 echoes", count)
			}
			in = append(in, uint("NumberOfRepetitions", uint64(count)))
		}
		if p.Timeout != 0 {
			in = append(in, uint("Timeout", uint64(p.Timeout)))
		}
	case DiagDownload, DiagUpload:
		u, err := url.Parse(p.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, invalid("%s needs an http or https url", p.Kind)
		}
		if p.Kind == DiagDownload {
			in = append(in, str("DownloadURL", p.URL))
		} else {
			size := p.Size
			if size == 0 {
				size = 1 << 20
			}
			if size > 1<<32-1 {
				return nil, invalid("size %d: at most 4 GiB", size)
			}
			in = append(in, str("UploadURL", p.URL), uint("TestFileLength", size))
		}
	}
	in = append(in, str("DiagnosticsState", "Requested"))
	list := make([]cwmp.ParameterValueStruct, len(in))
	for i, v := range in {
		pv, err := typedValue(v.name, v.value, "")
		if err != nil {
			return nil, err
		}
		list[i] = pv
	}
	return &cwmp.SetParameterValues{ParameterList: list, ParameterKey: key}, nil
}

// diagRequested records that the device accepted the request; the task
// stays running until the device reports completion.
func (r *Runner) diagRequested(ctx context.Context, t store.Task) error {
	t.Result = mustJSON(diagProgress{Phase: phaseRequested, Requested: r.cfg.Now().UTC()})
	return r.cfg.Store.UpdateTask(ctx, t)
}

type diagProgress struct {
	Phase     string    `json:"phase"`
	Requested time.Time `json:"requested"`
}

// settleDiag handles a running diagnostics task at an Inform.
func (r *Runner) settleDiag(ctx context.Context, s *cwmpserver.Session, st *sessionState, t store.Task) error {
	phase := phaseOf(t)
	if phase == phaseSent {
		if t.Key == "" || s.Device.ParameterKey != t.Key {
			return r.requeue(ctx, t)
		}
		// The request took effect, its answer was lost.
		if err := r.diagRequested(ctx, t); err != nil {
			return err
		}
		t, _ = r.cfg.Store.Task(ctx, t.ID)
		phase = phaseRequested
	}
	if phase != phaseRequested {
		return r.requeue(ctx, t)
	}
	if _, done := s.HasEvent(cwmp.EventDiagnosticsComplete); done {
		var p diagPayload
		decodePayload(t.Payload, &p)
		obj, _ := diagObject(s.Device.Root, p.Kind)
		gpv := &cwmp.GetParameterValues{ParameterNames: []string{obj}}
		st.diagFetch = append(st.diagFetch, &ticket{task: t, step: stepDiagResults, rpc: gpv})
		return nil
	}
	var prog diagProgress
	decodePayload(t.Result, &prog)
	if !prog.Requested.IsZero() && r.cfg.Now().Sub(prog.Requested) > DiagTimeout {
		return r.fail(ctx, t, "", int(cwmp.FaultACSInternalError),
			"the device did not report the diagnostic's completion within "+DiagTimeout.String())
	}
	return nil
}

// diagBusy reports whether another diagnostic of the same kind is out on
// the device: both would share one TR-181 object, so the second waits.
func (r *Runner) diagBusy(ctx context.Context, t store.Task) bool {
	var p diagPayload
	decodePayload(t.Payload, &p)
	open, err := r.cfg.Store.OpenTasks(ctx, t.Device)
	if err != nil {
		return false
	}
	for _, o := range open {
		if o.ID == t.ID || o.Type != TypeDiagnostics || o.Status != store.StatusRunning {
			continue
		}
		var q diagPayload
		decodePayload(o.Payload, &q)
		if q.Kind == p.Kind {
			return true
		}
	}
	return false
}

// DiagResult is a finished diagnostic: the DiagnosticsState, the figures
// people read, and every value the device reported.
type DiagResult struct {
	Kind   string        `json:"kind"`
	State  string        `json:"state"`
	Ticket string        `json:"ticket,omitempty"`
	Ping   *PingSummary  `json:"ping,omitempty"`
	Hops   []HopSummary  `json:"hops,omitempty"`
	Speed  *SpeedSummary `json:"speed,omitempty"`
	// Values are every parameter of the object, by full name, as a
	// getParameterValues result lists them (so the API masks them alike).
	Values []DiagValue `json:"values"`
}

// DiagValue is one parameter the device reported.
type DiagValue struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// PingSummary is an IPPing's outcome.
type PingSummary struct {
	Success, Failure        uint64
	AverageMs, MinMs, MaxMs uint64
}

// HopSummary is one traceroute hop.
type HopSummary struct {
	Host    string `json:"host"`
	Address string `json:"address"`
	RTTms   string `json:"rttMs"`
}

// SpeedSummary is a download or upload test's outcome.
type SpeedSummary struct {
	Bytes          uint64  `json:"bytes"`
	Seconds        float64 `json:"seconds"`
	ThroughputKbps float64 `json:"throughputKbps"`
	ROMTime        string  `json:"romTime"`
	EOMTime        string  `json:"eomTime"`
}

// diagDone turns the object's values into the task's result.
func (r *Runner) diagDone(ctx context.Context, t *ticket, values []cwmp.ParameterValueStruct) error {
	var p diagPayload
	decodePayload(t.task.Payload, &p)
	obj := t.rpc.(*cwmp.GetParameterValues).ParameterNames[0]
	res := DiagResult{Kind: p.Kind, Ticket: p.Ticket, Values: make([]DiagValue, 0, len(values))}
	v := make(map[string]string, len(values))
	for _, x := range values {
		res.Values = append(res.Values, DiagValue{Name: x.Name, Value: x.Value})
		v[strings.TrimPrefix(x.Name, obj)] = x.Value
	}
	res.State = v["DiagnosticsState"]
	u := func(n string) uint64 { x, _ := strconv.ParseUint(v[n], 10, 64); return x }
	switch p.Kind {
	case DiagPing:
		res.Ping = &PingSummary{Success: u("SuccessCount"), Failure: u("FailureCount"),
			AverageMs: u("AverageResponseTime"), MinMs: u("MinimumResponseTime"), MaxMs: u("MaximumResponseTime")}
	case DiagTraceroute:
		// TR-181 names RouteHops.{i}.Host/HostAddress/RTTimes; TR-098
		// prefixes them with Hop.
		for i := 1; ; i++ {
			h := "RouteHops." + strconv.Itoa(i) + "."
			host, ok := v[h+"Host"]
			if !ok {
				host, ok = v[h+"HopHost"]
			}
			if !ok {
				break
			}
			res.Hops = append(res.Hops, HopSummary{Host: host,
				Address: firstOf(v, h+"HostAddress", h+"HopHostAddress"), RTTms: firstOf(v, h+"RTTimes", h+"HopRTTimes")})
		}
	case DiagDownload, DiagUpload:
		bytes := u("TestBytesReceived")
		if p.Kind == DiagUpload {
			// TR-098 devices predate TestBytesSent; a "0" is a failed
			// upload and stays 0.
			if _, ok := v["TestBytesSent"]; ok {
				bytes = u("TestBytesSent")
			} else {
				bytes = u("TestFileLength")
			}
		}
		sp := &SpeedSummary{Bytes: bytes, ROMTime: v["ROMTime"], EOMTime: v["EOMTime"]}
		bom, e1 := time.Parse(time.RFC3339Nano, v["BOMTime"])
		eom, e2 := time.Parse(time.RFC3339Nano, v["EOMTime"])
		if e1 == nil && e2 == nil && eom.After(bom) {
			sp.Seconds = eom.Sub(bom).Seconds()
			sp.ThroughputKbps = float64(bytes) * 8 / 1000 / sp.Seconds
		}
		res.Speed = sp
	}
	return r.complete(ctx, t.task, res)
}

func firstOf(v map[string]string, names ...string) string {
	for _, n := range names {
		if x, ok := v[n]; ok {
			return x
		}
	}
	return ""
}

// DiagKinds lists the kinds, for the API's documentation.
func DiagKinds() []string {
	return slices.Clone([]string{DiagPing, DiagTraceroute, DiagDownload, DiagUpload})
}
