package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gatewarden/acs/internal/store"
)

func TestVersionAndUsage(t *testing.T) {
	h := newHarness(t)
	code, out, errOut := h.run("", "version")
	h.want(code, 0, out, errOut)
	if !strings.HasPrefix(out, "acsctl ") || strings.Count(out, "\n") != 1 {
		t.Errorf("version output %q", out)
	}
	for _, args := range [][]string{{}, {"frobnicate"}, {"devices"}, {"devices", "frob"}, {"get", dev1}, {"devices", "show"}, {"--bogus", "devices", "list"}} {
		code, out, errOut := h.run("admin", args...)
		if code != exitUsage || !strings.Contains(errOut, "usage: acsctl") {
			t.Errorf("%v: exit %d, stderr %q, stdout %q", args, code, errOut, out)
		}
	}
	code, out, _ = h.run("", "help")
	if code != 0 || !strings.Contains(out, "presets apply FILE") {
		t.Errorf("help: %d %q", code, out)
	}
}

func TestDevicesList(t *testing.T) {
	h := newHarness(t)
	code, out, errOut := h.run("readonly", "devices", "list")
	h.want(code, 0, out, errOut)
	mustContain(t, out, "ID", "PRODUCT CLASS", dev1, dev2, "Router-X", "pilot")
	if lines := strings.Count(out, "\n"); lines != 3 {
		t.Errorf("%d lines:\n%s", lines, out)
	}

	code, out, errOut = h.run("readonly", "devices", "list", "--filter", `tag = "pilot"`, "--json")
	h.want(code, 0, out, errOut)
	var page struct {
		Devices []map[string]any `json:"devices"`
		Next    *string          `json:"next"`
	}
	if err := json.Unmarshal([]byte(out), &page); err != nil {
		t.Fatalf("--json output: %v\n%s", err, out)
	}
	if len(page.Devices) != 1 || page.Devices[0]["id"] != dev1 || page.Next != nil {
		t.Errorf("filtered: %s", out)
	}

	code, out, errOut = h.run("readonly", "devices", "list", "--limit", "1")
	h.want(code, 0, out, errOut)
	mustContain(t, errOut, "more devices follow", "--after '"+dev1+"'")
	code, out, errOut = h.run("readonly", "devices", "list", "--after", dev1)
	h.want(code, 0, out, errOut)
	if strings.Contains(out, dev1) || !strings.Contains(out, dev2) {
		t.Errorf("--after: %s", out)
	}

	code, out, errOut = h.run("readonly", "devices", "list", "--filter", "productClass ~ X")
	h.want(code, exitError, out, errOut)
	mustContain(t, errOut, "400: filter term 1")
}

// A listing longer than the API's largest page is fetched page by page.
func TestDevicesListPages(t *testing.T) {
	h := newHarness(t)
	for i := range 1100 {
		h.mem.PutDevice(store.Device{ID: fmt.Sprintf("AAAAAA-S%04d", i), OUI: "AAAAAA", SerialNumber: fmt.Sprintf("S%04d", i)})
	}
	code, out, errOut := h.run("readonly", "--json", "devices", "list", "--limit", "1050")
	h.want(code, 0, out, errOut)
	var page struct {
		Devices []struct{ ID string } `json:"devices"`
		Next    string                `json:"next"`
	}
	if err := json.Unmarshal([]byte(out), &page); err != nil {
		t.Fatal(err)
	}
	if len(page.Devices) != 1050 || page.Devices[1049].ID != "AAAAAA-S1047" || page.Next != "AAAAAA-S1047" {
		t.Errorf("%d devices, last %s, next %q", len(page.Devices), page.Devices[len(page.Devices)-1].ID, page.Next)
	}
}

func TestDevicesShow(t *testing.T) {
	h := newHarness(t)
	code, out, errOut := h.run("support", "devices", "show", dev1)
	h.want(code, 0, out, errOut)
	mustContain(t, out, "SN 001", "Router-X", "2.1.0", "pilot")
	code, out, errOut = h.run("support", "devices", "show", "--json", dev1)
	h.want(code, 0, out, errOut)
	var d map[string]any
	if err := json.Unmarshal([]byte(out), &d); err != nil || d["id"] != dev1 {
		t.Errorf("--json: %v %s", err, out)
	}
	code, out, errOut = h.run("support", "devices", "show", "00D09E-Router-X-SN 001")
	h.want(code, exitError, out, errOut)
	mustContain(t, errOut, "not a device ID", "acsctl devices list")
	code, out, errOut = h.run("support", "devices", "show", "00D09E-NOSUCH")
	h.want(code, exitError, out, errOut)
	mustContain(t, errOut, "404: device 00D09E-NOSUCH not found", "acsctl devices list")
}

