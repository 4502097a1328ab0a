package api

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	"gatewarden/acs/internal/lane"
	"gatewarden/acs/internal/store"
)

// PushService is the MQTT lane as the API uses it (lane.Lane).
type PushService interface {
	PushPreset(ctx context.Context, name, group, actor string) (store.Push, error)
	PushStatus(ctx context.Context, id, after string, limit int) (store.Push, []store.Delivery, string, error)
	Pushes(ctx context.Context, preset string, limit int) ([]store.Push, error)
	Telemetry(ctx context.Context, device string, since time.Time, limit int) ([]store.TelemetrySample, error)
}

type pushRequest struct {
	Group string `json:"group" doc:"the device tag whose members get the bundle; every member must match the preset's filter"`
}

type pushCounts struct {
	Total     int `json:"total"`
	Pending   int `json:"pending" doc:"published, no answer yet (offline devices converge at their next Inform)"`
	Applied   int `json:"applied"`
	Unchanged int `json:"unchanged" doc:"the device already had this version"`
	Converged int `json:"converged" doc:"no ack, but the device's Inform shows the values"`
	Fault     int `json:"fault"`
	Rejected  int `json:"rejected"`
}

type deliveryView struct {
	Device  string         `json:"device"`
	Status  string         `json:"status" enum:"pending,applied,unchanged,converged,fault,rejected"`
	Updated jsonTime       `json:"updated"`
	Fault   *deliveryFault `json:"fault,omitempty"`
}

type deliveryFault struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

type pushView struct {
	ID            string         `json:"id"`
	Preset        string         `json:"preset"`
	PresetVersion int64          `json:"presetVersion"`
	Group         string         `json:"group"`
	Version       string         `json:"version" doc:"the bundle's version: the ParameterKey of a device that applied it"`
	Created       jsonTime       `json:"created"`
	Actor         string         `json:"actor"`
	Counts        pushCounts     `json:"counts"`
	Deliveries    []deliveryView `json:"deliveries,omitempty" doc:"one page, by device ID (GET /pushes/{id} only)"`
	Next          string         `json:"next,omitempty" doc:"the ?after= of the next page of deliveries"`
}

type pushList struct {
	Pushes []pushView `json:"pushes"`
}

type telemetrySampleView struct {
	Time   jsonTime          `json:"time"`
	Values map[string]string `json:"values"`
}

type telemetryList struct {
	Device  string                `json:"device"`
	Samples []telemetrySampleView `json:"samples" doc:"oldest first"`
}

func viewPush(p store.Push) pushView {
	return pushView{
		ID: p.ID, Preset: p.Preset, PresetVersion: p.PresetVersion, Group: p.Group, Version: p.Version,
		Created: jsonTime(p.Created), Actor: p.Actor,
		Counts: pushCounts{
			Total: p.Total(), Pending: p.Counts[store.DeliveryPending], Applied: p.Counts[store.DeliveryApplied],
			Unchanged: p.Counts[store.DeliveryUnchanged], Converged: p.Counts[store.DeliveryConverged],
			Fault: p.Counts[store.DeliveryFault], Rejected: p.Counts[store.DeliveryRejected],
		},
	}
}

func (a *api) noMQTT() error {
	return errorf(http.StatusServiceUnavailable, codeUnavailable, "this ACS runs no MQTT lane")
}

func (a *api) postPresetPush(c *call) (reply, error) {
	if a.mqtt == nil {
		return reply{}, a.noMQTT()
	}
	name := c.r.PathValue("name")
	c.target = name
	var req pushRequest
	if err := c.decode(&req); err != nil {
		return reply{}, err
	}
	p, err := a.mqtt.PushPreset(c.ctx(), name, req.Group, c.who.name)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return reply{}, notFound("no preset %q", name)
	case errors.Is(err, lane.ErrNoGroup), errors.Is(err, lane.ErrNothingToPush):
		return reply{}, badRequest(codeBadRequest, "%v", err)
	case errors.Is(err, lane.ErrOutsideFilter):
		return reply{}, errorf(http.StatusConflict, codeConflict, "%v", err)
	case err != nil && p.ID == "":
		return reply{}, err
	}
	// A push recorded but not published yet (broker trouble) is still
	// accepted: it is re-sent by the straggler pass and at restart, and
	// devices converge at their Informs.
	c.detail = "group " + req.Group + ", push " + p.ID
	return reply{status: http.StatusAccepted, body: viewPush(p), location: apiPrefix + "/pushes/" + url.PathEscape(p.ID)}, nil
}

