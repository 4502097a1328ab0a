package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"gatewarden/acs/internal/lane"
	"gatewarden/acs/internal/store"
)

// fakeMQTT is the lane as the API sees it: any preset pushes to group
// "pilot" (two devices), "outside" is refused for the filter, others have
// no members; any push ID names a push, so role checks reach the handler.
type fakeMQTT struct {
	mu     sync.Mutex
	pushes map[string]store.Push
}

func newFakeMQTT() *fakeMQTT { return &fakeMQTT{pushes: map[string]store.Push{}} }

func (f *fakeMQTT) PushPreset(_ context.Context, name, group, actor string) (store.Push, error) {
	switch {
	case name == "missing":
		return store.Push{}, fmt.Errorf("preset: %w", store.ErrNotFound)
	case group == "outside":
		return store.Push{}, fmt.Errorf("%w: 1 of 2", lane.ErrOutsideFilter)
	case group != "pilot":
		return store.Push{}, fmt.Errorf("%w: %q", lane.ErrNoGroup, group)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	p := store.Push{ID: fmt.Sprintf("p%d", len(f.pushes)+1), Preset: name, Group: group, Version: "m:" + name + "@1-abcdef",
		Actor: actor, Created: time.Now(), Counts: map[string]int{store.DeliveryPending: 1, store.DeliveryApplied: 1}}
	f.pushes[p.ID] = p
	return p, nil
}

func (f *fakeMQTT) PushStatus(_ context.Context, id, after string, limit int) (store.Push, []store.Delivery, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.pushes[id]
	if !ok {
		p = store.Push{ID: id, Counts: map[string]int{}}
	}
	ds := []store.Delivery{
		{Push: id, Device: "A", Status: store.DeliveryApplied},
		{Push: id, Device: "B", Status: store.DeliveryFault, Fault: &store.TaskFault{Code: 9007, Message: "bad"}},
	}
	if after == "A" {
		return p, ds[1:], "", nil
	}
	if limit == 1 {
		return p, ds[:1], "A", nil
	}
	return p, ds, "", nil
}

func (f *fakeMQTT) Pushes(_ context.Context, preset string, _ int) ([]store.Push, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []store.Push
	for _, p := range f.pushes {
		if p.Preset == preset {
			out = append(out, p)
		}
	}
	return out, nil
}

func (f *fakeMQTT) Telemetry(_ context.Context, device string, since time.Time, _ int) ([]store.TelemetrySample, error) {
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if since.After(at) {
		return nil, nil
	}
	return []store.TelemetrySample{{Device: device, Time: at, Values: map[string]string{"Device.DeviceInfo.UpTime": "5"}}}, nil
}

func TestPresetPushRoutes(t *testing.T) {
	e := newEnv(t)
	r := e.do("POST", apiPrefix+"/presets/wifi/push", RoleOperator, `{"group":"pilot"}`)
	wantStatus(t, r, http.StatusAccepted)
	var v pushView
	if err := json.Unmarshal(r.Body.Bytes(), &v); err != nil {
		t.Fatal(err)
	}
	if v.ID == "" || v.Group != "pilot" || v.Counts.Total != 2 || v.Counts.Pending != 1 || v.Counts.Applied != 1 {
		t.Fatalf("push answer %s", r.Body.String())
	}
	if loc := r.Header().Get("Location"); loc != apiPrefix+"/pushes/"+v.ID {
		t.Fatalf("Location %q", loc)
	}
	wantError(t, e.do("POST", apiPrefix+"/presets/wifi/push", RoleOperator, `{"group":"outside"}`), http.StatusConflict, codeConflict)
	wantError(t, e.do("POST", apiPrefix+"/presets/wifi/push", RoleOperator, `{"group":"nobody"}`), http.StatusBadRequest, codeBadRequest)
	wantError(t, e.do("POST", apiPrefix+"/presets/missing/push", RoleOperator, `{"group":"pilot"}`), http.StatusNotFound, codeNotFound)
	wantStatus(t, e.do("POST", apiPrefix+"/presets/wifi/push", RoleSupport, `{"group":"pilot"}`), http.StatusForbidden)

	r = e.do("GET", apiPrefix+"/pushes/"+v.ID+"?limit=1", RoleReadonly, "")
	wantStatus(t, r, http.StatusOK)
	if !strings.Contains(r.Body.String(), `"next":"A"`) || strings.Contains(r.Body.String(), `"B"`) {
		t.Fatalf("first page %s", r.Body.String())
	}
	r = e.do("GET", apiPrefix+"/pushes/"+v.ID+"?after=A", RoleReadonly, "")
	if !strings.Contains(r.Body.String(), `"fault":{"code":9007`) {
		t.Fatalf("second page %s", r.Body.String())
	}
	r = e.do("GET", apiPrefix+"/presets/wifi/pushes", RoleReadonly, "")
	wantStatus(t, r, http.StatusOK)
	if !strings.Contains(r.Body.String(), v.ID) {
		t.Fatalf("list %s", r.Body.String())
	}
}

func TestTelemetryRoute(t *testing.T) {
	e := newEnv(t)
	id := "00D09E-GW-SN1"
	r := e.do("GET", apiPrefix+"/devices/"+urlID(id)+"/telemetry?since=2025-12-31T00:00:00Z", RoleSupport, "")
	wantStatus(t, r, http.StatusOK)
	if !strings.Contains(r.Body.String(), `"Device.DeviceInfo.UpTime":"5"`) || !strings.Contains(r.Body.String(), `"time":"2026-01-01T00:00:00Z"`) {
		t.Fatalf("telemetry %s", r.Body.String())
	}
	r = e.do("GET", apiPrefix+"/devices/"+urlID(id)+"/telemetry?since=2026-06-01T00:00:00Z", RoleSupport, "")
	if !strings.Contains(r.Body.String(), `"samples":[]`) {
		t.Fatalf("telemetry since later %s", r.Body.String())
	}
	wantError(t, e.do("GET", apiPrefix+"/devices/"+urlID(id)+"/telemetry?since=yesterday", RoleSupport, ""), http.StatusBadRequest, codeInvalidQuery)
	wantStatus(t, e.do("GET", apiPrefix+"/devices/"+urlID(id)+"/telemetry?since=-1h", RoleSupport, ""), http.StatusOK)
}

func TestMQTTRoutesWithoutLane(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.MQTT = nil })
	wantStatus(t, e.do("POST", apiPrefix+"/presets/wifi/push", RoleAdmin, `{"group":"pilot"}`), http.StatusServiceUnavailable)
	wantStatus(t, e.do("GET", apiPrefix+"/pushes/x", RoleAdmin, ""), http.StatusServiceUnavailable)
}