func TestGetAndSet(t *testing.T) {
	h := newHarness(t)
	code, out, errOut := h.run("operator", "get", dev1, "Device.WiFi.")
	h.want(code, 0, out, errOut)
	mustContain(t, out, "NAME", "Device.WiFi.SSID.1.SSID", "home", "xsd:string", "Device.WiFi.AccessPoint.1.Security.KeyPassphrase")
	if strings.Contains(out, "wifi-secret") {
		t.Error("operator sees the WiFi key")
	}
	code, out, _ = h.run("admin", "get", dev1, "Device.WiFi.")
	if code != 0 || !strings.Contains(out, "wifi-secret") {
		t.Errorf("admin does not see the WiFi key: %s", out)
	}

	code, out, errOut = h.run("operator", "set", dev1, "Device.WiFi.SSID.1.SSID=guest:net:string", "Device.ManagementServer.PeriodicInformInterval=600")
	h.want(code, 0, out, errOut)
	mustContain(t, out, "set 2 parameters on "+dev1)
	ps, _ := h.mem.Params(t.Context(), dev1, "Device.")
	got := map[string]string{}
	for _, p := range ps {
		got[p.Name] = p.Value + " " + p.Type
	}
	if got["Device.WiFi.SSID.1.SSID"] != "guest:net xsd:string" || got["Device.ManagementServer.PeriodicInformInterval"] != "600 xsd:unsignedInt" {
		t.Errorf("after set: %v", got)
	}

	code, out, errOut = h.run("operator", "set", dev1, "Device.ManagementServer.PeriodicInformInterval=often")
	h.want(code, exitError, out, errOut)
	mustContain(t, errOut, "400:", "PeriodicInformInterval")
	code, out, errOut = h.run("operator", "set", dev1, "novalue")
	h.want(code, exitUsage, out, errOut)

	// Flags may follow the arguments.
	code, out, errOut = h.run("operator", "get", dev1, "Device.WiFi.SSID.1.SSID", "--json")
	h.want(code, 0, out, errOut)
	var tk map[string]any
	if err := json.Unmarshal([]byte(out), &tk); err != nil || tk["status"] != "done" {
		t.Errorf("get --json: %v %s", err, out)
	}
}

func TestParseAssignment(t *testing.T) {
	cases := []struct{ in, name, value, typ string }{
		{"Device.A=1", "Device.A", "1", ""},
		{"Device.A=1:int", "Device.A", "1", "xsd:int"},
		{"Device.A=1:xsd:unsignedInt", "Device.A", "1", "xsd:unsignedInt"},
		{"Device.A=http://acs:7547/cwmp", "Device.A", "http://acs:7547/cwmp", ""},
		{"Device.A=12:30", "Device.A", "12:30", ""},
		{"Device.A=x:int:string", "Device.A", "x:int", "xsd:string"},
		{"Device.A=", "Device.A", "", ""},
		{"Device.A=a=b", "Device.A", "a=b", ""},
		{"Device.A=true:boolean", "Device.A", "true", "xsd:boolean"},
		{"Device.A=aGk=:base64", "Device.A", "aGk=", "xsd:base64Binary"},
	}
	for _, c := range cases {
		a, err := parseAssignment(c.in)
		if err != nil || a.Name != c.name || a.Value != c.value || a.Type != c.typ {
			t.Errorf("parseAssignment(%q) = %+v, %v", c.in, a, err)
		}
	}
	for _, bad := range []string{"=1", "Device.A", "Device.=1", "not a name=1"} {
		if _, err := parseAssignment(bad); err == nil {
			t.Errorf("parseAssignment(%q) accepted", bad)
		}
	}
}

func TestObjectsAndReboots(t *testing.T) {
	h := newHarness(t)
	code, out, errOut := h.run("operator", "add-object", dev1, "Device.IP.Interface.")
	h.want(code, 0, out, errOut)
	mustContain(t, out, "created Device.IP.Interface.7.")
	code, out, errOut = h.run("operator", "delete-object", dev1, "Device.IP.Interface.7.")
	h.want(code, 0, out, errOut)
	mustContain(t, out, "deleted Device.IP.Interface.7.")
	code, out, errOut = h.run("support", "reboot", dev1)
	h.want(code, 0, out, errOut)
	mustContain(t, out, dev1+" rebooted")
	code, out, errOut = h.run("operator", "factory-reset", dev1)
	h.want(code, 0, out, errOut)
	mustContain(t, out, "reset to factory defaults")
	code, out, errOut = h.run("support", "factory-reset", dev1)
	h.want(code, exitError, out, errOut)
	mustContain(t, errOut, "403:", "may not run factoryReset", "ask an")

	var types []string
	for _, tk := range h.mem.Tasks() {
		types = append(types, tk.Type)
	}
	if strings.Join(types, ",") != "addObject,deleteObject,reboot,factoryReset" {
		t.Errorf("tasks %v", types)
	}
}

