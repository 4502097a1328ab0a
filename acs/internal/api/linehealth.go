package api

import (
	"fmt"
	"net/http"

	"gatewarden/acs/internal/store"
)

// LineHealthStore is where the line-health verdicts are kept.
type LineHealthStore interface {
	store.Health
}

// lineHealthView is a device's line health.
type lineHealthView struct {
	Device   string             `json:"device"`
	State    string             `json:"state" enum:"good,degraded,failing,unknown"`
	Previous string             `json:"previous,omitempty" doc:"the state before the last change"`
	Since    jsonTime           `json:"since" doc:"when the line entered its state"`
	Worsened jsonTime           `json:"worsened" doc:"the last change for the worse; null if never"`
	Reasons  []string           `json:"reasons" doc:"why the line is judged so, worst first"`
	Updated  jsonTime           `json:"updated"`
	KPIs     map[string]float64 `json:"kpis" doc:"syncRatioDown/Up, rateDown/UpKbps, maxRateDown/UpKbps, noiseMarginDown/UpDB, attenuationDown/UpDB, erroredSecsPerHour, retrains, wanAvailability, lineUp"`
	History  []kpiSnapshotView  `json:"history,omitempty" doc:"earlier judgements, oldest first (GET /devices/{id}/health only)"`
}

type kpiSnapshotView struct {
	Time  jsonTime           `json:"time"`
	State string             `json:"state"`
	KPIs  map[string]float64 `json:"kpis"`
}

type lineHealthList struct {
	Lines []lineHealthView `json:"lines"`
	Next  string           `json:"next,omitempty"`
}

func viewLineHealth(h store.LineHealth, history bool) lineHealthView {
	v := lineHealthView{Device: h.Device, State: h.State, Previous: h.Previous, Since: jsonTime(h.Since),
		Worsened: jsonTime(h.Worsened), Reasons: h.Reasons, Updated: jsonTime(h.Updated), KPIs: h.KPIs}
	if v.Reasons == nil {
		v.Reasons = []string{}
	}
	if v.KPIs == nil {
		v.KPIs = map[string]float64{}
	}
	if history {
		for _, s := range h.History {
			v.History = append(v.History, kpiSnapshotView{Time: jsonTime(s.Time), State: s.State, KPIs: s.KPIs})
		}
	}
	return v
}

func (a *api) lineHealthOff() error {
	return errorf(http.StatusServiceUnavailable, codeUnavailable, "this ACS judges no line health (it needs the MQTT lane's telemetry)")
}

// listDegraded lists the lines that are degraded or failing, so the
// operator can act before the customer calls.
func (a *api) listDegraded(c *call) (reply, error) {
	if a.lineHealth == nil {
		return reply{}, a.lineHealthOff()
	}
	limit, err := limitParam(c)
	if err != nil {
		return reply{}, err
	}
	list, next, err := a.lineHealth.TroubledLines(c.ctx(), c.query("after"), limit)
	if err != nil {
		return reply{}, fmt.Errorf("troubled lines: %w", err)
	}
	out := lineHealthList{Lines: make([]lineHealthView, 0, len(list)), Next: next}
	for _, h := range list {
		out.Lines = append(out.Lines, viewLineHealth(h, false))
	}
	return ok(out)
}

// getLineHealth shows one device's line health and its KPI history.
func (a *api) getLineHealth(c *call) (reply, error) {
	if a.lineHealth == nil {
		return reply{}, a.lineHealthOff()
	}
	id, err := deviceCall(c)
	if err != nil {
		return reply{}, err
	}
	h, err := a.lineHealth.LineHealth(c.ctx(), id)
	if isNotFound(err) {
		return reply{}, notFound("no telemetry has been judged for %s yet", id)
	}
	if err != nil {
		return reply{}, fmt.Errorf("line health of %s: %w", id, err)
	}
	return ok(viewLineHealth(h, true))
}

func (a *api) lineHealthRoutes() []*route {
	return []*route{
		{
			method: "GET", path: "/health/degraded", perm: PermRead, deviceRead: true,
			summary: "List the lines whose health is degraded or failing, by device ID",
			query:   []queryParam{qLimit, qAfter},
			replies: []replySpec{{200, lineHealthList{}, "a page of troubled lines; `next` is absent on the last page"}},
			handle:  a.listDegraded,
		},
		{
			method: "GET", path: "/devices/{id}/health", perm: PermRead, deviceRead: true,
			summary: "Show a device's line health, with its KPI history",
			replies: []replySpec{{200, lineHealthView{}, "the line's health"}},
			handle:  a.getLineHealth,
		},
	}
}

func init() {
	schemaNames[typeOf(lineHealthView{})] = "LineHealth"
	schemaNames[typeOf(kpiSnapshotView{})] = "KPISnapshot"
	schemaNames[typeOf(lineHealthList{})] = "LineHealthList"
}
