package api

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"gatewarden/acs/internal/store"
)

func TestDevicePaging(t *testing.T) {
	e := newEnv(t)
	for i := range 5 {
		e.mem.PutDevice(store.Device{ID: fmt.Sprintf("AAAAAA-P%d", i), OUI: "AAAAAA", SerialNumber: fmt.Sprintf("P%d", i)})
	}
	var ids []string
	after := ""
	pages := 0
	for {
		target := apiPrefix + "/devices?limit=3"
		if after != "" {
			target += "&after=" + queryEscape(after)
		}
		r := e.do("GET", target, RoleReadonly, "")
		wantStatus(t, r, http.StatusOK)
		m := r.json(t)
		pages++
		for _, d := range m["devices"].([]any) {
			ids = append(ids, d.(map[string]any)["id"].(string))
		}
		next, has := m["next"]
		if !has {
			wantKeys(t, m, "devices")
			break
		}
		wantKeys(t, m, "devices", "next")
		after = next.(string)
		if pages > 5 {
			t.Fatal("paging does not end")
		}
	}
	want := []string{"00D09E-Router%2DX-SN%20001", "00D09E-SN002", "AAAAAA-P0", "AAAAAA-P1", "AAAAAA-P2", "AAAAAA-P3", "AAAAAA-P4"}
	if strings.Join(ids, " ") != strings.Join(want, " ") || pages != 3 {
		t.Errorf("%d pages: %v", pages, ids)
	}
	// Default limit 100: everything on one page.
	m := e.do("GET", apiPrefix+"/devices", RoleReadonly, "").json(t)
	if _, has := m["next"]; has || len(m["devices"].([]any)) != 7 {
		t.Errorf("default page: %v", m)
	}
	for _, bad := range []string{"0", "1001", "-1", "x", "1.5"} {
		wantError(t, e.do("GET", apiPrefix+"/devices?limit="+bad, RoleReadonly, ""), 400, codeInvalidQuery)
	}
	wantStatus(t, e.do("GET", apiPrefix+"/devices?limit=1000", RoleReadonly, ""), http.StatusOK)
}

func TestDeviceFilter(t *testing.T) {
	e := newEnv(t)
	r := e.do("GET", apiPrefix+"/devices?filter="+queryEscape(`tag = "pilot"`), RoleReadonly, "")
	wantStatus(t, r, http.StatusOK)
	ds := r.json(t)["devices"].([]any)
	if len(ds) != 1 || ds[0].(map[string]any)["id"] != dev1ID {
		t.Errorf("tag filter: %v", ds)
	}
	r = e.do("GET", apiPrefix+"/devices?filter="+queryEscape(`Device.WiFi.SSID.1.SSID = "home"`), RoleReadonly, "")
	if ds := r.json(t)["devices"].([]any); len(ds) != 1 {
		t.Errorf("parameter filter: %v", ds)
	}
	// The compiler's message reaches the client.
	_, cerr := e.api.compileFilter("productClass ~ 1")
	m := wantError(t, e.do("GET", apiPrefix+"/devices?filter="+queryEscape("productClass ~ 1"), RoleReadonly, ""), 400, codeInvalidFilter)
	if m["error"] != cerr.Error() {
		t.Errorf("error %q, want the compiler's %q", m["error"], cerr)
	}
}

func TestTags(t *testing.T) {
	e := newEnv(t)
	base := apiPrefix + "/devices/" + urlID(dev1ID) + "/tags/"
	for range 2 { // idempotent
		m := e.do("PUT", base+"lab", RoleOperator, "").json(t)
		if fmt.Sprint(m["tags"]) != "[lab pilot]" {
			t.Errorf("after PUT: tags %v", m["tags"])
		}
	}
	for range 2 {
		m := e.do("DELETE", base+"pilot", RoleOperator, "").json(t)
		if fmt.Sprint(m["tags"]) != "[lab]" {
			t.Errorf("after DELETE: tags %v", m["tags"])
		}
	}
	wantError(t, e.do("PUT", base+"has%20space", RoleOperator, ""), 400, codeBadRequest)
	wantError(t, e.do("PUT", base+strings.Repeat("t", 65), RoleOperator, ""), 400, codeBadRequest)
	wantError(t, e.do("PUT", apiPrefix+"/devices/00D09E-GONE/tags/x", RoleOperator, ""), 404, codeNotFound)
}

func TestDeleteDevice(t *testing.T) {
	e := newEnv(t)
	r := e.do("DELETE", apiPrefix+"/devices/"+urlID(dev1ID), RoleAdmin, "")
	wantStatus(t, r, http.StatusNoContent)
	if r.Body.Len() != 0 {
		t.Errorf("204 with body %q", r.Body.String())
	}
	wantError(t, e.do("GET", apiPrefix+"/devices/"+urlID(dev1ID), RoleAdmin, ""), 404, codeNotFound)
}