func TestTaskPendingAndFault(t *testing.T) {
	h := newHarness(t)
	h.runner.Delay = -1
	start := time.Now()
	code, out, errOut := h.run("support", "--wait", "50ms", "reboot", dev1)
	h.want(code, exitPending, out, errOut)
	mustContain(t, errOut, "still queued after 50ms", "acsctl tasks show t1")
	if time.Since(start) > 5*time.Second {
		t.Error("--wait not honoured")
	}
	code, out, errOut = h.run("support", "tasks", "show", "t1")
	h.want(code, 0, out, errOut)
	mustContain(t, out, "Status", "queued", "reboot", dev1)

	h.runner.Delay = 0
	code, out, errOut = h.run("support", "get", dev1, "Device.Nothing.")
	h.want(code, exitError, out, errOut)
	mustContain(t, errOut, "failed on the device: fault 9005: Invalid parameter name")
	code, out, errOut = h.run("support", "tasks", "show", "t2")
	h.want(code, 0, out, errOut)
	mustContain(t, out, "fault", "9005 Invalid parameter name")

	code, out, errOut = h.run("support", "get", dev1, "Device.WiFi.")
	h.want(code, 0, out, errOut)
	code, out, errOut = h.run("support", "tasks", "show", "t3")
	h.want(code, 0, out, errOut)
	mustContain(t, out, "Device.WiFi.SSID.1.SSID", "home")

	code, out, errOut = h.run("support", "--wait", "5m", "reboot", dev1)
	h.want(code, exitUsage, out, errOut)
	code, out, errOut = h.run("support", "tasks", "show", "nope")
	h.want(code, exitError, out, errOut)
	mustContain(t, errOut, "404")
}

func TestFaultsAndAudit(t *testing.T) {
	h := newHarness(t)
	_ = h.mem.AddFault(t.Context(), &store.Fault{Device: dev1, RPC: "SetParameterValues", Code: 9007, Message: "Invalid parameter value", Time: time.Now()})
	_ = h.mem.AddFault(t.Context(), &store.Fault{Device: dev2, RPC: "Download", Code: 9010, Message: "Download failure", Time: time.Now()})
	code, out, errOut := h.run("readonly", "faults")
	h.want(code, 0, out, errOut)
	mustContain(t, out, "9007", "9010", "Download failure")
	code, out, errOut = h.run("readonly", "faults", "--device", dev1)
	h.want(code, 0, out, errOut)
	if !strings.Contains(out, "9007") || strings.Contains(out, "9010") {
		t.Errorf("--device: %s", out)
	}

	h.run("operator", "reboot", dev1)
	code, out, errOut = h.run("admin", "audit")
	h.want(code, 0, out, errOut)
	mustContain(t, out, "operator-token", "POST /api/v1/devices/{id}/tasks", dev1, "202")
	code, out, errOut = h.run("admin", "audit", "--json", "--limit", "1")
	h.want(code, 0, out, errOut)
	var log struct {
		Entries []map[string]any `json:"entries"`
	}
	if err := json.Unmarshal([]byte(out), &log); err != nil || len(log.Entries) != 1 {
		t.Errorf("audit --json: %v %s", err, out)
	}
	code, out, errOut = h.run("readonly", "audit")
	h.want(code, exitError, out, errOut)
	mustContain(t, errOut, "403:")
}

