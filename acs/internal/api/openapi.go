package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gatewarden/protocol/buildinfo"
)

// openAPIDocument describes the routes of the route table in OpenAPI 3.0.
// Paths, methods, permissions, query parameters and bodies come from the
// table and the body schemas from the Go types the handlers encode, so the
// document cannot drift from what is served.
func (a *api) openAPIDocument() map[string]any {
	g := newSchemaGen()
	paths := map[string]map[string]any{}
	for _, rt := range a.routes {
		item := paths[rt.path]
		if item == nil {
			item = map[string]any{}
			paths[rt.path] = item
		}
		item[strings.ToLower(rt.method)] = a.operation(g, rt)
	}
	g.ref(typeOf(errorBody{})) // every operation's error answers use it
	return map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{
			"title":   "Gatewarden ACS REST API",
			"version": buildinfo.String(),
			"description": "Bearer tokens with roles admin, operator, support, readonly. " +
				"Only admin sees hidden and secured parameter values. Device IDs in paths are escaped " +
				"once more than the ID itself: each % becomes %25.",
		},
		"servers":  []any{map[string]any{"url": apiPrefix}},
		"security": []any{map[string]any{"bearerAuth": []any{}}},
		"paths":    paths,
		"components": map[string]any{
			"securitySchemes": map[string]any{
				"bearerAuth": map[string]any{"type": "http", "scheme": "bearer"},
			},
			"schemas": g.schemas,
		},
	}
}

var pathParam = regexp.MustCompile(`\{([a-zA-Z]+)\}`)

func (a *api) operation(g *schemaGen, rt *route) map[string]any {
	var roles []string
	for _, r := range Roles() {
		if r.Can(rt.perm) {
			roles = append(roles, string(r))
		}
	}
	desc := fmt.Sprintf("Needs permission %s (roles: %s).", rt.perm, strings.Join(roles, ", "))
	if rt.mutating() {
		desc += " Audited."
	} else if rt.deviceRead {
		desc += " Audited when the caller has role support."
	}
	if rt.path == "/devices/{id}/tasks" {
		desc += " Task types needing permission taskConfig (not support): " + strings.Join(configTaskTypes(), ", ") + "."
	}
	op := map[string]any{
		"operationId":  operationID(rt),
		"summary":      rt.summary,
		"description":  desc,
		"x-permission": string(rt.perm),
		"x-roles":      roles,
	}
	var params []any
	for _, m := range pathParam.FindAllStringSubmatch(rt.path, -1) {
		d := "path segment"
		if m[1] == "id" && strings.HasPrefix(rt.path, "/devices/") {
			d = "device ID with each % escaped as %25"
		}
		params = append(params, map[string]any{
			"name": m[1], "in": "path", "required": true, "description": d,
			"schema": map[string]any{"type": "string"},
		})
	}
	for _, q := range rt.query {
		params = append(params, map[string]any{
			"name": q.name, "in": "query", "required": false, "description": q.doc,
			"schema": map[string]any{"type": q.typ},
		})
	}
	if params != nil {
		op["parameters"] = params
	}
	if rt.body != nil {
		op["requestBody"] = map[string]any{
			"required": true,
			"content":  map[string]any{"application/json": map[string]any{"schema": g.ref(typeOf(rt.body))}},
		}
	}
	responses := map[string]any{}
	for _, rs := range rt.replies {
		r := map[string]any{"description": rs.doc}
		if rs.body != nil {
			r["content"] = map[string]any{"application/json": map[string]any{"schema": g.ref(typeOf(rs.body))}}
		}
		responses[strconv.Itoa(rs.status)] = r
	}
	errorResp := func(doc string) map[string]any {
		return map[string]any{
			"description": doc,
			"content":     map[string]any{"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Error"}}},
		}
	}
	responses["401"] = errorResp("missing or refused token")
	responses["403"] = errorResp("the token's role may not do this")
	if rt.query != nil || rt.body != nil || params != nil {
		responses["400"] = errorResp("invalid request: see error and code")
	}
	if strings.Contains(rt.path, "{") {
		responses["404"] = errorResp("not found")
	}
	if rt.body != nil {
		responses["413"] = errorResp("body larger than 1 MiB")
		responses["415"] = errorResp("body not sent as application/json")
	}
	if rt.path == "/presets/{name}" && rt.method == http.MethodPut {
		responses["409"] = errorResp("version given does not match the stored preset")
	}
	responses["default"] = errorResp("server-side failure")
	op["responses"] = responses
	return op
}

// operationID turns "GET /devices/{id}/tags/{tag}" into
// "get_devices_id_tags_tag".
func operationID(rt *route) string {
	r := strings.NewReplacer("/", "_", "{", "", "}", "", ".", "_")
	return strings.ToLower(rt.method) + r.Replace(rt.path)
}

func configTaskTypes() []string {
	var out []string
	for t, p := range taskPermission {
		if p == PermTaskConfig {
			out = append(out, t)
		}
	}
	slices.Sort(out)
	return out
}

// getOpenAPI serves the document built once at start.
func (a *api) getOpenAPI(c *call) (reply, error) {
	return ok(a.openAPIJSON)
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic("api: " + err.Error())
	}
	return b
}
