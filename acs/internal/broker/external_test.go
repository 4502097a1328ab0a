package broker

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
)

// repoRoot walks up to the folder holding go.mod.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found")
		}
		dir = parent
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// startMosquitto runs Debian's mosquitto on loopback with the shipped
// configuration (acs/deploy/mosquitto/gatewarden.conf), its paths and port
// moved into a temporary directory, and the ACS as dynsec admin.
func startMosquitto(t *testing.T, adminUser, adminPassword string) int {
	t.Helper()
	bin := "/usr/sbin/mosquitto"
	if _, err := os.Stat(bin); err != nil {
		if bin, err = exec.LookPath("mosquitto"); err != nil {
			t.Fatalf("mosquitto not installed (testbench/setup.sh installs it): %v", err)
		}
	}
	plugins, _ := filepath.Glob("/usr/lib/*/mosquitto_dynamic_security.so")
	if len(plugins) == 0 {
		t.Fatal("mosquitto's dynamic-security plugin not found under /usr/lib/*/")
	}
	conf, err := os.ReadFile(filepath.Join(repoRoot(t), "acs/deploy/mosquitto/gatewarden.conf"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	port := freePort(t)
	text := string(conf)
	for _, r := range []struct{ re, with string }{
		{`(?m)^plugin .*$`, "plugin " + plugins[0]},
		{`(?m)^plugin_opt_config_file .*$`, "plugin_opt_config_file " + filepath.Join(dir, "dynsec.json")},
		{`(?m)^persistence_location .*$`, "persistence_location " + dir + "/"},
		{`(?m)^listener 1883$`, "listener " + strconv.Itoa(port) + " 127.0.0.1"},
	} {
		re := regexp.MustCompile(r.re)
		if !re.MatchString(text) {
			t.Fatalf("shipped configuration lacks %s", r.re)
		}
		text = re.ReplaceAllLiteralString(text, r.with)
	}
	if os.Geteuid() == 0 {
		text += "\nuser root\n" // mosquitto drops to "mosquitto" otherwise and cannot read the temp dir
	}
	confPath := filepath.Join(dir, "mosquitto.conf")
	if err := os.WriteFile(confPath, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	ctrl := needTool(t, "mosquitto_ctrl")
	if out, err := exec.Command(ctrl, "dynsec", "init", filepath.Join(dir, "dynsec.json"), adminUser, adminPassword).CombinedOutput(); err != nil {
		t.Fatalf("mosquitto_ctrl dynsec init: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "-c", confPath)
	logf, err := os.Create(filepath.Join(dir, "mosquitto.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			b, _ := os.ReadFile(filepath.Join(dir, "mosquitto.log"))
			t.Logf("mosquitto log:\n%s", b)
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), time.Second)
		if err == nil {
			c.Close()
			return port
		}
		if time.Now().After(deadline) {
			t.Fatalf("mosquitto did not listen on %d", port)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestExternalMosquittoAccess(t *testing.T) {
	port := startMosquitto(t, "gatewarden-acs", "acs-admin-pw")
	pw := NewPasswords([]byte("fleet secret for tests"))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	e, err := NewExternal(ctx, ExternalConfig{
		URL:       "mqtt://gatewarden-acs:acs-admin-pw@127.0.0.1:" + strconv.Itoa(port),
		Passwords: pw,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if err := e.AllowDevice(ctx, devA, []string{"pilot"}); err != nil {
		t.Fatal(err)
	}
	if err := e.AllowDevice(ctx, devB, []string{"other"}); err != nil {
		t.Fatal(err)
	}
	// Idempotent.
	if err := e.AllowDevice(ctx, devA, []string{"pilot"}); err != nil {
		t.Fatal(err)
	}
	bg := context.Background()
	a, b := login{devA, pw.Password(devA)}, login{devB, pw.Password(devB)}
	runAccessAcceptance(t, acsView{
		port:      port,
		publish:   func(topic string, p []byte) error { return e.Publish(bg, topic, p, 1, false) },
		subscribe: func(f string, h Handler) error { return e.Subscribe(bg, f, 1, h) },
	}, a, b)

	t.Run("a tag removed is a group left", func(t *testing.T) {
		if err := e.AllowDevice(ctx, devA, nil); err != nil {
			t.Fatal(err)
		}
		out, _ := subOnce(t, port, a, "gw/v1/g/pilot/push", 3)
		if !strings.Contains(out, "denied") {
			t.Fatalf("A still allowed into pilot: %q", out)
		}
	})
}

func TestParseBrokerURL(t *testing.T) {
	for _, c := range []struct {
		in, server, user, pw string
		prov, bad            bool
	}{
		{in: "mqtt://u:p@h:1884", server: "tcp://h:1884", user: "u", pw: "p", prov: true},
		{in: "mqtts://h", server: "ssl://h:8883", prov: true},
		{in: "tcp://h?acl=none", server: "tcp://h:1883"},
		{in: "http://h", bad: true},
		{in: "mqtt://h?acl=maybe", bad: true},
		{in: "mqtt://", bad: true},
	} {
		s, u, p, prov, err := parseBrokerURL(c.in)
		if c.bad {
			if err == nil {
				t.Errorf("%s accepted", c.in)
			}
			continue
		}
		if err != nil || s != c.server || u != c.user || p != c.pw || prov != c.prov {
			t.Errorf("%s: %s %s %s %v %v", c.in, s, u, p, prov, err)
		}
	}
}
