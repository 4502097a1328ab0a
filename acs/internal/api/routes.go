package api

import "net/http"

// route is everything the API knows about one endpoint.
type route struct {
	method string
	path   string // under apiPrefix, in ServeMux pattern syntax
	perm   Permission
	// deviceRead: the route returns device data; support reads of it are
	// audited.
	deviceRead bool
	summary    string
	query      []queryParam
	body       any // the request body's type (a zero value), nil for none
	replies    []replySpec
	handle     func(c *call) (reply, error)
}

type queryParam struct {
	name, typ, doc string
}

type replySpec struct {
	status int
	body   any // nil: no body
	doc    string
}

func (rt *route) pattern() string { return rt.method + " " + apiPrefix + rt.path }

// mutating routes change state and are always audited.
func (rt *route) mutating() bool {
	return rt.method != http.MethodGet && rt.method != http.MethodHead
}

// Query parameters shared by several routes.
var (
	qLimit = queryParam{"limit", "integer", "page size, 1 to 1000 (default 100)"}
	qAfter = queryParam{"after", "string", "the `next` of the previous page"}
)

// routeTable is the single list of API routes: the mux, the permission
// checks, the audit rule and the OpenAPI document all come from it. Later
// issues add rows here (preset push, files, campaigns, diagnostics,
// tickets, telemetry, health).
func (a *api) routeTable() []*route {
	return append([]*route{
		{
			method: "GET", path: "/devices", perm: PermRead, deviceRead: true,
			summary: "List devices, optionally filtered, in pages ordered by ID",
			query: []queryParam{
				{"filter", "string", `filter expression, e.g. productClass = "X" AND tag = "pilot"`},
				qLimit, qAfter,
			},
			replies: []replySpec{{200, deviceList{}, "a page of devices; `next` is absent on the last page"}},
			handle:  a.listDevices,
		},
		{
			method: "GET", path: "/devices/{id}", perm: PermRead, deviceRead: true,
			summary: "Show one device",
			replies: []replySpec{{200, deviceView{}, "the device"}},
			handle:  a.getDevice,
		},
		{
			method: "DELETE", path: "/devices/{id}", perm: PermDeleteDevice,
			summary: "Remove a device from the inventory (it returns with its next Inform)",
			replies: []replySpec{{204, nil, "deleted"}},
			handle:  a.deleteDevice,
		},
		{
			method: "PUT", path: "/devices/{id}/tags/{tag}", perm: PermTag,
			summary: "Tag a device (idempotent)",
			replies: []replySpec{{200, deviceView{}, "the device with its tags"}},
			handle:  a.putTag,
		},
		{
			method: "DELETE", path: "/devices/{id}/tags/{tag}", perm: PermTag,
			summary: "Remove a tag from a device (idempotent)",
			replies: []replySpec{{200, deviceView{}, "the device with its tags"}},
			handle:  a.deleteTag,
		},
		{
			method: "GET", path: "/devices/{id}/parameters", perm: PermRead, deviceRead: true,
			summary: "Last known parameter values of a device",
			query:   []queryParam{{"prefix", "string", "only names starting with this, e.g. Device.WiFi."}},
			replies: []replySpec{{200, parameterList{}, "parameters sorted by name; secret values are empty unless the caller is admin"}},
			handle:  a.getParameters,
		},
		{
			method: "POST", path: "/devices/{id}/tasks", perm: PermTaskSupport,
			summary: "Queue a task for a device, wake it and wait for the result",
			query:   []queryParam{{"wait", "string", "Go duration to wait for the result, at most 120s (default 0: do not wait)"}},
			body:    taskRequest{},
			replies: []replySpec{
				{200, taskView{}, "the task finished (done or fault) within `wait`"},
				{202, taskView{}, "the task is queued or running; poll GET /tasks/{id}"},
			},
			handle: a.postTask,
		},
		{
			method: "GET", path: "/tasks/{id}", perm: PermRead, deviceRead: true,
			summary: "Show a task and its result",
			replies: []replySpec{{200, taskView{}, "the task"}},
			handle:  a.getTask,
		},
		{
			method: "GET", path: "/faults", perm: PermRead, deviceRead: true,
			summary: "Faults, newest first",
			query:   []queryParam{{"device", "string", "only this device's faults"}, qLimit},
			replies: []replySpec{{200, faultList{}, "faults"}},
			handle:  a.listFaults,
		},
		{
			method: "GET", path: "/audit", perm: PermAudit,
			summary: "The audit log, oldest first",
			query:   []queryParam{{"after", "integer", "the `next` of the previous page (a sequence number)"}, qLimit},
			replies: []replySpec{{200, auditLog{}, "a page of entries; `next` is absent on the last page"}},
			handle:  a.getAudit,
		},
		{
			method: "GET", path: "/presets", perm: PermRead,
			summary: "List presets",
			replies: []replySpec{{200, presetList{}, "presets sorted by name"}},
			handle:  a.listPresets,
		},
		{
			method: "GET", path: "/presets/{name}", perm: PermRead,
			summary: "Show a preset",
			replies: []replySpec{{200, presetView{}, "the preset"}},
			handle:  a.getPreset,
		},
		{
			method: "PUT", path: "/presets/{name}", perm: PermPresetWrite,
			summary: "Create or replace a preset; its filter and values are checked before it is saved",
			body:    presetInput{},
			replies: []replySpec{
				{200, presetView{}, "replaced"},
				{201, presetView{}, "created"},
			},
			handle: a.putPreset,
		},
		{
			method: "GET", path: "/openapi.json", perm: PermRead,
			summary: "This API's OpenAPI 3 document",
			replies: []replySpec{{200, map[string]any{}, "the OpenAPI document"}},
			handle:  a.getOpenAPI,
		},
	}, append(append(a.campaignRoutes(), a.mqttRoutes()...), a.supportRoutes()...)...) // files and campaigns: campaigns.go; MQTT lane: mqtt.go; support: diagnostics.go
}
