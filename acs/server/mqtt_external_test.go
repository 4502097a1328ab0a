package server

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"gatewarden/acs/internal/cwmpserver/cwmptest"
	"gatewarden/protocol/cwmp"
	"gatewarden/protocol/datamodel"
	"gatewarden/protocol/mqttwire"
)

// TestMQTTExternalMosquitto runs the ACS against a real mosquitto from
// Debian, configured with the shipped acs/deploy/mosquitto/gatewarden.conf:
// a device's first CWMP session makes the ACS register it on the broker,
// after which the device (mosquitto_sub with the credentials it was
// given) receives its connection request, and a stranger does not.
func TestMQTTExternalMosquitto(t *testing.T) {
	port := startMosquitto(t, "gatewarden-acs", "acs-pw")
	dir := t.TempDir()
	s, err := New(Config{DataDir: dir, CWMPAddr: "127.0.0.1:0", APIAddr: "127.0.0.1:0", FilesAddr: "127.0.0.1:0",
		MQTTExternal: "mqtt://gatewarden-acs:acs-pw@127.0.0.1:" + strconv.Itoa(port)})
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
	secret, _ := LoadFleetSecret(dir)
	id := cwmp.DeviceIdStruct{Manufacturer: "Gatewarden", OUI: "00D09E", ProductClass: "GW", SerialNumber: "SN-EXT-1"}
	devID := datamodel.DeviceID{OUI: id.OUI, ProductClass: id.ProductClass, SerialNumber: id.SerialNumber}.String()
	cpe := cwmptest.NewSimDevice(s.CWMPURL(), id, id.SerialNumber, CPEPassword(secret, id.SerialNumber), "Device.")
	cpe.Set("Device.MQTT.Client.1.Username", "", "string")
	cpe.Set("Device.MQTT.Client.1.Password", "", "string")
	if err := cpe.RunSession(ctx); err != nil {
		t.Fatal(err)
	}
	pass, _ := cpe.Value("Device.MQTT.Client.1.Password")
	if pass == "" {
		t.Fatal("no MQTT password set over CWMP")
	}
	sub := func(user, pw string) *exec.Cmd {
		return exec.Command("mosquitto_sub", "-h", "127.0.0.1", "-p", strconv.Itoa(port), "-V", "mqttv311",
			"-u", user, "-P", pw, "-i", user, "-t", mqttwire.DeviceTopic(devID, mqttwire.KindConnReq), "-C", "1", "-W", "10")
	}
	// A stranger with a made-up password is refused.
	if out, err := sub("00D09E-GW-STRANGER", "guess").CombinedOutput(); err == nil || !strings.Contains(string(out), "not authori") {
		t.Fatalf("stranger: %v %s", err, out)
	}
	cmd := sub(devID, pass)
	outc := make(chan string, 1)
	go func() { b, _ := cmd.CombinedOutput(); outc <- string(b) }()
	// Connection requests go out once the ACS sees the device online;
	// mosquitto_sub publishes no state, so send one directly until the
	// subscriber has it.
	deadline := time.Now().Add(10 * time.Second)
	for {
		l := s.mq.lane.Load()
		if err := l.RequestConnection(ctx, devID); err != nil {
			t.Fatal(err)
		}
		select {
		case out := <-outc:
			if !strings.Contains(out, `"id":`) {
				t.Fatalf("device got %q", out)
			}
			return
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("the device never received its connection request")
		}
	}
}

// startMosquitto runs Debian's mosquitto on loopback with the shipped
// configuration, its paths and port moved into a temporary directory.
func startMosquitto(t *testing.T, adminUser, adminPassword string) int {
	t.Helper()
	bin, err := exec.LookPath("mosquitto")
	if err != nil {
		if _, serr := os.Stat("/usr/sbin/mosquitto"); serr != nil {
			t.Fatalf("mosquitto not installed (testbench/setup.sh installs it): %v", err)
		}
		bin = "/usr/sbin/mosquitto"
	}
	plugins, _ := filepath.Glob("/usr/lib/*/mosquitto_dynamic_security.so")
	if len(plugins) == 0 {
		t.Fatal("mosquitto's dynamic-security plugin not found")
	}
	root, _ := os.Getwd()
	for ; ; root = filepath.Dir(root) {
		if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
			break
		}
		if filepath.Dir(root) == root {
			t.Fatal("go.mod not found")
		}
	}
	conf, err := os.ReadFile(filepath.Join(root, "acs/deploy/mosquitto/gatewarden.conf"))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	dir := t.TempDir()
	text := string(conf)
	for re, with := range map[string]string{
		`(?m)^plugin .*$`:                 "plugin " + plugins[0],
		`(?m)^plugin_opt_config_file .*$`: "plugin_opt_config_file " + filepath.Join(dir, "dynsec.json"),
		`(?m)^persistence_location .*$`:   "persistence_location " + dir + "/",
		`(?m)^listener 1883$`:             "listener " + strconv.Itoa(port) + " 127.0.0.1",
	} {
		text = regexp.MustCompile(re).ReplaceAllLiteralString(text, with)
	}
	if os.Geteuid() == 0 {
		text += "\nuser root\n"
	}
	confPath := filepath.Join(dir, "mosquitto.conf")
	if err := os.WriteFile(confPath, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mosquitto_ctrl", "dynsec", "init", filepath.Join(dir, "dynsec.json"), adminUser, adminPassword).CombinedOutput(); err != nil {
		t.Fatalf("mosquitto_ctrl dynsec init: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "-c", confPath)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	for deadline := time.Now().Add(10 * time.Second); ; {
		if c, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
			c.Close()
			return port
		}
		if time.Now().After(deadline) {
			t.Fatalf("mosquitto did not listen on %d", port)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
