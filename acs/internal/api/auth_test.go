package api

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"slices"
	"strings"
	"testing"

	"gatewarden/acs/internal/api/apitest"
)

// wantRoles is the permission table of the issue, written out
// independently of roles.go and routes.go: a route whose roles drift from
// it fails here.
var wantRoles = map[string][]Role{
	"GET /api/v1/devices":                    {RoleAdmin, RoleOperator, RoleSupport, RoleReadonly},
	"GET /api/v1/devices/{id}":               {RoleAdmin, RoleOperator, RoleSupport, RoleReadonly},
	"DELETE /api/v1/devices/{id}":            {RoleAdmin},
	"PUT /api/v1/devices/{id}/tags/{tag}":    {RoleAdmin, RoleOperator},
	"DELETE /api/v1/devices/{id}/tags/{tag}": {RoleAdmin, RoleOperator},
	"GET /api/v1/devices/{id}/parameters":    {RoleAdmin, RoleOperator, RoleSupport, RoleReadonly},
	"POST /api/v1/devices/{id}/tasks":        {RoleAdmin, RoleOperator, RoleSupport},
	"GET /api/v1/tasks/{id}":                 {RoleAdmin, RoleOperator, RoleSupport, RoleReadonly},
	"GET /api/v1/faults":                     {RoleAdmin, RoleOperator, RoleSupport, RoleReadonly},
	"GET /api/v1/audit":                      {RoleAdmin},
	"GET /api/v1/presets":                    {RoleAdmin, RoleOperator, RoleSupport, RoleReadonly},
	"GET /api/v1/presets/{name}":             {RoleAdmin, RoleOperator, RoleSupport, RoleReadonly},
	"PUT /api/v1/presets/{name}":             {RoleAdmin, RoleOperator},
	"GET /api/v1/openapi.json":               {RoleAdmin, RoleOperator, RoleSupport, RoleReadonly},
	"POST /api/v1/files":                     {RoleAdmin, RoleOperator},
	"GET /api/v1/files":                      {RoleAdmin, RoleOperator, RoleSupport, RoleReadonly},
	"POST /api/v1/campaigns":                 {RoleAdmin, RoleOperator},
	"GET /api/v1/campaigns":                  {RoleAdmin, RoleOperator, RoleSupport, RoleReadonly},
	"GET /api/v1/campaigns/{id}":             {RoleAdmin, RoleOperator, RoleSupport, RoleReadonly},
	"POST /api/v1/campaigns/{id}/pause":      {RoleAdmin, RoleOperator},
	"POST /api/v1/campaigns/{id}/resume":     {RoleAdmin, RoleOperator},
	"POST /api/v1/campaigns/{id}/abort":      {RoleAdmin, RoleOperator},
	"POST /api/v1/presets/{name}/push":       {RoleAdmin, RoleOperator},
	"GET /api/v1/presets/{name}/pushes":      {RoleAdmin, RoleOperator, RoleSupport, RoleReadonly},
	"GET /api/v1/pushes/{id}":                {RoleAdmin, RoleOperator, RoleSupport, RoleReadonly},
	"GET /api/v1/devices/{id}/telemetry":     {RoleAdmin, RoleOperator, RoleSupport, RoleReadonly},
	"POST /api/v1/devices/{id}/diagnostics":  {RoleAdmin, RoleOperator, RoleSupport},
	"GET /api/v1/tickets/{ref}":              {RoleAdmin, RoleOperator, RoleSupport, RoleReadonly},
	"GET /api/v1/health/degraded":            {RoleAdmin, RoleOperator, RoleSupport, RoleReadonly},
	"GET /api/v1/devices/{id}/health":        {RoleAdmin, RoleOperator, RoleSupport, RoleReadonly},
}

// concrete fills a route's path parameters for device 1.
func (e *testEnv) concrete(rt *route) string {
	p := apiPrefix + rt.path
	id := urlID(dev1ID)
	if strings.HasPrefix(rt.path, "/tasks/") {
		tk := e.addTask()
		id = tk
	}
	p = strings.ReplaceAll(p, "{id}", id)
	p = strings.ReplaceAll(p, "{tag}", "lab")
	return strings.ReplaceAll(p, "{name}", "wifi")
}

func (e *testEnv) addTask() string {
	e.t.Helper()
	r := e.do("POST", apiPrefix+"/devices/"+urlID(dev1ID)+"/tasks", RoleAdmin, `{"type":"reboot"}`)
	wantStatus(e.t, r, http.StatusAccepted)
	return r.json(e.t)["id"].(string)
}

