package api

import (
	"net/http"
	"testing"
	"time"

	"gatewarden/acs/internal/store"
)

// Field names exactly as ARCHITECTURE.md's REST API section has them.
var (
	deviceKeys    = []string{"id", "oui", "productClass", "serialNumber", "manufacturer", "softwareVersion", "hardwareVersion", "lastInform", "lastBoot", "online", "connectionRequestURL", "ip", "tags"}
	parameterKeys = []string{"name", "value", "type", "writable", "updated"}
	taskKeys      = []string{"id", "device", "type", "status", "created", "completed", "result", "fault"}
)

func TestDeviceShape(t *testing.T) {
	e := newEnv(t)
	m := e.do("GET", apiPrefix+"/devices/"+urlID(dev1ID), RoleOperator, "").json(t)
	wantKeys(t, m, deviceKeys...)
	want := map[string]any{
		"id": dev1ID, "oui": "00D09E", "productClass": "Router-X", "serialNumber": "SN 001",
		"manufacturer": "Acme", "softwareVersion": "2.1.0", "hardwareVersion": "B1",
		"lastInform": "2025-03-01T11:55:00Z", "lastBoot": "2025-03-01T11:00:00Z", "online": true,
		"connectionRequestURL": "http://192.0.2.10:7547/cr", "ip": "192.0.2.10",
	}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s = %#v, want %#v", k, m[k], v)
		}
	}
	if tags, _ := m["tags"].([]any); len(tags) != 1 || tags[0] != "pilot" {
		t.Errorf("tags %v", m["tags"])
	}
	// Device 2 never booted while watched and has no tags: null time,
	// empty list (never null), offline.
	m2 := e.do("GET", apiPrefix+"/devices/"+urlID(dev2ID), RoleOperator, "").json(t)
	wantKeys(t, m2, deviceKeys...)
	if m2["lastBoot"] != nil || m2["online"] != false {
		t.Errorf("device 2: lastBoot %v online %v", m2["lastBoot"], m2["online"])
	}
	if tags, ok := m2["tags"].([]any); !ok || len(tags) != 0 {
		t.Errorf("device 2 tags %#v", m2["tags"])
	}
	admin := e.do("GET", apiPrefix+"/devices/"+urlID(dev1ID), RoleAdmin, "").json(t)
	wantKeys(t, admin, append(deviceKeys, "connReqUsername", "connReqPassword")...)
}

func TestOnlineWindow(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.OnlineWindow = time.Minute })
	if m := e.do("GET", apiPrefix+"/devices/"+urlID(dev1ID), RoleAdmin, "").json(t); m["online"] != false {
		t.Error("device informed 5 minutes ago is online with a 1 minute window")
	}
	e2 := newEnv(t, func(o *Options) { o.Online = func(d *store.Device) bool { return d.ID == dev2ID } })
	if m := e2.do("GET", apiPrefix+"/devices/"+urlID(dev2ID), RoleAdmin, "").json(t); m["online"] != true {
		t.Error("Options.Online ignored")
	}
}

func TestParameterShape(t *testing.T) {
	e := newEnv(t)
	r := e.do("GET", apiPrefix+"/devices/"+urlID(dev1ID)+"/parameters?prefix=Device.WiFi.", RoleReadonly, "")
	wantStatus(t, r, http.StatusOK)
	m := r.json(t)
	wantKeys(t, m, "parameters")
	ps := m["parameters"].([]any)
	if len(ps) != 2 {
		t.Fatalf("%d parameters under Device.WiFi.: %s", len(ps), r.Body.String())
	}
	for _, p := range ps {
		wantKeys(t, p.(map[string]any), parameterKeys...)
	}
	ssid := ps[1].(map[string]any)
	if ssid["name"] != "Device.WiFi.SSID.1.SSID" || ssid["value"] != "home" || ssid["type"] != "xsd:string" ||
		ssid["updated"] != "2025-03-01T11:59:00Z" {
		t.Errorf("SSID %v", ssid)
	}
	// Writable unknown in the store: the schema's access fills it in.
	if ssid["writable"] != true {
		t.Errorf("SSID writable %v", ssid["writable"])
	}
	all := e.do("GET", apiPrefix+"/devices/"+urlID(dev1ID)+"/parameters", RoleReadonly, "").json(t)
	if n := len(all["parameters"].([]any)); n != 5 {
		t.Errorf("%d parameters, want 5", n)
	}
	wantError(t, e.do("GET", apiPrefix+"/devices/00D09E-NOPE/parameters", RoleReadonly, ""), 404, codeNotFound)
}

func TestTaskShape(t *testing.T) {
	e := newEnv(t)
	r := e.do("POST", apiPrefix+"/devices/"+urlID(dev1ID)+"/tasks", RoleOperator, `{"type":"reboot"}`)
	wantStatus(t, r, http.StatusAccepted)
	m := r.json(t)
	wantKeys(t, m, taskKeys...)
	if m["device"] != dev1ID || m["type"] != "reboot" || m["status"] != "queued" || m["completed"] != nil ||
		m["result"] != nil || m["fault"] != nil {
		t.Errorf("queued task %v", m)
	}
	if _, err := time.Parse(time.RFC3339, m["created"].(string)); err != nil {
		t.Errorf("created: %v", err)
	}
	if loc := r.Header().Get("Location"); loc != apiPrefix+"/tasks/"+m["id"].(string) {
		t.Errorf("Location %q", loc)
	}
	got := e.do("GET", apiPrefix+"/tasks/"+m["id"].(string), RoleReadonly, "").json(t)
	wantKeys(t, got, taskKeys...)
	if got["id"] != m["id"] {
		t.Errorf("GET task %v", got)
	}
	wantError(t, e.do("GET", apiPrefix+"/tasks/nope", RoleReadonly, ""), 404, codeNotFound)
}

func TestFaultAndPresetShapes(t *testing.T) {
	e := newEnv(t)
	m := e.do("GET", apiPrefix+"/faults?device="+queryEscape(dev1ID), RoleReadonly, "").json(t)
	wantKeys(t, m, "faults")
	fs := m["faults"].([]any)
	if len(fs) != 1 {
		t.Fatalf("faults %v", fs)
	}
	wantKeys(t, fs[0].(map[string]any), "id", "device", "rpc", "code", "message", "time")
	if f := fs[0].(map[string]any); f["code"] != float64(9007) || f["device"] != dev1ID {
		t.Errorf("fault %v", f)
	}
	if n := len(e.do("GET", apiPrefix+"/faults?device="+queryEscape(dev2ID), RoleReadonly, "").json(t)["faults"].([]any)); n != 0 {
		t.Errorf("device 2 has %d faults", n)
	}
	wantError(t, e.do("GET", apiPrefix+"/faults?device=bad%20id", RoleReadonly, ""), 400, codeInvalidDeviceID)

	p := e.do("GET", apiPrefix+"/presets/wifi", RoleReadonly, "").json(t)
	wantKeys(t, p, "name", "filter", "values", "attributes", "version", "updated")
	wantKeys(t, e.do("GET", apiPrefix+"/presets", RoleReadonly, "").json(t), "presets")
	wantError(t, e.do("GET", apiPrefix+"/presets/none", RoleReadonly, ""), 404, codeNotFound)
}
