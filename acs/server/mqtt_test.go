package server

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"gatewarden/acs/internal/cwmpserver/cwmptest"
	"gatewarden/acs/internal/store"
	"gatewarden/protocol/cwmp"
	"gatewarden/protocol/datamodel"
	"gatewarden/protocol/mqttwire"
)

// TestMQTTLaneEndToEnd runs an ACS with its embedded broker: a simulated
// CPE gets its MQTT credentials in its first CWMP session, a real
// mosquitto_sub connects with them, and a preset pushed to the device's
// group over the REST API arrives as a bundle signed by the key
// `acs push-key` exports.
func TestMQTTLaneEndToEnd(t *testing.T) {
	sub, err := exec.LookPath("mosquitto_sub")
	if err != nil {
		t.Fatalf("mosquitto_sub not installed (testbench/setup.sh installs mosquitto-clients): %v", err)
	}
	dir := t.TempDir()
	s, err := New(Config{DataDir: dir, CWMPAddr: "127.0.0.1:0", APIAddr: "127.0.0.1:0", FilesAddr: "127.0.0.1:0",
		MQTTAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- s.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-errc; err != nil {
			t.Error(err)
		}
	}()
	select {
	case <-s.Ready():
	case err := <-errc:
		t.Fatal(err)
	}
	secret, err := LoadFleetSecret(dir)
	if err != nil {
		t.Fatal(err)
	}
	id := cwmp.DeviceIdStruct{Manufacturer: "Gatewarden", OUI: "00D09E", ProductClass: "GW", SerialNumber: "SN-MQTT-1"}
	devID := datamodel.DeviceID{OUI: id.OUI, ProductClass: id.ProductClass, SerialNumber: id.SerialNumber}.String()
	cpe := cwmptest.NewSimDevice(s.CWMPURL(), id, id.SerialNumber, CPEPassword(secret, id.SerialNumber), "Device.")
	cpe.Set("Device.MQTT.Client.1.Username", "", "string")
	cpe.Set("Device.MQTT.Client.1.Password", "", "string")
	cpe.Set("Device.WiFi.SSID.1.SSID", "old", "string")
	if err := cpe.RunSession(ctx); err != nil {
		t.Fatal(err)
	}
	user, _ := cpe.Value("Device.MQTT.Client.1.Username")
	pass, _ := cpe.Value("Device.MQTT.Client.1.Password")
	if user != devID || pass != MQTTPassword(secret, devID) || len(pass) < 20 {
		t.Fatalf("MQTT credentials set over CWMP: %q/%q", user, pass)
	}

	tok, err := os.ReadFile(filepath.Join(dir, AdminTokenFile))
	if err != nil {
		t.Fatal(err)
	}
	call := func(method, path, body string) (int, string) {
		req, _ := http.NewRequest(method, s.APIURL()+"/api/v1"+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(tok)))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	esc := datamodel.URLEscape(devID)
	if code, body := call("PUT", "/devices/"+esc+"/tags/pilot", ""); code != 200 {
		t.Fatalf("tag: %d %s", code, body)
	}
	if code, body := call("PUT", "/presets/wifi", `{"filter":"tag = \"pilot\"","values":[{"name":"Device.WiFi.SSID.1.SSID","value":"pushed"}]}`); code/100 != 2 {
		t.Fatalf("preset: %d %s", code, body)
	}

	port := s.MQTTAddr().(*net.TCPAddr).Port
	cmd := exec.Command("stdbuf", "-oL", sub, "-h", "127.0.0.1", "-p", strconv.Itoa(port), "-V", "mqttv311",
		"-u", devID, "-P", pass, "-i", devID, "-d", "-q", "1", "-t", mqttwire.GroupPushTopic("pilot"))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	lines := make(chan string, 32)
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 1<<16), mqttwire.MaxPayload+1024)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	waitLine := func(what string, ok func(string) bool) string {
		deadline := time.After(10 * time.Second)
		for {
			select {
			case l, open := <-lines:
				if !open {
					t.Fatalf("mosquitto_sub ended before %s", what)
				}
				if ok(l) {
					return l
				}
			case <-deadline:
				t.Fatalf("no %s", what)
			}
		}
	}
	waitLine("SUBACK", func(l string) bool { return strings.Contains(l, "received SUBACK") })

	code, body := call("POST", "/presets/wifi/push", `{"group":"pilot"}`)
	if code != http.StatusAccepted {
		t.Fatalf("push: %d %s", code, body)
	}
	var pv struct {
		ID      string `json:"id"`
		Version string `json:"version"`
		Counts  struct {
			Total, Pending int
		} `json:"counts"`
	}
	if err := json.Unmarshal([]byte(body), &pv); err != nil || pv.Counts.Total != 1 {
		t.Fatalf("push answer %s (%v)", body, err)
	}
	payload := waitLine("bundle", func(l string) bool { return strings.HasPrefix(l, "{") })
	pemKey, err := PushPublicKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := mqttwire.ParsePublicKey(pemKey)
	if err != nil {
		t.Fatal(err)
	}
	p, err := mqttwire.AcceptPush(mqttwire.GroupPushTopic("pilot"), []byte(payload), pub, &mqttwire.ReplayGuard{}, time.Now())
	if err != nil {
		t.Fatalf("bundle from the ACS: %v\n%s", err, payload)
	}
	if p.Version != pv.Version || len(p.Values) != 1 || p.Values[0].Value != "pushed" {
		t.Fatalf("bundle %+v", p)
	}
	// The push is visible with its pending delivery.
	code, body = call("GET", "/pushes/"+pv.ID, "")
	if code != 200 || !strings.Contains(body, `"status":"pending"`) || !strings.Contains(body, devID) {
		t.Fatalf("push status: %d %s", code, body)
	}
	// The device informs with the bundle's version as ParameterKey (it
	// applied the push; its ack was lost): the delivery converges and the
	// session sends nothing.
	cpe.Set("Device.WiFi.SSID.1.SSID", "pushed", "string")
	cpe.Set("Device.ManagementServer.ParameterKey", pv.Version, "string")
	before := len(cpe.Received())
	if err := cpe.RunSession(ctx); err != nil {
		t.Fatal(err)
	}
	if got := cpe.Received()[before:]; len(got) != 0 {
		t.Fatalf("session after the push sent %d requests", len(got))
	}
	code, body = call("GET", "/pushes/"+pv.ID, "")
	if code != 200 || !strings.Contains(body, `"status":"converged"`) {
		t.Fatalf("push status after Inform: %d %s", code, body)
	}
}

// The first session's MQTT credentials go only to TR-181 devices, and no
// longer to one that refused them (a CPE without Device.MQTT), so its
// connection-request credentials are not held back by them.
func TestMQTTCredentialsChoice(t *testing.T) {
	s, err := New(Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.st.Close()
	ctx := context.Background()
	d := &store.Device{ID: "00D09E-GW-SN9", Root: "InternetGatewayDevice."}
	if got := s.mqttCredentials(ctx, d); got != nil {
		t.Fatalf("TR-098 device got %v", got)
	}
	d.Root = "Device."
	got := s.mqttCredentials(ctx, d)
	if len(got) != 2 || got[0].Value != d.ID || got[1].Value != MQTTPassword(s.secret, d.ID) {
		t.Fatalf("credentials %v", got)
	}
	if err := s.st.AddFault(ctx, &store.Fault{Device: d.ID, RPC: "SetParameterValues", Code: 9003,
		Message: "setting connection-request credentials: Invalid arguments"}); err != nil {
		t.Fatal(err)
	}
	if got := s.mqttCredentials(ctx, d); got != nil {
		t.Fatalf("after a refusal: %v", got)
	}
}