func (a *api) getPush(c *call) (reply, error) {
	if a.mqtt == nil {
		return reply{}, a.noMQTT()
	}
	id := c.r.PathValue("id")
	c.target = id
	limit, err := limitParam(c)
	if err != nil {
		return reply{}, err
	}
	p, ds, next, err := a.mqtt.PushStatus(c.ctx(), id, c.query("after"), limit)
	if errors.Is(err, store.ErrNotFound) {
		return reply{}, notFound("no push %q", id)
	}
	if err != nil {
		return reply{}, err
	}
	v := viewPush(p)
	v.Deliveries = make([]deliveryView, 0, len(ds))
	for _, d := range ds {
		dv := deliveryView{Device: d.Device, Status: d.Status, Updated: jsonTime(d.Updated)}
		if d.Fault != nil {
			dv.Fault = &deliveryFault{Code: d.Fault.Code, Message: d.Fault.Message}
		}
		v.Deliveries = append(v.Deliveries, dv)
	}
	v.Next = next
	return ok(v)
}

func (a *api) listPresetPushes(c *call) (reply, error) {
	if a.mqtt == nil {
		return reply{}, a.noMQTT()
	}
	limit, err := limitParam(c)
	if err != nil {
		return reply{}, err
	}
	ps, err := a.mqtt.Pushes(c.ctx(), c.r.PathValue("name"), limit)
	if err != nil {
		return reply{}, err
	}
	out := pushList{Pushes: make([]pushView, 0, len(ps))}
	for _, p := range ps {
		out.Pushes = append(out.Pushes, viewPush(p))
	}
	return ok(out)
}

func (a *api) getTelemetry(c *call) (reply, error) {
	if a.mqtt == nil {
		return reply{}, a.noMQTT()
	}
	id, err := deviceIDFrom(c)
	if err != nil {
		return reply{}, err
	}
	c.target = id
	var since time.Time
	if s := c.query("since"); s != "" {
		if since, err = parseSince(s, a.now()); err != nil {
			return reply{}, badRequest(codeInvalidQuery, "since: want an RFC 3339 time or a negative Go duration (-1h), got %q", s)
		}
	}
	limit, err := limitParam(c)
	if err != nil {
		return reply{}, err
	}
	samples, err := a.mqtt.Telemetry(c.ctx(), id, since, limit)
	if err != nil {
		return reply{}, err
	}
	out := telemetryList{Device: id, Samples: make([]telemetrySampleView, 0, len(samples))}
	for _, s := range samples {
		out.Samples = append(out.Samples, telemetrySampleView{Time: jsonTime(s.Time), Values: s.Values})
	}
	return ok(out)
}

// parseSince reads an RFC 3339 time, or a duration before now ("-1h").
func parseSince(s string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d > 0 {
		return time.Time{}, errors.New("bad since")
	}
	return now.Add(d), nil
}

// mqttRoutes are the rows routeTable adds for the MQTT lane.
func (a *api) mqttRoutes() []*route {
	return []*route{
		{
			method: "POST", path: "/presets/{name}/push", perm: PermPresetWrite,
			summary: "Push a preset to a group (a device tag) over MQTT as one signed bundle; per-device answers are tracked, and devices offline now converge at their next Inform",
			body:    pushRequest{},
			replies: []replySpec{{202, pushView{}, "recorded and published; follow it at GET /pushes/{id} (409: members of the group outside the preset's filter)"}},
			handle:  a.postPresetPush,
		},
		{
			method: "GET", path: "/presets/{name}/pushes", perm: PermRead,
			summary: "Pushes of a preset, newest first",
			query:   []queryParam{qLimit},
			replies: []replySpec{{200, pushList{}, "pushes with their counts"}},
			handle:  a.listPresetPushes,
		},
		{
			method: "GET", path: "/pushes/{id}", perm: PermRead, deviceRead: true,
			summary: "A push's progress: counts by status and a page of per-device states",
			query:   []queryParam{qLimit, {"after", "string", "the `next` of the previous page (a device ID)"}},
			replies: []replySpec{{200, pushView{}, "the push"}},
			handle:  a.getPush,
		},
		{
			method: "GET", path: "/devices/{id}/telemetry", perm: PermRead, deviceRead: true,
			summary: "A device's telemetry history (published over MQTT), oldest first",
			query: []queryParam{
				{"since", "string", "RFC 3339 time, or a negative Go duration such as -1h (default: the oldest kept)"},
				qLimit,
			},
			replies: []replySpec{{200, telemetryList{}, "samples"}},
			handle:  a.getTelemetry,
		},
	}
}

func init() {
	schemaNames[typeOf(pushRequest{})] = "PushRequest"
	schemaNames[typeOf(pushView{})] = "Push"
	schemaNames[typeOf(pushCounts{})] = "PushCounts"
	schemaNames[typeOf(pushList{})] = "PushList"
	schemaNames[typeOf(deliveryView{})] = "PushDelivery"
	schemaNames[typeOf(deliveryFault{})] = "PushDeliveryFault"
	schemaNames[typeOf(telemetryList{})] = "TelemetryList"
	schemaNames[typeOf(telemetrySampleView{})] = "TelemetrySample"
}
