package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"gatewarden/acs/internal/api/apitest"
	"gatewarden/acs/internal/store"
	"gatewarden/acs/internal/store/bbolt"
)

// TestWithBboltStore runs the API over the real embedded store, so the
// assumptions the handlers make about the store contract (paging cursor,
// not-found errors, preset versions, audit order, token lookup) are
// checked against the implementation the ACS ships with.
func TestWithBboltStore(t *testing.T) {
	st, err := bbolt.Open(filepath.Join(t.TempDir(), "acs.db"), bbolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	for i := range 5 {
		serial := fmt.Sprintf("SN %d", i)
		_, err := st.RecordInform(ctx, store.Inform{
			Device: store.Device{ID: fmt.Sprintf("00D09E-Router%%2DX-SN%%20%d", i), OUI: "00D09E", ProductClass: "Router-X",
				SerialNumber: serial, Root: "Device."},
			Params: []store.Param{
				{Name: "Device.WiFi.SSID.1.SSID", Value: "home", Type: "xsd:string"},
				{Name: "Device.WiFi.AccessPoint.1.Security.KeyPassphrase", Value: "bbolt-secret", Type: "xsd:string"},
			},
			Time: time.Now(),
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	runner := &storeRunner{st: st}
	h := newAPI(Options{Store: st, Tasks: runner, CompileFilter: apitest.Filter,
		Registry: prometheus.NewRegistry(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	e := &testEnv{t: t, api: h, tokens: map[Role]string{}}
	for _, r := range []Role{RoleAdmin, RoleOperator, RoleSupport} {
		tok, err := CreateToken(ctx, st, string(r), string(r))
		if err != nil {
			t.Fatal(err)
		}
		e.tokens[r] = tok
	}
	wantStatus(t, e.doToken("GET", apiPrefix+"/devices", "wrong", ""), http.StatusUnauthorized)

	// Paging ends with no next.
	var ids []string
	after := ""
	for range 5 {
		m := e.do("GET", apiPrefix+"/devices?limit=2&after="+queryEscape(after), RoleSupport, "").json(t)
		for _, d := range m["devices"].([]any) {
			ids = append(ids, d.(map[string]any)["id"].(string))
		}
		next, ok := m["next"].(string)
		if !ok {
			break
		}
		after = next
	}
	if len(ids) != 5 || ids[0] != "00D09E-Router%2DX-SN%200" {
		t.Errorf("paged ids %v", ids)
	}

	dev := apiPrefix + "/devices/" + urlID(ids[0])
	r := e.do("GET", dev+"/parameters", RoleSupport, "")
	wantStatus(t, r, http.StatusOK)
	if strings.Contains(r.Body.String(), "bbolt-secret") || !strings.Contains(e.do("GET", dev+"/parameters", RoleAdmin, "").Body.String(), "bbolt-secret") {
		t.Error("masking differs on the bbolt store")
	}
	if tags := e.do("PUT", dev+"/tags/lab", RoleOperator, "").json(t)["tags"]; fmt.Sprint(tags) != "[lab]" {
		t.Errorf("tags %v", tags)
	}

	// A task round trip through the real task table.
	r = e.do("POST", dev+"/tasks?wait=2s", RoleSupport, `{"type":"reboot"}`)
	wantStatus(t, r, http.StatusOK)
	if m := r.json(t); m["status"] != "done" {
		t.Errorf("task %v", m)
	}

	// Preset versions: apply, re-apply what was shown, refuse a stale one.
	body := `{"values":[{"name":"Device.WiFi.SSID.1.SSID","value":"fleet"}]}`
	wantStatus(t, e.do("PUT", apiPrefix+"/presets/p", RoleOperator, body), http.StatusCreated)
	shown := e.do("GET", apiPrefix+"/presets/p", RoleOperator, "").Body.String()
	wantStatus(t, e.do("PUT", apiPrefix+"/presets/p", RoleOperator, shown), http.StatusOK)
	wantError(t, e.do("PUT", apiPrefix+"/presets/p", RoleOperator, shown), http.StatusConflict, codeConflict)

	wantStatus(t, e.do("DELETE", dev, RoleAdmin, ""), http.StatusNoContent)
	wantError(t, e.do("DELETE", dev, RoleAdmin, ""), http.StatusNotFound, codeNotFound)
	wantError(t, e.do("GET", dev, RoleAdmin, ""), http.StatusNotFound, codeNotFound)

	m := e.do("GET", apiPrefix+"/audit?limit=1000", RoleAdmin, "").json(t)
	var actions []string
	for _, en := range m["entries"].([]any) {
		actions = append(actions, en.(map[string]any)["actor"].(string)+" "+en.(map[string]any)["action"].(string))
	}
	want := []string{
		"support GET /api/v1/devices", "support GET /api/v1/devices", "support GET /api/v1/devices",
		"support GET /api/v1/devices/{id}/parameters",
		"operator PUT /api/v1/devices/{id}/tags/{tag}",
		"support POST /api/v1/devices/{id}/tasks",
		"operator PUT /api/v1/presets/{name}", "operator PUT /api/v1/presets/{name}", "operator PUT /api/v1/presets/{name}",
		"admin DELETE /api/v1/devices/{id}", "admin DELETE /api/v1/devices/{id}",
	}
	if strings.Join(actions, "\n") != strings.Join(want, "\n") {
		t.Errorf("audit log:\n%s", strings.Join(actions, "\n"))
	}
}

// storeRunner completes tasks at once in the store, as a device answering
// immediately would.
type storeRunner struct{ st *bbolt.Store }

func (r *storeRunner) Submit(ctx context.Context, t *store.Task) error {
	if err := r.st.AddTask(ctx, t); err != nil {
		return err
	}
	done := *t
	done.Status, done.Completed, done.Result = store.StatusDone, time.Now(), json.RawMessage(`{}`)
	return r.st.UpdateTask(ctx, done)
}

func (r *storeRunner) Wait(ctx context.Context, id string) (store.Task, error) {
	return r.st.Task(ctx, id)
}
