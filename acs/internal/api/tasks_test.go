package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"gatewarden/acs/internal/api/apitest"
	"gatewarden/acs/internal/store"
)

func taskURL(id, query string) string {
	u := apiPrefix + "/devices/" + urlID(id) + "/tasks"
	if query != "" {
		u += "?" + query
	}
	return u
}

func TestTaskWait(t *testing.T) {
	e := newEnv(t)
	e.runner.Delay = 30 * time.Millisecond
	e.runner.Finish = func(store.Task) apitest.Outcome {
		return apitest.Outcome{Result: json.RawMessage(`{"instanceNumber":4}`)}
	}
	body := `{"type":"addObject","object":"Device.IP.Interface."}`

	start := time.Now()
	r := e.do("POST", taskURL(dev1ID, "wait=5s"), RoleOperator, body)
	wantStatus(t, r, http.StatusOK)
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("answered after %s; the task finished after 30ms", took)
	}
	m := r.json(t)
	if m["status"] != "done" || m["completed"] == nil || m["result"].(map[string]any)["instanceNumber"] != float64(4) {
		t.Errorf("finished task %v", m)
	}

	// Finishing after the wait: 202 at the end of the wait.
	e.runner.Delay = 2 * time.Second
	start = time.Now()
	r = e.do("POST", taskURL(dev1ID, "wait=100ms"), RoleOperator, body)
	wantStatus(t, r, http.StatusAccepted)
	if took := time.Since(start); took < 100*time.Millisecond || took > 1500*time.Millisecond {
		t.Errorf("202 after %s, want about 100ms", took)
	}
	if s := r.json(t)["status"]; s != "queued" {
		t.Errorf("status %v", s)
	}

	// No wait: 202 at once.
	start = time.Now()
	wantStatus(t, e.do("POST", taskURL(dev1ID, ""), RoleOperator, body), http.StatusAccepted)
	if took := time.Since(start); took > time.Second {
		t.Errorf("no wait took %s", took)
	}
}

func TestTaskFault(t *testing.T) {
	e := newEnv(t)
	e.runner.Delay = 0
	e.runner.Finish = func(store.Task) apitest.Outcome {
		return apitest.Outcome{Fault: &store.TaskFault{Code: 9005, Message: "Invalid parameter name"}}
	}
	r := e.do("POST", taskURL(dev1ID, "wait=5s"), RoleSupport, `{"type":"getParameterValues","parameters":["Device.Nope."]}`)
	wantStatus(t, r, http.StatusOK)
	m := r.json(t)
	if m["status"] != "fault" {
		t.Fatalf("task %v", m)
	}
	f := m["fault"].(map[string]any)
	wantKeys(t, f, "code", "message")
	if f["code"] != float64(9005) || f["message"] != "Invalid parameter name" {
		t.Errorf("fault %v", f)
	}
}

func TestTaskWaitParam(t *testing.T) {
	e := newEnv(t)
	for _, q := range []string{"wait=121s", "wait=3m", "wait=-1s", "wait=soon", "wait=30"} {
		wantError(t, e.do("POST", taskURL(dev1ID, q), RoleOperator, `{"type":"reboot"}`), 400, codeInvalidQuery)
	}
	if n := len(e.mem.Tasks()); n != 0 {
		t.Errorf("%d tasks queued by refused requests", n)
	}
	wantStatus(t, e.do("POST", taskURL(dev1ID, "wait=1ms"), RoleOperator, `{"type":"reboot"}`), http.StatusAccepted)
}

func TestTaskSubmission(t *testing.T) {
	e := newEnv(t)
	r := e.do("POST", taskURL(dev1ID, ""), RoleSupport, `{"type":"refresh","prefix":"Device.WiFi."}`)
	wantStatus(t, r, http.StatusAccepted)
	tasks := e.mem.Tasks()
	if len(tasks) != 1 {
		t.Fatalf("%d tasks", len(tasks))
	}
	tk := tasks[0]
	if tk.Device != dev1ID || tk.Type != "refresh" || tk.Priority != store.PrioritySupport || tk.Actor != "support-token" ||
		string(tk.Payload) != `{"type":"refresh","prefix":"Device.WiFi."}` {
		t.Errorf("task %+v payload %s", tk, tk.Payload)
	}
	e.api.wakes.Wait()
	if w := e.waker.Woken(); len(w) != 1 || w[0] != dev1ID {
		t.Errorf("woken %v", w)
	}
	// A device that cannot be woken keeps its task queued.
	e.waker.Err = errors.New("connection refused")
	wantStatus(t, e.do("POST", taskURL(dev1ID, "wait=10ms"), RoleSupport, `{"type":"reboot"}`), http.StatusAccepted)
	wantError(t, e.do("POST", taskURL("00D09E-NOPE", ""), RoleSupport, `{"type":"reboot"}`), 404, codeNotFound)
}

