package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"gatewarden/acs/server"
	"gatewarden/testbench/fleet"
)

// routeRule says which roles may call a route. A route the OpenAPI
// document lists and this table lacks fails the test, so a route added
// later cannot go untested.
type routeRule struct {
	allowed []string
	// path fills the route's template for an allowed call; denied
	// calls always use the real device and preset.
	path func(f fixture, role string) string
	body any
}

// fixture is what the routes' templates are filled with.
type fixture struct {
	device, task, preset string
}

var (
	allRoles     = roles
	writers      = []string{"admin", "operator"}
	supportUp    = []string{"admin", "operator", "support"}
	adminOnly    = []string{"admin"}
	missingID    = "0090F5-SIM-NOSUCHDEVICE"
	secretPreset = map[string]any{
		"filter": `serialNumber = "NOBODY"`,
		"values": []map[string]string{{"name": "Device.WiFi.AccessPoint.1.Security.KeyPassphrase", "value": presetSecret}},
	}
)

const (
	wifiKey      = "Device.WiFi.AccessPoint.1.Security.KeyPassphrase"
	wifiSecret   = "e2e-wifi-secret-4242"
	presetSecret = "e2e-preset-secret-7777"
)

func dev(f fixture, _ string) string { return devicePath(f.device) }

// routeRules covers every /api/v1 route. Denied roles must get 403 on
// the real device; allowed ones anything but 401/403 (mutations by
// allowed roles aim at a missing device where they would do harm).
var routeRules = map[string]routeRule{
	"GET /api/v1/devices":      {allowed: allRoles, path: func(fixture, string) string { return "/api/v1/devices" }},
	"GET /api/v1/devices/{id}": {allowed: allRoles, path: dev},
	"DELETE /api/v1/devices/{id}": {allowed: adminOnly,
		path: func(fixture, string) string { return devicePath(missingID) }},
	"PUT /api/v1/devices/{id}/tags/{tag}":    {allowed: writers, path: func(f fixture, _ string) string { return dev(f, "") + "/tags/e2e" }},
	"DELETE /api/v1/devices/{id}/tags/{tag}": {allowed: writers, path: func(f fixture, _ string) string { return dev(f, "") + "/tags/e2e" }},
	"GET /api/v1/devices/{id}/parameters": {allowed: allRoles,
		path: func(f fixture, _ string) string { return dev(f, "") + "/parameters?prefix=Device.WiFi." }},
	"POST /api/v1/devices/{id}/tasks": {allowed: supportUp,
		path: func(f fixture, _ string) string { return dev(f, "") + "/tasks?wait=" + taskWait },
		// Not the passphrase: the CPE reads it back empty, and the ACS
		// would cache that (see TestPresetSecretNotResentAfterRead).
		body: map[string]any{"type": "getParameterValues", "parameters": []string{"Device.DeviceInfo.UpTime"}}},
	"GET /api/v1/tasks/{id}": {allowed: allRoles, path: func(f fixture, _ string) string { return "/api/v1/tasks/" + f.task }},
	"GET /api/v1/faults":     {allowed: allRoles, path: func(f fixture, _ string) string { return "/api/v1/faults?device=" + url.QueryEscape(f.device) }},
	"GET /api/v1/audit":      {allowed: adminOnly, path: func(fixture, string) string { return "/api/v1/audit" }},
	"GET /api/v1/presets":    {allowed: allRoles, path: func(fixture, string) string { return "/api/v1/presets" }},
	"GET /api/v1/presets/{name}": {allowed: allRoles,
		path: func(f fixture, _ string) string { return "/api/v1/presets/" + f.preset }},
	"PUT /api/v1/presets/{name}": {allowed: writers,
		path: func(f fixture, role string) string { return "/api/v1/presets/e2e-by-" + role },
		body: secretPreset},
	"GET /api/v1/openapi.json": {allowed: allRoles, path: func(fixture, string) string { return "/api/v1/openapi.json" }},
	// Files and campaigns (campaign_test.go): mutations by allowed roles
	// send what the ACS refuses (not a package, a file it lacks, a
	// campaign that does not exist).
	"POST /api/v1/files":                 {allowed: writers, path: func(fixture, string) string { return "/api/v1/files" }, body: map[string]any{}},
	"GET /api/v1/files":                  {allowed: allRoles, path: func(fixture, string) string { return "/api/v1/files" }},
	"POST /api/v1/campaigns":             {allowed: writers, path: func(fixture, string) string { return "/api/v1/campaigns" }, body: map[string]any{"file": "no-such-file"}},
	"GET /api/v1/campaigns":              {allowed: allRoles, path: func(fixture, string) string { return "/api/v1/campaigns" }},
	"GET /api/v1/campaigns/{id}":         {allowed: allRoles, path: func(fixture, string) string { return "/api/v1/campaigns/nosuchcampaign" }},
	"POST /api/v1/campaigns/{id}/pause":  {allowed: writers, path: func(fixture, string) string { return "/api/v1/campaigns/nosuchcampaign/pause" }},
	"POST /api/v1/campaigns/{id}/resume": {allowed: writers, path: func(fixture, string) string { return "/api/v1/campaigns/nosuchcampaign/resume" }},
	"POST /api/v1/campaigns/{id}/abort":  {allowed: writers, path: func(fixture, string) string { return "/api/v1/campaigns/nosuchcampaign/abort" }},
	// MQTT lane (mqtt_*_test.go): pushes aim at a preset that does not
	// exist.
	"POST /api/v1/presets/{name}/push": {allowed: writers,
		path: func(fixture, string) string { return "/api/v1/presets/no-such-preset/push" },
		body: map[string]any{"group": "nobody"}},
	"GET /api/v1/presets/{name}/pushes":  {allowed: allRoles, path: func(f fixture, _ string) string { return "/api/v1/presets/" + f.preset + "/pushes" }},
	"GET /api/v1/pushes/{id}":            {allowed: allRoles, path: func(fixture, string) string { return "/api/v1/pushes/no-such-push" }},
	"GET /api/v1/devices/{id}/telemetry": {allowed: allRoles, path: func(f fixture, _ string) string { return dev(f, "") + "/telemetry" }},
	// Support flow (diagnostics_test.go): allowed roles aim at a device
	// the ACS lacks.
	"POST /api/v1/devices/{id}/diagnostics": {allowed: supportUp,
		path: func(fixture, string) string { return devicePath(missingID) + "/diagnostics" },
		body: map[string]any{"kind": "ping", "host": "127.0.0.1"}},
	"GET /api/v1/tickets/{ref}":       {allowed: allRoles, path: func(fixture, string) string { return "/api/v1/tickets/T-NONE" }},
	"GET /api/v1/health/degraded":     {allowed: allRoles, path: func(fixture, string) string { return "/api/v1/health/degraded" }},
	"GET /api/v1/devices/{id}/health": {allowed: allRoles, path: func(f fixture, _ string) string { return dev(f, "") + "/health" }},
}

