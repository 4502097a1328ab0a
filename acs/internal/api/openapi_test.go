package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"gatewarden/acs/internal/api/apitest"
	"gatewarden/acs/internal/store"
)

func fetchOpenAPI(t *testing.T, e *testEnv) map[string]any {
	t.Helper()
	r := e.do("GET", apiPrefix+"/openapi.json", RoleReadonly, "")
	wantStatus(t, r, http.StatusOK)
	doc := r.json(t)
	if doc["openapi"] != "3.0.3" {
		t.Fatalf("openapi %v", doc["openapi"])
	}
	return doc
}

func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	e := newEnv(t)
	doc := fetchOpenAPI(t, e)
	paths := doc["paths"].(map[string]any)
	for _, rt := range e.api.routes {
		item, ok := paths[rt.path].(map[string]any)
		if !ok {
			t.Errorf("%s: path not described", rt.pattern())
			continue
		}
		op, ok := item[strings.ToLower(rt.method)].(map[string]any)
		if !ok {
			t.Errorf("%s: method not described", rt.pattern())
			continue
		}
		if op["x-permission"] != string(rt.perm) {
			t.Errorf("%s: x-permission %v", rt.pattern(), op["x-permission"])
		}
		resps := op["responses"].(map[string]any)
		for _, code := range []string{"401", "403"} {
			if _, ok := resps[code]; !ok {
				t.Errorf("%s: response %s not described", rt.pattern(), code)
			}
		}
	}
	// And every described operation is served, by the route of its name.
	n := 0
	for path, item := range paths {
		for method := range item.(map[string]any) {
			n++
			concrete := strings.NewReplacer("{id}", "x", "{tag}", "t", "{name}", "n").Replace(path)
			req, _ := http.NewRequest(strings.ToUpper(method), "http://x"+apiPrefix+concrete, nil)
			want := strings.ToUpper(method) + " " + apiPrefix + path
			if _, pat := e.api.mux.Handler(req); pat != want {
				t.Errorf("described %s is served by %q", want, pat)
			}
		}
	}
	if n != len(e.api.routes) {
		t.Errorf("%d operations described, %d routes", n, len(e.api.routes))
	}
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	for _, s := range []string{"Device", "Parameter", "Task", "Fault", "Preset", "AuditEntry", "Error"} {
		if _, ok := schemas[s]; !ok {
			t.Errorf("schema %s missing", s)
		}
	}
	// Every $ref resolves.
	raw, _ := json.Marshal(doc)
	for _, part := range strings.Split(string(raw), `"$ref":"#/components/schemas/`)[1:] {
		name := part[:strings.IndexByte(part, '"')]
		if _, ok := schemas[name]; !ok {
			t.Errorf("$ref to missing schema %s", name)
		}
	}
}

