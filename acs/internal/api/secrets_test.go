package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"gatewarden/acs/internal/api/apitest"
	"gatewarden/acs/internal/store"
)

func TestSecretParam(t *testing.T) {
	secret := []string{
		"Device.WiFi.AccessPoint.1.Security.KeyPassphrase",     // secured
		"Device.WiFi.AccessPoint.[home].Security.PreSharedKey", // secured, by alias
		"Device.ManagementServer.ConnectionRequestPassword",    // hidden
		"InternetGatewayDevice.LANDevice.1.WLANConfiguration.2.KeyPassphrase",
		"InternetGatewayDevice.WANDevice.1.WANConnectionDevice.1.WANPPPConnection.1.Password",
		"Device.Ethernet.WoL.Password", // not flagged by the model, still a password
		"Device.X_ACME_AdminPassword",
		"InternetGatewayDevice.X_ACME_Radius.SharedSecret",
	}
	plain := []string{
		"Device.WiFi.SSID.1.SSID",
		"Device.DeviceInfo.SoftwareVersion",
		"Device.ManagementServer.ConnectionRequestUsername",
		"Device.Users.User.1.Username",
		"InternetGatewayDevice.DeviceInfo.SerialNumber",
		"Device.X_ACME_Colour",
	}
	for _, n := range secret {
		if !secretParam(n) {
			t.Errorf("%s is not treated as secret", n)
		}
	}
	for _, n := range plain {
		if secretParam(n) {
			t.Errorf("%s is treated as secret", n)
		}
	}
}

// TestOnlyAdminSeesSecrets walks every read that can carry a value and
// checks that the planted secrets reach admin and nobody else.
func TestOnlyAdminSeesSecrets(t *testing.T) {
	e := newEnv(t)
	e.runner.Delay = 0
	e.runner.Finish = func(tk store.Task) apitest.Outcome {
		return apitest.Outcome{Result: json.RawMessage(`{"values":[
			{"name":"Device.WiFi.AccessPoint.1.Security.KeyPassphrase","value":"wifi-secret-1","type":"xsd:string"},
			{"name":"Device.ManagementServer.ConnectionRequestPassword","value":"cr-secret-2","type":"xsd:string"},
			{"name":"Device.WiFi.SSID.1.SSID","value":"home","type":"xsd:string"}]}`)}
	}
	gpv := `{"type":"getParameterValues","parameters":["Device."]}`
	r := e.do("POST", apiPrefix+"/devices/"+urlID(dev1ID)+"/tasks?wait=5s", RoleAdmin, gpv)
	wantStatus(t, r, http.StatusOK)
	taskID := r.json(t)["id"].(string)
	// A secret value set by a task must not show up in the audit log.
	set := `{"type":"setParameterValues","values":[{"name":"Device.WiFi.AccessPoint.1.Security.KeyPassphrase","value":"wifi-secret-1"}]}`
	wantStatus(t, e.do("POST", apiPrefix+"/devices/"+urlID(dev1ID)+"/tasks?wait=5s", RoleOperator, set), http.StatusOK)

	reads := []string{
		apiPrefix + "/devices",
		apiPrefix + "/devices/" + urlID(dev1ID),
		apiPrefix + "/devices/" + urlID(dev1ID) + "/parameters",
		apiPrefix + "/devices/" + urlID(dev2ID) + "/parameters",
		apiPrefix + "/tasks/" + taskID,
		apiPrefix + "/presets",
		apiPrefix + "/presets/wifi",
		apiPrefix + "/faults",
	}
	for _, role := range Roles() {
		var all strings.Builder
		for _, target := range reads {
			r := e.do("GET", target, role, "")
			wantStatus(t, r, http.StatusOK)
			all.WriteString(r.Body.String())
		}
		got := all.String()
		for _, s := range plantedSecrets {
			if role == RoleAdmin && !strings.Contains(got, s) {
				t.Errorf("admin does not see %s", s)
			}
			if role != RoleAdmin && strings.Contains(got, s) {
				t.Errorf("%s sees %s", role, s)
			}
		}
		if role != RoleAdmin {
			// Masked, not dropped: the names are still listed.
			if !strings.Contains(got, `"name":"Device.WiFi.AccessPoint.1.Security.KeyPassphrase","value":""`) {
				t.Errorf("%s: the secret parameter is not listed with an empty value", role)
			}
		}
	}
	audit := e.do("GET", apiPrefix+"/audit?limit=1000", RoleAdmin, "")
	wantStatus(t, audit, http.StatusOK)
	for _, s := range plantedSecrets {
		if strings.Contains(audit.Body.String(), s) {
			t.Errorf("audit log holds %s", s)
		}
	}
}

// A filter that compares a secret value must not tell a non-admin
// whether the guess was right.
func TestFilterIsNoSecretOracle(t *testing.T) {
	e := newEnv(t)
	f := `Device.WiFi.AccessPoint.1.Security.KeyPassphrase = "wifi-secret-1"`
	target := apiPrefix + "/devices?filter=" + queryEscape(f)
	for _, role := range Roles() {
		r := e.do("GET", target, role, "")
		wantStatus(t, r, http.StatusOK)
		n := len(r.json(t)["devices"].([]any))
		if want := map[bool]int{true: 1, false: 0}[role == RoleAdmin]; n != want {
			t.Errorf("%s: %d devices match, want %d", role, n, want)
		}
	}
}

func TestMaskResultFailsClosed(t *testing.T) {
	cases := map[string]string{
		`{"values":"Device.X_Password=abc"}`:            "",
		`{"values":[{"value":"abc"}]}`:                  "",
		`[{"name":"Device.X_Password","value":"abc"}]`:  "",
		`{"parameters":[{"name":"Device.X_Password"}]}`: "",
		`{"instanceNumber":3}`:                          `{"instanceNumber":3}`,
		`null`:                                          `null`,
		`{"values":[{"name":"Device.X_Password","value":"abc"}],"more":[{"name":"Device.Y_PSK","value":"def"}]}`: `{"more":[{"name":"Device.Y_PSK","value":""}],"values":[{"name":"Device.X_Password","value":""}]}`,
	}
	for in, want := range cases {
		got := string(maskResult(json.RawMessage(in), false))
		if got != want {
			t.Errorf("maskResult(%s) = %s, want %s", in, got, want)
		}
		if admin := string(maskResult(json.RawMessage(in), true)); admin != in {
			t.Errorf("admin result changed: %s", admin)
		}
	}
}

func TestDeviceCredentialsAdminOnly(t *testing.T) {
	e := newEnv(t)
	for _, role := range Roles() {
		m := e.do("GET", apiPrefix+"/devices/"+urlID(dev1ID), role, "").json(t)
		_, hasUser := m["connReqUsername"]
		_, hasPass := m["connReqPassword"]
		if role == RoleAdmin != (hasUser && hasPass) || hasUser != hasPass {
			t.Errorf("%s: connReqUsername %v, connReqPassword %v", role, hasUser, hasPass)
		}
	}
}