// taskRules: beyond the route, each task type needs its own permission.
var taskRules = []struct {
	body    map[string]any
	allowed []string
}{
	{map[string]any{"type": "getParameterValues", "parameters": []string{"Device.DeviceInfo."}}, supportUp},
	{map[string]any{"type": "refresh", "prefix": "Device.DeviceInfo."}, supportUp},
	{map[string]any{"type": "reboot"}, supportUp},
	{map[string]any{"type": "setParameterValues", "values": []map[string]string{{"name": "Device.WiFi.SSID.1.SSID", "value": "x"}}}, writers},
	{map[string]any{"type": "addObject", "object": "Device.IP.Interface.1.IPv4Address."}, writers},
	{map[string]any{"type": "deleteObject", "object": "Device.IP.Interface.1.IPv4Address.1."}, writers},
	{map[string]any{"type": "factoryReset"}, writers},
	{map[string]any{"type": "setParameterAttributes", "attributes": []map[string]any{{"name": "Device.WiFi.SSID.1.SSID", "notification": 2}}}, writers},
	{map[string]any{"type": "upload", "fileType": "2 Vendor Log File"}, writers},
}

// TestAPIAuthorization is acceptance item 4 against the real server:
// every /api/v1 route refuses a missing or wrong token with 401 and a
// role that may not with 403; only admin ever receives a secret (a WiFi
// passphrase in the parameter cache and in a preset, the connection-
// request password); the calls are in the audit log.
func TestAPIAuthorization(t *testing.T) {
	t.Parallel()
	acs := startACS(t)
	admin := acs.api(t, "admin")

	ctx, cancel := context.WithCancel(context.Background())
	f, err := fleet.Start(ctx, fleet.Options{
		ACSURL:       acs.cwmp,
		Password:     func(serial string) string { return server.CPEPassword(acs.secret, serial) },
		Devices:      1,
		SerialPrefix: "AUTH",
		DataDir:      t.TempDir(),
		Logger:       testLogger(),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		if err := f.Wait(); err != nil {
			t.Errorf("fleet: %v", err)
		}
	})
	fx := fixture{device: "0090F5-SIM-" + f.Serials()[0], preset: "secret-preset"}
	eventually(t, eventWithin, "the device's first session", func() bool {
		status, b := admin.call("GET", devicePath(fx.device), nil)
		var d deviceView
		return status == http.StatusOK && json.Unmarshal(b, &d) == nil && d.ConnReqPassword != ""
	})
	connReqPassword := admin.device(fx.device).ConnReqPassword
	tv := admin.setValue(fx.device, wifiKey, wifiSecret)
	fx.task = tv.ID
	admin.do("PUT", "/api/v1/presets/"+fx.preset, secretPreset, nil, http.StatusCreated)
	secrets := []string{wifiSecret, presetSecret, connReqPassword}

	// Admin sees each secret.
	if p := admin.params(fx.device, wifiKey)[wifiKey]; p.Value != wifiSecret {
		t.Errorf("admin: /parameters %s = %q, want the value set", wifiKey, p.Value)
	}
	if _, b := admin.call("GET", "/api/v1/presets/"+fx.preset, nil); !strings.Contains(string(b), presetSecret) {
		t.Errorf("admin: the preset's secret value is masked: %s", b)
	}

	// Non-admins get the secrets masked, not withheld: the names are
	// there, the values empty.
	for _, role := range roles[1:] {
		c := acs.api(t, role)
		if p, ok := c.params(fx.device, wifiKey)[wifiKey]; !ok || p.Value != "" {
			t.Errorf("%s: /parameters %s = %+v, want present and empty", role, wifiKey, p)
		}
		var pv struct {
			Values []paramValue `json:"values"`
		}
		c.do("GET", "/api/v1/presets/"+fx.preset, nil, &pv, http.StatusOK)
		if len(pv.Values) != 1 || pv.Values[0].Value != "" {
			t.Errorf("%s: preset values %+v, want the secret masked", role, pv.Values)
		}
		if d := c.device(fx.device); d.ConnReqPassword != "" || d.ConnReqUsername != "" {
			t.Errorf("%s sees the connection-request credentials", role)
		}
	}

	routes := openAPIRoutes(t, admin)
	for _, rt := range routes {
		if _, ok := routeRules[rt]; !ok {
			t.Errorf("route %s is in the OpenAPI document but not in this test's table: add who may call it", rt)
		}
	}
	for rt := range routeRules {
		if !slices.Contains(routes, rt) {
			t.Errorf("route %s is in this test's table but not in the OpenAPI document", rt)
		}
	}

	bad := map[string]string{
		"no token":      "",
		"unknown token": "Bearer gw_this-is-not-a-token",
		"empty bearer":  "Bearer ",
		"basic":         "Basic YWRtaW46YWRtaW4=",
		// A real token in the wrong scheme is still refused.
		"token as basic": "Basic " + acs.tokens["admin"],
	}
	for _, rt := range routes {
		rule, ok := routeRules[rt]
		if !ok {
			continue
		}
		method, _, _ := strings.Cut(rt, " ")
		path := rule.path(fx, "admin")
		for name, auth := range bad {
			c := admin.withAuth(auth)
			status, b := c.call(method, path, rule.body)
			if status != http.StatusUnauthorized {
				t.Errorf("%s with %s: HTTP %d, want 401: %s", rt, name, status, b)
				continue
			}
			checkError(t, rt+" with "+name, b, "unauthorized")
			for _, s := range secrets {
				if strings.Contains(string(b), s) {
					t.Errorf("%s with %s leaks a secret", rt, name)
				}
			}
		}
		for _, role := range roles {
			c := acs.api(t, role)
			allowed := slices.Contains(rule.allowed, role)
			p := rule.path(fx, role)
			if !allowed && rt == "DELETE /api/v1/devices/{id}" {
				p = devicePath(fx.device) // the real device: it must survive
			}
			status, b := c.call(method, p, rule.body)
			switch {
			case !allowed && status != http.StatusForbidden:
				t.Errorf("%s as %s: HTTP %d, want 403: %s", rt, role, status, b)
			case !allowed:
				checkError(t, rt+" as "+role, b, "forbidden")
			case status == http.StatusUnauthorized || status == http.StatusForbidden || status >= 500:
				t.Errorf("%s as %s (allowed): HTTP %d: %s", rt, role, status, b)
			}
			if role != "admin" {
				for _, s := range secrets {
					if strings.Contains(string(b), s) {
						t.Errorf("%s as %s: the answer holds a secret value: %s", rt, role, b)
					}
				}
			}
		}
	}
	admin.device(fx.device) // survived the DELETE attempts
	if p := admin.params(fx.device, wifiKey)[wifiKey]; p.Value != wifiSecret {
		t.Errorf("admin: after the route checks /parameters %s = %q, want the value set", wifiKey, p.Value)
	}
	t.Logf("%d routes × (%d bad credentials + %d roles)", len(routes), len(bad), len(roles))

	// Task types carry their own permission on top of the route's.
	for _, tr := range taskRules {
		for _, role := range roles {
			allowed := slices.Contains(tr.allowed, role)
			target := fx.device
			if allowed {
				target = missingID // allowed: the permission passes, the device does not exist
			}
			status, b := acs.api(t, role).call("POST", devicePath(target)+"/tasks", tr.body)
			switch {
			case !allowed && status != http.StatusForbidden:
				t.Errorf("%v task as %s: HTTP %d, want 403: %s", tr.body["type"], role, status, b)
			case allowed && status != http.StatusNotFound:
				t.Errorf("%v task as %s on a missing device: HTTP %d, want 404: %s", tr.body["type"], role, status, b)
			}
		}
	}

	// The audit log holds the calls: changes by every role, refusals,
	// and support staff's reads of the device.
	entries := auditLog(t, admin)
	want := []struct {
		actor, action string
		status        int
	}{
		{"e2e-admin", "POST /api/v1/devices/{id}/tasks", http.StatusOK},
		{"e2e-admin", "PUT /api/v1/presets/{name}", http.StatusCreated},
		{"e2e-operator", "PUT /api/v1/devices/{id}/tags/{tag}", http.StatusOK},
		{"e2e-operator", "DELETE /api/v1/devices/{id}", http.StatusForbidden},
		{"e2e-support", "POST /api/v1/devices/{id}/tasks", http.StatusOK},
		{"e2e-support", "POST /api/v1/devices/{id}/tasks", http.StatusForbidden},
		{"e2e-support", "GET /api/v1/devices/{id}", http.StatusOK},
		{"e2e-support", "GET /api/v1/devices/{id}/parameters", http.StatusOK},
		{"e2e-readonly", "PUT /api/v1/presets/{name}", http.StatusForbidden},
	}
	for _, w := range want {
		found := false
		for _, e := range entries {
			if e.Actor == w.actor && e.Action == w.action && e.Status == w.status {
				found = true
				if e.Time.IsZero() || e.Role == "" || e.Seq == 0 {
					t.Errorf("audit entry without time, role or sequence: %+v", e)
				}
				if strings.Contains(w.action, "{id}") && e.Target != fx.device && e.Target != missingID {
					t.Errorf("audit entry %+v: target %q, want the device", w, e.Target)
				}
				break
			}
		}
		if !found {
			t.Errorf("no audit entry %+v among %d entries", w, len(entries))
		}
	}
	for _, e := range entries {
		for _, s := range secrets {
			if strings.Contains(e.Detail, s) {
				t.Errorf("audit entry %d holds a secret value", e.Seq)
			}
		}
		if e.Role == "readonly" && e.Action == "GET /api/v1/devices/{id}" {
			t.Errorf("a readonly read was audited (only support reads are): %+v", e)
		}
	}
}