// TestResponsesMatchSchemas validates real answers against the document,
// so a field added to a view but not to the document (or the reverse)
// fails here.
func TestResponsesMatchSchemas(t *testing.T) {
	e := newEnv(t)
	e.runner.Delay = 0
	e.runner.Finish = func(store.Task) apitest.Outcome {
		return apitest.Outcome{Result: json.RawMessage(`{"values":[{"name":"Device.WiFi.SSID.1.SSID","value":"home","type":"xsd:string"}]}`)}
	}
	doc := fetchOpenAPI(t, e)
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	dev := apiPrefix + "/devices/" + urlID(dev1ID)
	task := e.do("POST", dev+"/tasks?wait=5s", RoleAdmin, `{"type":"getParameterValues","parameters":["Device.WiFi."]}`)
	wantStatus(t, task, 200)
	cases := []struct {
		method, target, body string
		role                 Role
		schema               string
	}{
		{"GET", apiPrefix + "/devices?limit=1", "", RoleAdmin, "DeviceList"},
		{"GET", dev, "", RoleAdmin, "Device"},
		{"GET", dev, "", RoleReadonly, "Device"},
		{"GET", dev + "/parameters", "", RoleAdmin, "ParameterList"},
		{"GET", apiPrefix + "/tasks/" + task.json(t)["id"].(string), "", RoleAdmin, "Task"},
		{"POST", dev + "/tasks", `{"type":"reboot"}`, RoleAdmin, "Task"},
		{"GET", apiPrefix + "/faults", "", RoleAdmin, "FaultList"},
		{"GET", apiPrefix + "/presets", "", RoleAdmin, "PresetList"},
		{"GET", apiPrefix + "/presets/wifi", "", RoleAdmin, "Preset"},
		{"PUT", apiPrefix + "/presets/x", `{"values":[{"name":"Device.WiFi.SSID.1.SSID","value":"a"}],"attributes":[{"name":"Device.WiFi.SSID.1.SSID","notification":1}]}`, RoleAdmin, "Preset"},
		{"GET", apiPrefix + "/audit", "", RoleAdmin, "AuditLog"},
		{"GET", apiPrefix + "/audit", "", RoleReadonly, "Error"},
		{"GET", dev + "/nothing", "", RoleAdmin, "Error"},
	}
	for _, c := range cases {
		r := e.do(c.method, c.target, c.role, c.body)
		var v any
		if err := json.Unmarshal(r.Body.Bytes(), &v); err != nil {
			t.Fatalf("%s %s: %v", c.method, c.target, err)
		}
		for _, p := range validateSchema(v, map[string]any{"$ref": "#/components/schemas/" + c.schema}, schemas, "$") {
			t.Errorf("%s %s as %s: %s", c.method, c.target, c.role, p)
		}
	}
	// The validator itself must catch a drifted answer.
	if len(validateSchema(map[string]any{"error": "x", "code": "y", "extra": 1}, map[string]any{"$ref": "#/components/schemas/Error"}, schemas, "$")) == 0 {
		t.Error("validator accepts an undeclared field")
	}
	if len(validateSchema(map[string]any{"error": "x"}, map[string]any{"$ref": "#/components/schemas/Error"}, schemas, "$")) == 0 {
		t.Error("validator accepts a missing field")
	}
}

// validateSchema checks v against the subset of OpenAPI 3.0 schemas the
// generator writes.
func validateSchema(v any, s map[string]any, schemas map[string]any, at string) []string {
	if ref, ok := s["$ref"].(string); ok {
		return validateSchema(v, schemas[strings.TrimPrefix(ref, "#/components/schemas/")].(map[string]any), schemas, at)
	}
	if v == nil {
		if s["nullable"] == true {
			return nil
		}
		return []string{at + ": null where not nullable"}
	}
	if all, ok := s["allOf"].([]any); ok {
		var probs []string
		for _, sub := range all {
			probs = append(probs, validateSchema(v, sub.(map[string]any), schemas, at)...)
		}
		return probs
	}
	if enum, ok := s["enum"].([]any); ok && !slices.Contains(enum, v) {
		return []string{fmt.Sprintf("%s: %v not in %v", at, v, enum)}
	}
	switch s["type"] {
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			return []string{at + ": not an object"}
		}
		props, _ := s["properties"].(map[string]any)
		var probs []string
		for _, req := range s["required"].([]any) {
			if _, ok := m[req.(string)]; !ok {
				probs = append(probs, at+": missing "+req.(string))
			}
		}
		for k, val := range m {
			ps, ok := props[k].(map[string]any)
			if !ok {
				if props != nil {
					probs = append(probs, at+": undeclared "+k)
				}
				continue
			}
			probs = append(probs, validateSchema(val, ps, schemas, at+"."+k)...)
		}
		return probs
	case "array":
		l, ok := v.([]any)
		if !ok {
			return []string{at + ": not an array"}
		}
		var probs []string
		for i, item := range l {
			probs = append(probs, validateSchema(item, s["items"].(map[string]any), schemas, fmt.Sprintf("%s[%d]", at, i))...)
		}
		return probs
	case "string":
		if _, ok := v.(string); !ok {
			return []string{at + ": not a string"}
		}
	case "integer":
		if f, ok := v.(float64); !ok || f != float64(int64(f)) {
			return []string{at + ": not an integer"}
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			return []string{at + ": not a boolean"}
		}
	}
	return nil
}
