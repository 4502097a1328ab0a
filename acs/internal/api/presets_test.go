package api

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"gatewarden/acs/internal/store"
)

func TestPutPreset(t *testing.T) {
	var validated []string
	e := newEnv(t, func(o *Options) {
		o.ValidatePreset = func(p *store.Preset) error {
			validated = append(validated, p.Name)
			for _, v := range p.Values {
				if v.Name == "Device.DeviceInfo.SoftwareVersion" {
					return errors.New("Device.DeviceInfo.SoftwareVersion is read-only")
				}
			}
			return nil
		}
	})
	target := apiPrefix + "/presets/guest-wifi"
	body := `{"filter":"productClass = \"Router-X\"","values":[{"name":"Device.WiFi.SSID.2.SSID","value":"guest"},{"name":"Device.WiFi.SSID.2.Enable","value":"true","type":"boolean"}]}`
	r := e.do("PUT", target, RoleOperator, body)
	wantStatus(t, r, http.StatusCreated)
	m := r.json(t)
	if m["name"] != "guest-wifi" || m["version"] != float64(1) || m["updated"] == nil {
		t.Errorf("created %v", m)
	}
	if vals := m["values"].([]any); vals[1].(map[string]any)["type"] != "xsd:boolean" {
		t.Errorf("type not normalised: %v", vals)
	}
	if len(validated) != 1 {
		t.Errorf("validator ran %d times", len(validated))
	}
	// Applying back what GET shows works, with its version as a
	// precondition.
	shown := e.do("GET", target, RoleOperator, "").Body.String()
	r = e.do("PUT", target, RoleOperator, shown)
	wantStatus(t, r, http.StatusOK)
	if v := r.json(t)["version"]; v != float64(2) {
		t.Errorf("version after replace %v", v)
	}
	m = wantError(t, e.do("PUT", target, RoleOperator, shown), http.StatusConflict, codeConflict)
	if !strings.Contains(m["error"].(string), "version 2") {
		t.Errorf("conflict message %v", m["error"])
	}

	cases := []struct{ name, body, code, mention string }{
		{"guest-wifi", `{"filter":"productClass ~ 1","values":[{"name":"Device.WiFi.SSID.2.SSID","value":"g"}]}`, codeInvalidFilter, "filter term"},
		{"guest-wifi", `{"values":[{"name":"Device.DeviceInfo.SoftwareVersion","value":"9"}]}`, codeInvalidPreset, "read-only"},
		{"guest-wifi", `{"name":"other","values":[{"name":"Device.WiFi.SSID.2.SSID","value":"g"}]}`, codeInvalidPreset, "other"},
		{"guest-wifi", `{"values":[]}`, codeInvalidPreset, "at least one"},
		{"guest-wifi", `{"values":[{"name":"Device.WiFi.","value":"g"}]}`, codeInvalidPreset, "Device.WiFi."},
		{"guest-wifi", `{"values":[{"name":"Device.A","value":"1"},{"name":"Device.A","value":"2"}]}`, codeInvalidPreset, "twice"},
		{"guest-wifi", `{"values":[{"name":"Device.A","value":"1","type":"colour"}]}`, codeInvalidPreset, "colour"},
		{"guest-wifi", `{"attributes":[{"name":"Device.A","notification":9}]}`, codeInvalidPreset, "0 to 6"},
		{"guest-wifi", `{"values":[{"name":"Device.A","value":"1"}],"priority":3}`, codeInvalidJSON, "priority"},
		{"bad%20name", `{"values":[{"name":"Device.A","value":"1"}]}`, codeInvalidPreset, "bad name"},
	}
	for _, c := range cases {
		m := wantError(t, e.do("PUT", apiPrefix+"/presets/"+c.name, RoleOperator, c.body), http.StatusBadRequest, c.code)
		if !strings.Contains(m["error"].(string), c.mention) {
			t.Errorf("%s: message %q does not mention %q", c.body, m["error"], c.mention)
		}
	}
	if p, _ := e.mem.Preset(t.Context(), "guest-wifi"); p.Version != 2 {
		t.Errorf("refused PUTs changed the preset: version %d", p.Version)
	}
	list := e.do("GET", apiPrefix+"/presets", RoleReadonly, "").json(t)["presets"].([]any)
	if len(list) != 2 || list[0].(map[string]any)["name"] != "guest-wifi" {
		t.Errorf("list %v", list)
	}
}