func TestSetParameterValuesTypes(t *testing.T) {
	e := newEnv(t)
	body := `{"type":"setParameterValues","values":[
		{"name":"Device.WiFi.SSID.1.SSID","value":"home2"},
		{"name":"Device.ManagementServer.PeriodicInformInterval","value":"600"},
		{"name":"Device.WiFi.Radio.1.Enable","value":"true","type":"boolean"},
		{"name":"Device.X_ACME_Colour","value":"blue","type":"xsd:string"}]}`
	wantStatus(t, e.do("POST", taskURL(dev1ID, ""), RoleOperator, body), http.StatusAccepted)
	var req taskRequest
	if err := json.Unmarshal(e.mem.Tasks()[0].Payload, &req); err != nil {
		t.Fatal(err)
	}
	want := []string{"xsd:string", "xsd:unsignedInt", "xsd:boolean", "xsd:string"}
	for i, v := range req.Values {
		if v.Type != want[i] {
			t.Errorf("%s: type %q, want %q", v.Name, v.Type, want[i])
		}
	}
}

func TestTaskValidation(t *testing.T) {
	e := newEnv(t)
	cases := []struct{ body, code, mention string }{
		{`{}`, codeInvalidTask, "type"},
		{`{"type":"explode"}`, codeInvalidTask, "explode"},
		{`{"type":"reboot","parameters":["Device."]}`, codeInvalidTask, "parameters"},
		{`{"type":"reboot","extra":1}`, codeInvalidJSON, "extra"},
		{`{"type":"getParameterValues"}`, codeInvalidTask, "parameters"},
		{`{"type":"getParameterValues","parameters":["Device..X"]}`, codeInvalidTask, "Device..X"},
		{`{"type":"getParameterValues","parameters":["Device.IP.Interface.*.Name"]}`, codeInvalidTask, "not {i} or *"},
		{`{"type":"getParameterValues","parameters":["InternetGatewayDevice.DeviceInfo."]}`, codeInvalidTask, "starts at Device."},
		{`{"type":"getParameterValues","parameters":["Device.A","Device.A"]}`, codeInvalidTask, "twice"},
		{`{"type":"setParameterValues","values":[]}`, codeInvalidTask, "values"},
		{`{"type":"setParameterValues","values":[{"name":"Device.DeviceInfo.SoftwareVersion","value":"9"}]}`, codeInvalidTask, "read-only"},
		{`{"type":"setParameterValues","values":[{"name":"Device.ManagementServer.PeriodicInformInterval","value":"soon"}]}`, codeInvalidTask, "PeriodicInformInterval"},
		{`{"type":"setParameterValues","values":[{"name":"Device.ManagementServer.PeriodicInformInterval","value":"60","type":"xsd:string"}]}`, codeInvalidTask, "PeriodicInformInterval"},
		{`{"type":"setParameterValues","values":[{"name":"Device.X_ACME_Colour","value":"blue"}]}`, codeInvalidTask, "give its \"type\""},
		{`{"type":"setParameterValues","values":[{"name":"Device.X_ACME_Colour","value":"blue","type":"colour"}]}`, codeInvalidTask, "unknown type"},
		{`{"type":"setParameterValues","values":[{"name":"Device.WiFi.","value":"x"}]}`, codeInvalidTask, "must not end"},
		{`{"type":"setParameterValues","values":[{"name":"Device.WiFi.SSID.1.SSID","value":"a"},{"name":"Device.WiFi.SSID.1.SSID","value":"b"}]}`, codeInvalidTask, "twice"},
		{`{"type":"addObject","object":"Device.IP.Interface.2."}`, codeInvalidTask, "not an instance"},
		{`{"type":"addObject","object":"Device.DeviceInfo."}`, codeInvalidTask, "not a table"},
		{`{"type":"addObject"}`, codeInvalidTask, "object"},
		{`{"type":"deleteObject","object":"Device.IP.Interface."}`, codeInvalidTask, "instance"},
		{`{"type":"download","file":"fw.bin","fileType":"9 Bogus"}`, codeInvalidTask, "fileType"},
		{`{"type":"download","fileType":"1 Firmware Upgrade Image"}`, codeInvalidTask, "file"},
		{`{"type":"setParameterAttributes","attributes":[{"name":"Device.WiFi.SSID.1.SSID","notification":7}]}`, codeInvalidTask, "0 to 6"},
		{`{"type":"reboot"} {"type":"reboot"}`, codeInvalidJSON, "after"},
		{`{"type":`, codeInvalidJSON, ""},
		{`["reboot"]`, codeInvalidJSON, "object"},
		{`{"type":"getParameterValues","parameters":"Device."}`, codeInvalidJSON, "array"},
	}
	for _, c := range cases {
		r := e.do("POST", taskURL(dev1ID, ""), RoleAdmin, c.body)
		m := wantError(t, r, http.StatusBadRequest, c.code)
		if !strings.Contains(m["error"].(string), c.mention) {
			t.Errorf("%s: message %q does not mention %q", c.body, m["error"], c.mention)
		}
	}
	if n := len(e.mem.Tasks()); n != 0 {
		t.Errorf("%d tasks queued by invalid requests", n)
	}
}

