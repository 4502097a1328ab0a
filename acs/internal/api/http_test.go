package api

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestUnknownRouteAndMethod(t *testing.T) {
	e := newEnv(t)
	for _, p := range []string{"/api/v1/nothing", "/api/v2/devices", "/", "/api/v1/devices/x/y/z"} {
		wantError(t, e.do("GET", p, RoleAdmin, ""), http.StatusNotFound, codeNotFound)
	}
	r := e.do("PATCH", apiPrefix+"/devices/"+urlID(dev1ID), RoleAdmin, "")
	wantError(t, r, http.StatusMethodNotAllowed, codeMethodNotAllowed)
	allow := r.Header().Get("Allow")
	if !strings.Contains(allow, "GET") || !strings.Contains(allow, "DELETE") {
		t.Errorf("Allow %q", allow)
	}
	wantError(t, e.do("POST", apiPrefix+"/audit", RoleAdmin, ""), http.StatusMethodNotAllowed, codeMethodNotAllowed)
}

func TestUnknownQueryParameter(t *testing.T) {
	e := newEnv(t)
	m := wantError(t, e.do("GET", apiPrefix+"/devices?limt=5", RoleReadonly, ""), 400, codeInvalidQuery)
	if !strings.Contains(m["error"].(string), "limt") {
		t.Errorf("message %v", m["error"])
	}
}

func TestBodyLimitsAndContentType(t *testing.T) {
	e := newEnv(t)
	target := taskURL(dev1ID, "")
	big := `{"type":"getParameterValues","parameters":["` + strings.Repeat("A", MaxBodyBytes) + `"]}`
	wantError(t, e.do("POST", target, RoleAdmin, big), http.StatusRequestEntityTooLarge, codeTooLarge)

	for _, ct := range []string{"", "text/plain", "application/x-www-form-urlencoded", "application/jsonp"} {
		req := httptest.NewRequest("POST", target, strings.NewReader(`{"type":"reboot"}`))
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		req.Header.Set("Authorization", "Bearer "+e.tokens[RoleAdmin])
		wantError(t, resp{serve(e.api, req)}, http.StatusUnsupportedMediaType, codeUnsupportedType)
	}
	req := httptest.NewRequest("POST", target, strings.NewReader(`{"type":"reboot"}`))
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("Authorization", "Bearer "+e.tokens[RoleAdmin])
	wantStatus(t, resp{serve(e.api, req)}, http.StatusAccepted)
	wantError(t, e.do("POST", target, RoleAdmin, " "), 400, codeInvalidJSON)
}

// Device IDs are escaped once more in URLs: "%" → "%25". The ID of
// device 1 holds %2D ("-") and %20 (" "); it must arrive decoded exactly
// once, through a real client and server.
func TestDeviceIDEscapingEndToEnd(t *testing.T) {
	e := newEnv(t)
	srv := httptest.NewServer(e.api)
	defer srv.Close()
	get := func(path string) (int, map[string]any) {
		req, err := http.NewRequest("GET", srv.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+e.tokens[RoleAdmin])
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var m map[string]any
		b, _ := io.ReadAll(res.Body)
		_ = json.Unmarshal(b, &m)
		return res.StatusCode, m
	}
	path := "/api/v1/devices/00D09E-Router%252DX-SN%2520001"
	if urlID(dev1ID) != "00D09E-Router%252DX-SN%2520001" {
		t.Fatalf("fixture ID %s escapes to %s", dev1ID, urlID(dev1ID))
	}
	status, m := get(path)
	if status != 200 || m["id"] != "00D09E-Router%2DX-SN%20001" || m["serialNumber"] != "SN 001" {
		t.Fatalf("GET %s: %d %v", path, status, m)
	}
	status, m = get(path + "/parameters?prefix=Device.DeviceInfo.")
	if status != 200 || len(m["parameters"].([]any)) != 1 {
		t.Errorf("parameters: %d %v", status, m)
	}
	// Escaped only once, the ID decodes to something that is not an ID;
	// the answer explains the escaping.
	status, m = get("/api/v1/devices/00D09E-Router%2DX-SN%20001")
	if status != 400 || m["code"] != codeInvalidDeviceID || !strings.Contains(m["error"].(string), "%25") {
		t.Errorf("singly escaped: %d %v", status, m)
	}
	// A lower-case escape is a different (invalid) ID, not the same one.
	status, _ = get("/api/v1/devices/00D09E-Router%252dX-SN%2520001")
	if status != 400 {
		t.Errorf("lower-case escape: %d", status)
	}
	// A slash in a serial is %2F in the ID and %252F in the URL: one
	// path segment.
	e.mem.PutDevice(storeDevice("00D09E-A%2FB", "A/B"))
	status, m = get("/api/v1/devices/00D09E-A%252FB")
	if status != 200 || m["serialNumber"] != "A/B" {
		t.Errorf("slash: %d %v", status, m)
	}
}

func TestHealthz(t *testing.T) {
	e := newEnv(t)
	r := resp{serve(e.api, httptest.NewRequest("GET", "/healthz", nil))}
	wantStatus(t, r, http.StatusOK)
	wantKeys(t, r.json(t), "status")
	if r.json(t)["status"] != "ok" {
		t.Errorf("body %s", r.Body.String())
	}
	e.mem.ListErr = io.ErrUnexpectedEOF
	r = resp{serve(e.api, httptest.NewRequest("GET", "/healthz", nil))}
	wantStatus(t, r, http.StatusServiceUnavailable)
	if strings.Contains(r.Body.String(), "EOF") {
		t.Error("health answer leaks the store error")
	}
}
