package tasks

import (
	"testing"
	"time"

	"gatewarden/acs/internal/store"
	"gatewarden/protocol/cwmp"
)

// finishPing plays the device's side of a ping that ran after the
// session: results in the object, 8 DIAGNOSTICS COMPLETE queued.
func finishPing(d interface {
	Set(name, value, typ string)
	QueueEvent(code cwmp.EventCode, key string)
}, obj string, success string) {
	d.Set(obj+"DiagnosticsState", "Complete", "string")
	d.Set(obj+"SuccessCount", success, "unsignedInt")
	d.Set(obj+"FailureCount", "0", "unsignedInt")
	d.Set(obj+"AverageResponseTime", "12", "unsignedInt")
	d.QueueEvent(cwmp.EventDiagnosticsComplete, "")
}

// diagCapable gives a simulated device the diagnostics objects, which a
// real CPE has from the start.
func diagCapable(d interface{ Set(name, value, typ string) }, root string) {
	for _, k := range DiagKinds() {
		obj, _ := diagObject(root, k)
		for name, typ := range map[string]string{"DiagnosticsState": "string", "Host": "string", "NumberOfRepetitions": "unsignedInt",
			"Timeout": "unsignedInt", "DownloadURL": "string", "UploadURL": "string", "TestFileLength": "unsignedInt"} {
			v := "None"
			if typ == "unsignedInt" {
				v = "0"
			} else if name != "DiagnosticsState" {
				v = ""
			}
			d.Set(obj+name, v, typ)
		}
	}
}

func TestDiagnosticsTwoSessions(t *testing.T) {
	for _, root := range []string{"Device.", "InternetGatewayDevice."} {
		t.Run(root, func(t *testing.T) {
			e := newEnv(t, nil, nil)
			d := e.device("DIAG-"+root[:3], root)
			diagCapable(d, root)
			spvs := count(d, "SetParameterValues") // the first session's credentials
			obj, _ := diagObject(root, DiagPing)
			tk := e.addTask(d, TypeDiagnostics, store.PrioritySupport, map[string]any{"kind": "ping", "host": "192.0.2.7", "count": 3})
			e.session(d)
			got := e.expectStatus(tk.ID, store.StatusRunning)
			if phaseOf(got) != phaseRequested {
				t.Fatalf("phase %q after the request", phaseOf(got))
			}
			for name, want := range map[string]string{"Host": "192.0.2.7", "NumberOfRepetitions": "3", "DiagnosticsState": "Requested"} {
				if v, _ := d.Value(obj + name); v != want {
					t.Fatalf("%s%s = %q, want %q", obj, name, v, want)
				}
			}
			if v, _ := d.Value(root + "ManagementServer.ParameterKey"); v != got.Key || v == "" {
				t.Fatalf("ParameterKey %q, task key %q", v, got.Key)
			}
			// A session without the event leaves the task waiting.
			e.session(d)
			e.expectStatus(tk.ID, store.StatusRunning)

			finishPing(d, obj, "3")
			e.session(d)
			done := e.expectStatus(tk.ID, store.StatusDone)
			res := resultOf[DiagResult](t, done)
			if res.Kind != "ping" || res.State != "Complete" || res.Ping == nil || res.Ping.Success != 3 || res.Ping.AverageMs != 12 {
				t.Fatalf("result %s", done.Result)
			}
			if n := count(d, "SetParameterValues") - spvs; n != 1 {
				t.Fatalf("%d SetParameterValues", n)
			}
		})
	}
}

func TestDiagnosticsRequestAnswerLost(t *testing.T) {
	e := newEnv(t, nil, nil)
	d := e.device("DIAG-LOST", "Device.")
	diagCapable(d, "Device.")
	spvs := count(d, "SetParameterValues")
	tk := e.addTask(d, TypeDiagnostics, store.PrioritySupport, map[string]any{"kind": "ping", "host": "192.0.2.8"})
	d.Intercept = func(req cwmp.Body) (cwmp.Body, bool, bool) {
		_, spv := req.(*cwmp.SetParameterValues)
		return nil, false, spv // applied, answer lost
	}
	d.RunSession(t.Context())
	d.Intercept = nil
	// The next Inform's ParameterKey shows the request took effect: it is
	// not sent again, and the results are read once the device is done.
	finishPing(d, "Device.IP.Diagnostics.IPPing.", "4")
	e.session(d)
	e.expectStatus(tk.ID, store.StatusDone)
	if n := count(d, "SetParameterValues") - spvs; n != 1 {
		t.Fatalf("the request went out %d times", n)
	}
}

func TestDiagnosticsTimeOutAndQueueByKind(t *testing.T) {
	e := newEnv(t, nil, nil)
	d := e.device("DIAG-TO", "Device.")
	diagCapable(d, "Device.")
	first := e.addTask(d, TypeDiagnostics, store.PrioritySupport, map[string]any{"kind": "ping", "host": "192.0.2.9"})
	second := e.addTask(d, TypeDiagnostics, store.PrioritySupport, map[string]any{"kind": "ping", "host": "192.0.2.10"})
	trace := e.addTask(d, TypeDiagnostics, store.PrioritySupport, map[string]any{"kind": "traceroute", "host": "192.0.2.11"})
	e.session(d)
	// One ping object on the device: the second ping waits; the
	// traceroute, another object, goes.
	e.expectStatus(first.ID, store.StatusRunning)
	e.expectStatus(second.ID, store.StatusQueued)
	e.expectStatus(trace.ID, store.StatusRunning)
	if v, _ := d.Value("Device.IP.Diagnostics.IPPing.Host"); v != "192.0.2.9" {
		t.Fatalf("ping host %q", v)
	}
	e.advance(DiagTimeout + time.Minute)
	e.session(d)
	f := e.expectStatus(first.ID, store.StatusFault)
	if f.Fault == nil || f.Fault.Message == "" {
		t.Fatalf("timeout fault %+v", f.Fault)
	}
	e.expectStatus(trace.ID, store.StatusFault)
	// The way is clear for the second ping.
	e.advance(time.Minute)
	e.session(d)
	e.expectStatus(second.ID, store.StatusRunning)
	if v, _ := d.Value("Device.IP.Diagnostics.IPPing.Host"); v != "192.0.2.10" {
		t.Fatalf("ping host %q", v)
	}
}

func TestDiagnosticsPayloadChecks(t *testing.T) {
	good := []string{
		`{"kind":"ping","host":"example.net"}`,
		`{"kind":"traceroute","host":"2001:db8::1","timeout":2000}`,
		`{"kind":"download","url":"https://speed.example.net/100MB"}`,
		`{"kind":"upload","url":"http://speed.example.net/up","size":5000000}`,
	}
	for _, root := range []string{"Device.", "InternetGatewayDevice."} {
		for _, p := range good {
			if err := Validate(TypeDiagnostics, []byte(p), root); err != nil {
				t.Errorf("%s %s: %v", root, p, err)
			}
		}
	}
	for _, p := range []string{`{"kind":"ping"}`, `{"kind":"x","host":"h"}`, `{"kind":"download","url":"file:///etc/passwd"}`,
		`{"kind":"ping","host":"h","count":101}`, `{"kind":"upload","url":"http://h/u","size":5000000000}`, `{"kind":"ping","host":"h","ticket":"` + string(make([]byte, 65)) + `"}`} {
		if err := Validate(TypeDiagnostics, []byte(p), "Device."); err == nil {
			t.Errorf("%s accepted", p)
		}
	}
}
