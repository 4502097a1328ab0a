package api

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"gatewarden/acs/internal/store"
)

func TestAuditMutatingCalls(t *testing.T) {
	e := newEnv(t)
	dev := apiPrefix + "/devices/" + urlID(dev1ID)
	calls := []struct {
		role   Role
		method string
		target string
		body   string
		status int
		action string
		detail string
	}{
		{RoleOperator, "PUT", dev + "/tags/lab", "", 200, "PUT /api/v1/devices/{id}/tags/{tag}", "tag lab"},
		{RoleOperator, "DELETE", dev + "/tags/lab", "", 200, "DELETE /api/v1/devices/{id}/tags/{tag}", "tag lab"},
		{RoleSupport, "POST", dev + "/tasks", `{"type":"reboot"}`, 202, "POST /api/v1/devices/{id}/tasks", "reboot"},
		{RoleSupport, "POST", dev + "/tasks", `{"type":"factoryReset"}`, 403, "POST /api/v1/devices/{id}/tasks", "forbidden"},
		{RoleReadonly, "PUT", dev + "/tags/x", "", 403, "PUT /api/v1/devices/{id}/tags/{tag}", "forbidden"},
		{RoleOperator, "PUT", apiPrefix + "/presets/p2", `{"values":[{"name":"Device.WiFi.SSID.1.SSID","value":"a"}]}`, 201, "PUT /api/v1/presets/{name}", "version 1"},
		{RoleAdmin, "DELETE", dev, "", 204, "DELETE /api/v1/devices/{id}", ""},
		{RoleAdmin, "DELETE", dev, "", 404, "DELETE /api/v1/devices/{id}", "not_found"},
	}
	for i, c := range calls {
		before := len(e.mem.Audit())
		r := e.do(c.method, c.target, c.role, c.body)
		wantStatus(t, r, c.status)
		log := e.mem.Audit()
		if len(log) != before+1 {
			t.Fatalf("call %d (%s %s): %d new audit entries", i, c.method, c.target, len(log)-before)
		}
		a := log[len(log)-1]
		wantTarget := dev1ID
		if strings.Contains(c.target, "/presets/") {
			wantTarget = "p2"
		}
		if a.Actor != string(c.role)+"-token" || a.Role != string(c.role) || a.Action != c.action ||
			a.Target != wantTarget || a.Status != c.status || !strings.Contains(a.Detail, c.detail) || a.Time.IsZero() {
			t.Errorf("call %d: audit entry %+v", i, a)
		}
	}
}

func TestAuditSupportReads(t *testing.T) {
	e := newEnv(t)
	dev := apiPrefix + "/devices/" + urlID(dev1ID)
	reads := []string{dev, dev + "/parameters", apiPrefix + "/devices", apiPrefix + "/faults?device=" + queryEscape(dev1ID)}
	for _, role := range Roles() {
		for _, target := range reads {
			before := len(e.mem.Audit())
			wantStatus(t, e.do("GET", target, role, ""), http.StatusOK)
			n := len(e.mem.Audit()) - before
			switch {
			case role == RoleSupport && n != 1:
				t.Errorf("support read of %s: %d audit entries", target, n)
			case role != RoleSupport && n != 0:
				t.Errorf("%s read of %s: %d audit entries", role, target, n)
			}
		}
	}
	for _, a := range e.mem.Audit() {
		if a.Role != "support" || !strings.HasPrefix(a.Action, "GET /api/v1/") || a.Status != 200 {
			t.Errorf("entry %+v", a)
		}
		if strings.HasPrefix(a.Action, "GET /api/v1/devices/{id}") && a.Target != dev1ID {
			t.Errorf("entry %+v: target", a)
		}
	}
	// Reading presets is not a read of a device.
	before := len(e.mem.Audit())
	e.do("GET", apiPrefix+"/presets", RoleSupport, "")
	if len(e.mem.Audit()) != before {
		t.Error("support read of presets was audited")
	}
}

func TestAuditFailure(t *testing.T) {
	e := newEnv(t)
	e.mem.AuditErr = errors.New("disk full")
	// A support read that cannot be audited is not served.
	r := e.do("GET", apiPrefix+"/devices/"+urlID(dev1ID), RoleSupport, "")
	wantError(t, r, http.StatusServiceUnavailable, codeUnavailable)
	if strings.Contains(r.Body.String(), "Router") {
		t.Error("device data served without audit")
	}
	// A change already made is reported as made.
	r = e.do("PUT", apiPrefix+"/devices/"+urlID(dev1ID)+"/tags/lab", RoleOperator, "")
	wantStatus(t, r, http.StatusOK)
	d, _ := e.mem.Device(t.Context(), dev1ID)
	if !strings.Contains(strings.Join(d.Tags, ","), "lab") {
		t.Error("tag not set")
	}
}

func TestAuditLogPaging(t *testing.T) {
	e := newEnv(t)
	for i := 0; i < 5; i++ {
		_ = e.mem.AppendAudit(t.Context(), &store.AuditEntry{Actor: "x", Action: "PUT /api/v1/presets/{name}"})
	}
	var seqs []float64
	after := ""
	for page := 0; ; page++ {
		target := apiPrefix + "/audit?limit=2"
		if after != "" {
			target += "&after=" + after
		}
		m := e.do("GET", target, RoleAdmin, "").json(t)
		for _, en := range m["entries"].([]any) {
			entry := en.(map[string]any)
			wantKeys(t, entry, "seq", "time", "actor", "role", "action", "target", "status", "detail")
			seqs = append(seqs, entry["seq"].(float64))
		}
		next, has := m["next"]
		if !has {
			break
		}
		after = next.(string)
		if page > 5 {
			t.Fatal("paging does not end")
		}
	}
	if len(seqs) != 5 || seqs[0] != 1 || seqs[4] != 5 {
		t.Errorf("seqs %v", seqs)
	}
	wantError(t, e.do("GET", apiPrefix+"/audit?after=x", RoleAdmin, ""), 400, codeInvalidQuery)
}