// withAuth returns a client that sends this Authorization value verbatim
// ("" sends none).
func (c *apiClient) withAuth(header string) *apiClient {
	cp := *c
	cp.token = ""
	cp.rawAuth = header
	return &cp
}

// checkError insists on the error shape of ARCHITECTURE.md.
func checkError(t *testing.T, what string, b []byte, code string) {
	t.Helper()
	var e struct {
		Error string `json:"error"`
		Code  string `json:"code"`
	}
	if err := json.Unmarshal(b, &e); err != nil || e.Error == "" || e.Code != code {
		t.Errorf("%s: error body %s, want {\"error\": ..., \"code\": %q}", what, b, code)
	}
}

// openAPIRoutes lists "METHOD /api/v1/path" for every operation of the
// served OpenAPI document.
func openAPIRoutes(t *testing.T, c *apiClient) []string {
	t.Helper()
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	c.do("GET", "/api/v1/openapi.json", nil, &doc, http.StatusOK)
	if !strings.HasPrefix(doc.OpenAPI, "3.") || len(doc.Paths) == 0 {
		t.Fatalf("openapi.json: version %q, %d paths", doc.OpenAPI, len(doc.Paths))
	}
	var out []string
	for p, ops := range doc.Paths {
		if !strings.HasPrefix(p, "/api/v1") {
			p = "/api/v1" + p
		}
		for m := range ops {
			switch m {
			case "get", "put", "post", "delete", "patch", "head":
				out = append(out, strings.ToUpper(m)+" "+p)
			}
		}
	}
	sort.Strings(out)
	return out
}

type auditEntry struct {
	Seq    uint64    `json:"seq"`
	Time   time.Time `json:"time"`
	Actor  string    `json:"actor"`
	Role   string    `json:"role"`
	Action string    `json:"action"`
	Target string    `json:"target"`
	Status int       `json:"status"`
	Detail string    `json:"detail"`
}

// auditLog reads the whole audit log, page by page.
func auditLog(t *testing.T, admin *apiClient) []auditEntry {
	t.Helper()
	var all []auditEntry
	after := ""
	for range 100 {
		var page struct {
			Entries []auditEntry `json:"entries"`
			Next    string       `json:"next"`
		}
		path := "/api/v1/audit?limit=200"
		if after != "" {
			path += "&after=" + after
		}
		admin.do("GET", path, nil, &page, http.StatusOK)
		all = append(all, page.Entries...)
		if page.Next == "" {
			return all
		}
		after = page.Next
	}
	t.Fatal("the audit log does not end")
	return nil
}
