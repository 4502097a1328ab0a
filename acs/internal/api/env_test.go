package api

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"gatewarden/acs/internal/api/apitest"
	"gatewarden/acs/internal/store"
	"gatewarden/protocol/datamodel"
)

var _ Store = (*apitest.MemStore)(nil)
var _ TaskRunner = (*apitest.Runner)(nil)
var _ Waker = (*apitest.Waker)(nil)
var _ FilterCompiler = apitest.Filter

// Secrets planted in the fixtures; no answer to a non-admin may contain
// any of them.
var plantedSecrets = []string{"wifi-secret-1", "cr-secret-2", "vendor-secret-3", "connreq-pass-4", "igd-secret-5", "preset-secret-6"}

// Device 1 has a "-" in its product class and a space in its serial, so
// its ID holds %2D and %20 and its URL form %252D and %2520.
var (
	dev1ID = datamodel.DeviceID{OUI: "00D09E", ProductClass: "Router-X", SerialNumber: "SN 001"}.String()
	dev2ID = datamodel.DeviceID{OUI: "00D09E", SerialNumber: "SN002"}.String()
)

type testEnv struct {
	t      *testing.T
	mem    *apitest.MemStore
	runner *apitest.Runner
	waker  *apitest.Waker
	api    *api
	reg    *prometheus.Registry
	tokens map[Role]string
	now    time.Time
}

func newEnv(t *testing.T, configure ...func(*Options)) *testEnv {
	t.Helper()
	e := &testEnv{
		t:      t,
		mem:    apitest.NewMemStore(),
		waker:  &apitest.Waker{},
		reg:    prometheus.NewRegistry(),
		tokens: map[Role]string{},
		now:    time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC),
	}
	e.runner = apitest.NewRunner(e.mem, -1)
	t.Cleanup(e.runner.Stop)
	o := Options{
		Store:         e.mem,
		Tasks:         e.runner,
		Waker:         e.waker,
		CompileFilter: apitest.Filter,
		Logger:        slog.New(slog.NewTextHandler(io.Discard, nil)),
		Registry:      e.reg,
		Now:           func() time.Time { return e.now },
		Files:         &fakeFiles{},       // campaigns_test.go
		Campaigns:     newFakeCampaigns(), // campaigns_test.go
		MQTT:          newFakeMQTT(),      // mqtt_test.go
		Tickets:       newFakeTickets(),   // diagnostics_test.go
		LineHealth:    newFakeHealth(),    // linehealth_test.go
	}
	for _, c := range configure {
		c(&o)
	}
	e.api = newAPI(o)
	for _, r := range Roles() {
		tok, err := CreateToken(context.Background(), e.mem, string(r)+"-token", string(r))
		if err != nil {
			t.Fatal(err)
		}
		e.tokens[r] = tok
	}
	e.seed()
	return e
}

func boolp(b bool) *bool { return &b }

func (e *testEnv) seed() {
	upd := e.now.Add(-time.Minute)
	e.mem.PutDevice(store.Device{
		ID: dev1ID, OUI: "00D09E", ProductClass: "Router-X", SerialNumber: "SN 001",
		Manufacturer: "Acme", SoftwareVersion: "2.1.0", HardwareVersion: "B1",
		LastInform: e.now.Add(-5 * time.Minute), LastBoot: e.now.Add(-time.Hour),
		ConnectionRequestURL: "http://192.0.2.10:7547/cr", IP: "192.0.2.10", Tags: []string{"pilot"},
		Root: "Device.", ConnReqUsername: "cruser", ConnReqPassword: "connreq-pass-4",
	},
		store.Param{Name: "Device.DeviceInfo.SoftwareVersion", Value: "2.1.0", Type: "xsd:string", Writable: boolp(false), Updated: upd},
		store.Param{Name: "Device.WiFi.SSID.1.SSID", Value: "home", Type: "xsd:string", Updated: upd},
		store.Param{Name: "Device.WiFi.AccessPoint.1.Security.KeyPassphrase", Value: "wifi-secret-1", Type: "xsd:string", Writable: boolp(true), Updated: upd},
		store.Param{Name: "Device.ManagementServer.ConnectionRequestPassword", Value: "cr-secret-2", Type: "xsd:string", Updated: upd},
		store.Param{Name: "Device.X_ACME_AdminPassword", Value: "vendor-secret-3", Type: "xsd:string", Updated: upd},
	)
	e.mem.PutDevice(store.Device{
		ID: dev2ID, OUI: "00D09E", SerialNumber: "SN002", ProductClass: "",
		SoftwareVersion: "1.0", Root: "InternetGatewayDevice.",
	},
		store.Param{Name: "InternetGatewayDevice.LANDevice.1.WLANConfiguration.1.KeyPassphrase", Value: "igd-secret-5", Type: "xsd:string", Updated: upd},
	)
	if err := e.mem.PutPreset(context.Background(), &store.Preset{
		Name: "wifi", Filter: `tag = "pilot"`, Updated: upd,
		Values: []store.PresetValue{
			{Name: "Device.WiFi.SSID.1.SSID", Value: "fleet"},
			{Name: "Device.WiFi.AccessPoint.1.Security.KeyPassphrase", Value: "preset-secret-6", Type: "xsd:string"},
		},
	}); err != nil {
		e.t.Fatal(err)
	}
	_ = e.mem.AddFault(context.Background(), &store.Fault{Device: dev1ID, RPC: "SetParameterValues", Code: 9007, Message: "Invalid parameter value", Time: upd})
}

// urlID is a device ID as it goes into a URL path.
func urlID(id string) string { return datamodel.URLEscape(id) }

type resp struct {
	*httptest.ResponseRecorder
}

func (r resp) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body.Bytes(), &m); err != nil {
		t.Fatalf("answer is not a JSON object (%v): %s", err, r.Body.String())
	}
	return m
}

// do sends a request as role ("" for none).
func (e *testEnv) do(method, target string, role Role, body string) resp {
	e.t.Helper()
	return e.doToken(method, target, e.tokens[role], body)
}

func (e *testEnv) doToken(method, target, token, body string) resp {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	e.api.ServeHTTP(rec, req)
	return resp{rec}
}

func wantStatus(t *testing.T, r resp, status int) {
	t.Helper()
	if r.Code != status {
		t.Fatalf("status %d, want %d; body: %s", r.Code, status, r.Body.String())
	}
}

// wantError checks an error answer's status, JSON shape and code.
func wantError(t *testing.T, r resp, status int, code string) map[string]any {
	t.Helper()
	wantStatus(t, r, status)
	m := r.json(t)
	wantKeys(t, m, "error", "code")
	if m["code"] != code {
		t.Fatalf("code %v, want %s; body: %s", m["code"], code, r.Body.String())
	}
	if msg, _ := m["error"].(string); msg == "" {
		t.Fatalf("empty error message")
	}
	return m
}

func wantKeys(t *testing.T, m map[string]any, keys ...string) {
	t.Helper()
	if len(m) != len(keys) {
		t.Errorf("keys %v, want exactly %v", keysOf(m), keys)
	}
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			t.Errorf("key %q missing in %v", k, keysOf(m))
		}
	}
}

func keysOf(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

func httptestRequest(method, target, body string) *http.Request {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return req
}

func serve(h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func queryEscape(s string) string { return url.QueryEscape(s) }

func storeDevice(id, serial string) store.Device {
	return store.Device{ID: id, OUI: "00D09E", SerialNumber: serial}
}