// Validation messages must not quote a secret value.
func TestTaskValidationHidesSecretValues(t *testing.T) {
	e := newEnv(t)
	long := strings.Repeat("s3cr3t", 20) // longer than a WPA passphrase may be
	body := `{"type":"setParameterValues","values":[{"name":"Device.WiFi.AccessPoint.1.Security.KeyPassphrase","value":"` + long + `"}]}`
	r := e.do("POST", taskURL(dev1ID, ""), RoleAdmin, body)
	wantStatus(t, r, http.StatusBadRequest)
	if strings.Contains(r.Body.String(), "s3cr3t") {
		t.Errorf("message quotes the value: %s", r.Body.String())
	}
	for _, a := range e.mem.Audit() {
		if strings.Contains(a.Detail, "s3cr3t") {
			t.Errorf("audit quotes the value: %+v", a)
		}
	}
}

// slowWaker blocks like a connection request to a CPE that never answers.
type slowWaker struct{ ended chan error }

func (w *slowWaker) Wake(ctx context.Context, _ string) error {
	<-ctx.Done()
	w.ended <- ctx.Err()
	return ctx.Err()
}

// A slow connection request neither delays the answer nor is cut short
// when the request ends; WakeTimeout bounds it.
func TestWakeInBackground(t *testing.T) {
	w := &slowWaker{ended: make(chan error, 1)}
	e := newEnv(t, func(o *Options) { o.Waker = w; o.WakeTimeout = time.Second })
	start := time.Now()
	wantStatus(t, e.do("POST", taskURL(dev1ID, ""), RoleOperator, `{"type":"reboot"}`), http.StatusAccepted)
	if took := time.Since(start); took > 800*time.Millisecond {
		t.Errorf("answer took %s behind a slow connection request", took)
	}
	select {
	case err := <-w.ended:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("wake ended with %v, want the wake timeout", err)
		}
		if took := time.Since(start); took < time.Second {
			t.Errorf("wake ended after %s, before its timeout", took)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("wake never ended")
	}
	e.api.wakes.Wait()
}

// ValidateTask (the task engine's check) runs after the API's own and
// its message reaches the client.
func TestValidateTaskHook(t *testing.T) {
	var seen []string
	e := newEnv(t, func(o *Options) {
		o.ValidateTask = func(typ string, payload json.RawMessage, root string) error {
			seen = append(seen, typ+" "+root+" "+string(payload))
			if typ == "download" && !strings.Contains(string(payload), `"url"`) {
				return errors.New("invalid task: download: file \"fw.bin\" cannot be served yet; give its url")
			}
			return nil
		}
	})
	m := wantError(t, e.do("POST", taskURL(dev1ID, ""), RoleOperator, `{"type":"download","file":"fw.bin","fileType":"1 Firmware Upgrade Image"}`), 400, codeInvalidTask)
	if !strings.Contains(m["error"].(string), "give its url") {
		t.Errorf("message %v", m["error"])
	}
	wantStatus(t, e.do("POST", taskURL(dev1ID, ""), RoleOperator, `{"type":"download","url":"https://fw.example.net/fw.bin?sig=abc","fileType":"1 Firmware Upgrade Image"}`), http.StatusAccepted)
	if len(seen) != 2 || seen[1] != `download Device. {"type":"download","url":"https://fw.example.net/fw.bin?sig=abc","fileType":"1 Firmware Upgrade Image"}` {
		t.Errorf("validator saw %q", seen)
	}
	// The audit detail names the host, not a URL that may hold a token.
	log := e.mem.Audit()
	if d := log[len(log)-1].Detail; strings.Contains(d, "sig=") || !strings.Contains(d, "fw.example.net") {
		t.Errorf("audit detail %q", d)
	}
	for _, bad := range []string{`"url":"file:///etc/passwd"`, `"url":"https://u:p@h/fw"`, `"url":"/fw.bin"`} {
		wantError(t, e.do("POST", taskURL(dev1ID, ""), RoleOperator, `{"type":"download",`+bad+`,"fileType":"1 Firmware Upgrade Image"}`), 400, codeInvalidTask)
	}
}
