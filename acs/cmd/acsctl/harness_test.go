package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"gatewarden/acs/internal/api"
	"gatewarden/acs/internal/api/apitest"
	"gatewarden/acs/internal/store"
	"gatewarden/protocol/datamodel"
)

// dev1 has "-" in its product class and " " in its serial: its ID holds
// %2D and %20, which acsctl must escape once more for URLs.
var (
	dev1 = datamodel.DeviceID{OUI: "00D09E", ProductClass: "Router-X", SerialNumber: "SN 001"}.String()
	dev2 = datamodel.DeviceID{OUI: "00D09E", SerialNumber: "SN002"}.String()
)

type harness struct {
	t      *testing.T
	mem    *apitest.MemStore
	runner *apitest.Runner
	srv    *httptest.Server
	tokens map[string]string
	home   string
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	h := &harness{t: t, mem: apitest.NewMemStore(), tokens: map[string]string{}, home: t.TempDir()}
	h.runner = apitest.NewRunner(h.mem, 0)
	h.runner.Finish = h.finish
	t.Cleanup(h.runner.Stop)
	handler := api.New(api.Options{
		Store: h.mem, Tasks: h.runner, CompileFilter: apitest.Filter,
		Registry: prometheus.NewRegistry(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	h.srv = httptest.NewServer(handler)
	t.Cleanup(h.srv.Close)
	for _, r := range api.Roles() {
		tok, err := api.CreateToken(context.Background(), h.mem, string(r)+"-token", string(r))
		if err != nil {
			t.Fatal(err)
		}
		h.tokens[string(r)] = tok
	}
	now := time.Now()
	h.mem.PutDevice(store.Device{ID: dev1, OUI: "00D09E", ProductClass: "Router-X", SerialNumber: "SN 001",
		SoftwareVersion: "2.1.0", LastInform: now, Tags: []string{"pilot"}, Root: "Device."},
		store.Param{Name: "Device.WiFi.SSID.1.SSID", Value: "home", Type: "xsd:string", Updated: now},
		store.Param{Name: "Device.WiFi.AccessPoint.1.Security.KeyPassphrase", Value: "wifi-secret", Type: "xsd:string", Updated: now},
		store.Param{Name: "Device.ManagementServer.PeriodicInformInterval", Value: "3600", Type: "xsd:unsignedInt", Updated: now},
	)
	h.mem.PutDevice(store.Device{ID: dev2, OUI: "00D09E", SerialNumber: "SN002", SoftwareVersion: "1.0", Root: "Device."})
	return h
}

// finish plays the device: it answers tasks from and into the store.
func (h *harness) finish(t store.Task) apitest.Outcome {
	var p struct {
		Parameters []string `json:"parameters"`
		Values     []store.Param
		Object     string `json:"object"`
	}
	_ = json.Unmarshal(t.Payload, &p)
	switch t.Type {
	case "getParameterValues":
		var out []map[string]string
		for _, prefix := range p.Parameters {
			ps, _ := h.mem.Params(context.Background(), t.Device, prefix)
			for _, q := range ps {
				out = append(out, map[string]string{"name": q.Name, "value": q.Value, "type": q.Type})
			}
		}
		if len(out) == 0 {
			return apitest.Outcome{Fault: &store.TaskFault{Code: 9005, Message: "Invalid parameter name"}}
		}
		b, _ := json.Marshal(map[string]any{"values": out})
		return apitest.Outcome{Result: b}
	case "setParameterValues":
		_ = h.mem.SaveParams(context.Background(), t.Device, p.Values)
	case "addObject":
		return apitest.Outcome{Result: json.RawMessage(`{"instanceNumber":7}`)}
	}
	return apitest.Outcome{}
}

// run runs acsctl against the harness's ACS as role ("" for no token).
func (h *harness) run(role string, args ...string) (int, string, string) {
	return h.runEnv(map[string]string{"GATEWARDEN_TOKEN": h.tokens[role]}, args...)
}

func (h *harness) runEnv(vars map[string]string, args ...string) (int, string, string) {
	h.t.Helper()
	var out, errOut bytes.Buffer
	getenv := func(k string) string {
		if k == "HOME" {
			return h.home
		}
		if k == "GATEWARDEN_URL" {
			if v, ok := vars[k]; ok {
				return v
			}
			return h.srv.URL
		}
		return vars[k]
	}
	code := run(context.Background(), args, &env{stdout: &out, stderr: &errOut, stdin: strings.NewReader(vars["stdin"]), getenv: getenv})
	return code, out.String(), errOut.String()
}

func (h *harness) want(code int, wantCode int, stdout, stderr string) {
	h.t.Helper()
	if code != wantCode {
		h.t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, wantCode, stdout, stderr)
	}
}

func mustContain(t *testing.T, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("output lacks %q:\n%s", sub, s)
		}
	}
}