// validBody is a request body each body route accepts from every role
// that may call it.
func validBody(rt *route) string {
	switch rt.body.(type) {
	case taskRequest:
		return `{"type":"getParameterValues","parameters":["Device.DeviceInfo."]}`
	case presetInput:
		return `{"filter":"tag = \"pilot\"","values":[{"name":"Device.WiFi.SSID.1.SSID","value":"x"}]}`
	case campaignSpec:
		return `{"file":"fw-1"}`
	case pushRequest:
		return `{"group":"pilot"}`
	case diagRequest:
		return `{"kind":"ping","host":"192.0.2.1","ticket":"T-42"}`
	}
	return ""
}

func TestRouteTableMatchesPermissionTable(t *testing.T) {
	e := newEnv(t)
	seen := map[string]bool{}
	for _, rt := range e.api.routes {
		want, ok := wantRoles[rt.pattern()]
		if !ok {
			t.Errorf("route %s is not in the expected permission table", rt.pattern())
			continue
		}
		seen[rt.pattern()] = true
		var got []Role
		for _, r := range Roles() {
			if r.Can(rt.perm) {
				got = append(got, r)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: roles %v, want %v", rt.pattern(), got, want)
		}
		// The mux must hand the route's own pattern to the route.
		req, _ := http.NewRequest(rt.method, "http://x"+e.concrete(rt), nil)
		if _, pat := e.api.mux.Handler(req); pat != rt.pattern() {
			t.Errorf("mux routes %s to %q", rt.pattern(), pat)
		}
	}
	for p := range wantRoles {
		if !seen[p] {
			t.Errorf("expected route %s is not served", p)
		}
	}
}

func TestEveryRouteRefusesMissingOrWrongToken(t *testing.T) {
	e := newEnv(t)
	bad := map[string]string{
		"none":   "",
		"wrong":  "Bearer " + base64.RawURLEncoding.EncodeToString(make([]byte, 32)),
		"basic":  "Basic YWRtaW46YWRtaW4=",
		"empty":  "Bearer ",
		"nobear": e.tokens[RoleAdmin], // the token without its scheme
	}
	for _, rt := range e.api.routes {
		for name, h := range bad {
			req := httptestRequest(rt.method, e.concrete(rt), validBody(rt))
			if h != "" {
				req.Header.Set("Authorization", h)
			}
			rec := serve(e.api, req)
			if rec.Code != http.StatusUnauthorized {
				t.Errorf("%s with %s auth: status %d, want 401", rt.pattern(), name, rec.Code)
				continue
			}
			if !strings.HasPrefix(rec.Header().Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("%s: WWW-Authenticate %q", rt.pattern(), rec.Header().Get("WWW-Authenticate"))
			}
			if !strings.Contains(rec.Body.String(), `"code":"unauthorized"`) {
				t.Errorf("%s: body %s", rt.pattern(), rec.Body.String())
			}
		}
	}
	for _, a := range e.mem.Audit() {
		if a.Actor != "admin-token" || a.Status == http.StatusUnauthorized {
			t.Errorf("audit entry of an unauthenticated call: %+v", a)
		}
	}
}

func TestEveryRouteAppliesRoles(t *testing.T) {
	for _, role := range Roles() {
		t.Run(string(role), func(t *testing.T) {
			e := newEnv(t)
			for _, rt := range e.api.routes {
				e.seed() // an earlier DELETE may have removed the device
				r := e.do(rt.method, e.concrete(rt), role, validBody(rt))
				if role.Can(rt.perm) {
					if r.Code == http.StatusUnauthorized || r.Code == http.StatusForbidden || r.Code >= 500 {
						t.Errorf("%s as %s: status %d: %s", rt.pattern(), role, r.Code, r.Body.String())
					}
					continue
				}
				if r.Code != http.StatusForbidden {
					t.Errorf("%s as %s: status %d, want 403", rt.pattern(), role, r.Code)
					continue
				}
				wantError(t, r, http.StatusForbidden, codeForbidden)
			}
		})
	}
}

func TestTaskTypesByRole(t *testing.T) {
	bodies := map[string]string{
		taskGetParameterValues:     `{"type":"getParameterValues","parameters":["Device.DeviceInfo."]}`,
		taskRefresh:                `{"type":"refresh","prefix":"Device.WiFi."}`,
		taskReboot:                 `{"type":"reboot"}`,
		taskSetParameterValues:     `{"type":"setParameterValues","values":[{"name":"Device.WiFi.SSID.1.SSID","value":"x"}]}`,
		taskAddObject:              `{"type":"addObject","object":"Device.IP.Interface."}`,
		taskDeleteObject:           `{"type":"deleteObject","object":"Device.IP.Interface.2."}`,
		taskFactoryReset:           `{"type":"factoryReset"}`,
		taskDownload:               `{"type":"download","file":"fw-2.2.bin","fileType":"1 Firmware Upgrade Image"}`,
		taskSetParameterAttributes: `{"type":"setParameterAttributes","attributes":[{"name":"Device.WiFi.SSID.1.SSID","notification":2}]}`,
		taskUpload:                 `{"type":"upload","fileType":"2 Vendor Log File"}`,
	}
	if len(bodies) != len(taskPermission) {
		t.Fatalf("test covers %d task types, the API has %d", len(bodies), len(taskPermission))
	}
	e := newEnv(t)
	target := apiPrefix + "/devices/" + urlID(dev1ID) + "/tasks"
	for typ, body := range bodies {
		for _, role := range []Role{RoleAdmin, RoleOperator, RoleSupport} {
			r := e.do("POST", target, role, body)
			supportMay := typ == taskGetParameterValues || typ == taskRefresh || typ == taskReboot
			switch {
			case role == RoleSupport && !supportMay:
				wantError(t, r, http.StatusForbidden, codeForbidden)
			default:
				if r.Code != http.StatusAccepted {
					t.Errorf("%s as %s: status %d: %s", typ, role, r.Code, r.Body.String())
				}
			}
		}
	}
	for _, tk := range e.mem.Tasks() {
		want := PriorityFor(tk.Actor)
		if tk.Priority != want {
			t.Errorf("task by %s: priority %d, want %d", tk.Actor, tk.Priority, want)
		}
	}
}

// PriorityFor is the priority the queue must give a task of the test
// tokens.
func PriorityFor(actor string) int {
	if actor == "support-token" {
		return 400
	}
	return 300
}

func TestCreateToken(t *testing.T) {
	mem := apitest.NewMemStore()
	tok, err := CreateToken(context.Background(), mem, "noc-1", "operator")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(raw) != 32 {
		t.Fatalf("token %q: not 32 bytes of base64url (%v)", tok, err)
	}
	stored := mem.Tokens()
	if len(stored) != 1 {
		t.Fatalf("%d tokens stored", len(stored))
	}
	sum := sha256.Sum256([]byte(tok))
	if got := stored[0]; got.Name != "noc-1" || got.Role != "operator" || string(got.Hash) != string(sum[:]) || got.Created.IsZero() {
		t.Errorf("stored %+v", got)
	}
	if strings.Contains(string(stored[0].Hash), tok) {
		t.Error("token stored in plain text")
	}
	tok2, err := CreateToken(context.Background(), mem, "noc-2", "operator")
	if err != nil || tok2 == tok {
		t.Errorf("second token %q, %v", tok2, err)
	}
	for _, c := range []struct{ name, role string }{{"x", "root"}, {"", "admin"}, {"a b", "admin"}, {strings.Repeat("n", 65), "admin"}} {
		if _, err := CreateToken(context.Background(), mem, c.name, c.role); err == nil {
			t.Errorf("CreateToken(%q, %q) accepted", c.name, c.role)
		}
	}
	if _, err := CreateToken(context.Background(), mem, "noc-1", "admin"); err == nil {
		t.Error("a taken name was accepted")
	}
}

func TestTokenAuthenticates(t *testing.T) {
	e := newEnv(t)
	tok, err := CreateToken(context.Background(), e.mem, "late", "readonly")
	if err != nil {
		t.Fatal(err)
	}
	r := e.doToken("GET", apiPrefix+"/devices", tok, "")
	wantStatus(t, r, http.StatusOK)
	// The scheme is case-insensitive (RFC 9110 11.1).
	req := httptestRequest("GET", apiPrefix+"/devices", "")
	req.Header.Set("Authorization", "bearer "+tok)
	if rec := serve(e.api, req); rec.Code != http.StatusOK {
		t.Errorf("lower-case scheme: %d", rec.Code)
	}
}

func TestParseRole(t *testing.T) {
	for _, r := range Roles() {
		if got, err := ParseRole(string(r)); err != nil || got != r {
			t.Errorf("ParseRole(%s) = %v, %v", r, got, err)
		}
	}
	if _, err := ParseRole("Admin"); err == nil {
		t.Error("ParseRole accepted Admin")
	}
}