func TestPresets(t *testing.T) {
	h := newHarness(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "guest.json")
	writeFile(t, file, `{"name":"guest","filter":"tag = \"pilot\"","values":[{"name":"Device.WiFi.SSID.2.SSID","value":"guest"},{"name":"Device.WiFi.AccessPoint.2.Security.KeyPassphrase","value":"guest-secret"}]}`)
	code, out, errOut := h.run("operator", "presets", "apply", file)
	h.want(code, 0, out, errOut)
	mustContain(t, out, "preset guest created (version 1)")

	code, out, errOut = h.run("operator", "presets", "list")
	h.want(code, 0, out, errOut)
	mustContain(t, out, "NAME", "guest", "tag = \"pilot\"")

	code, out, errOut = h.run("operator", "presets", "show", "guest")
	h.want(code, 0, out, errOut)
	mustContain(t, out, "Device.WiFi.SSID.2.SSID", "guest", "Version: 1")
	if strings.Contains(out, "guest-secret") {
		t.Error("operator sees a preset's secret")
	}

	// show --json, edit, apply: a round trip guarded by the version.
	code, shown, errOut := h.runEnv(map[string]string{"GATEWARDEN_TOKEN": h.tokens["admin"]}, "presets", "show", "--json", "guest")
	h.want(code, 0, shown, errOut)
	edited := strings.Replace(shown, `"value": "guest"`, `"value": "visitors"`, 1)
	code, out, errOut = h.runEnv(map[string]string{"GATEWARDEN_TOKEN": h.tokens["operator"], "stdin": edited}, "presets", "apply", "-")
	h.want(code, 0, out, errOut)
	mustContain(t, out, "preset guest updated (version 2)")
	code, out, errOut = h.runEnv(map[string]string{"GATEWARDEN_TOKEN": h.tokens["operator"], "stdin": edited}, "presets", "apply", "-")
	h.want(code, exitError, out, errOut)
	mustContain(t, errOut, "409:", "version 2")

	writeFile(t, file, `{"values":[{"name":"Device.WiFi.SSID.2.SSID","value":"x"}]}`)
	code, out, errOut = h.run("operator", "presets", "apply", file)
	h.want(code, exitUsage, out, errOut)
	code, out, errOut = h.run("operator", "presets", "apply", "--name", "other", file)
	h.want(code, 0, out, errOut)
	mustContain(t, out, "preset other created")
	writeFile(t, file, `not json`)
	code, out, errOut = h.run("operator", "presets", "apply", file)
	h.want(code, exitError, out, errOut)
	mustContain(t, errOut, "not a JSON object")
	code, out, errOut = h.run("support", "presets", "apply", "--name", "x", filepath.Join(dir, "missing.json"))
	h.want(code, exitError, out, errOut)
}

func TestTokenSources(t *testing.T) {
	h := newHarness(t)
	// No token anywhere.
	code, out, errOut := h.runEnv(nil, "devices", "list")
	h.want(code, exitError, out, errOut)
	mustContain(t, errOut, "no API token", "GATEWARDEN_TOKEN", "acs token create")
	// A refused token.
	code, out, errOut = h.runEnv(map[string]string{"GATEWARDEN_TOKEN": "not-a-token"}, "devices", "list")
	h.want(code, exitError, out, errOut)
	mustContain(t, errOut, "401: the token was refused", "set GATEWARDEN_TOKEN to a token from `acs token create")
	// --token-file wins over the environment, and warns when others can
	// read it.
	tf := filepath.Join(t.TempDir(), "admin.token")
	writeFile(t, tf, h.tokens["admin"]+"\n")
	if err := os.Chmod(tf, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = h.runEnv(map[string]string{"GATEWARDEN_TOKEN": "not-a-token"}, "--token-file", tf, "audit")
	h.want(code, 0, out, errOut)
	mustContain(t, errOut, "readable by other users", "chmod 600")
	// The config file gives URL and token.
	cfgDir := filepath.Join(h.home, ".config", "gatewarden")
	if err := os.MkdirAll(cfgDir, 0o700); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(cfgDir, "acsctl.conf"), "# acsctl\nurl = "+h.srv.URL+"\ntoken = \""+h.tokens["readonly"]+"\"\n")
	code, out, errOut = h.runEnv(map[string]string{"GATEWARDEN_URL": ""}, "devices", "list")
	h.want(code, 0, out, errOut)
	mustContain(t, out, dev1)
	if errOut != "" {
		t.Errorf("stderr %q", errOut)
	}
	code, out, errOut = h.runEnv(map[string]string{"GATEWARDEN_URL": ""}, "audit")
	h.want(code, exitError, out, errOut)
	mustContain(t, errOut, "403")
	writeFile(t, filepath.Join(cfgDir, "acsctl.conf"), "colour = blue\n")
	code, out, errOut = h.runEnv(nil, "devices", "list")
	h.want(code, exitError, out, errOut)
	mustContain(t, errOut, "unknown key \"colour\"")
}

func TestUnreachableACS(t *testing.T) {
	h := newHarness(t)
	url := h.srv.URL
	h.srv.Close()
	code, out, errOut := h.runEnv(map[string]string{"GATEWARDEN_TOKEN": "x", "GATEWARDEN_URL": url}, "devices", "list")
	h.want(code, exitError, out, errOut)
	mustContain(t, errOut, "cannot reach the ACS at "+url, "acs serve", "--url")
	code, out, errOut = h.runEnv(map[string]string{"GATEWARDEN_TOKEN": "x", "GATEWARDEN_URL": "ftp://x"}, "devices", "list")
	h.want(code, exitError, out, errOut)
	mustContain(t, errOut, "want http://")
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
