package agent_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"gatewarden/cpe-agent/agent"
)

func writeConfig(t testing.TB, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "gatewarden")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadConfigFile(t *testing.T) {
	p := writeConfig(t, `# /etc/config/gatewarden
config agent 'main'
	option platform 'sim'
	option acs_url 'https://acs.example.net/cwmp'
	option acs_username cpe
	option acs_password 'it'\''s secret'
	option data_dir /overlay/gatewarden
	option serial "SN-1"
	option connreq_addr ':17547'
	option local_addr 192.168.1.1:8080
	option mqtt_url 'mqtts://acs.example.net:8883'
	option ca_file /etc/gatewarden/ca.pem
	option log_level warn
	option manufacturer 'ACME'
	option oui 00D09E
	option product_class GW9
	option model_name 'GW 9000'
	option hardware_version 'rev B'
	option software_version 2.1.0
	option memory_limit 16M
	option periodic_inform_interval 900

config something_else
	option whatever 1
`)
	c := agent.DefaultConfig()
	if err := agent.LoadConfigFile(&c, p, true); err != nil {
		t.Fatal(err)
	}
	want := agent.Config{
		Platform: "sim", ACSURL: "https://acs.example.net/cwmp", ACSUsername: "cpe", ACSPassword: "it's secret",
		DataDir: "/overlay/gatewarden", Serial: "SN-1", ConnReqAddr: ":17547", LocalAddr: "192.168.1.1:8080",
		MQTTURL: "mqtts://acs.example.net:8883", CAFile: "/etc/gatewarden/ca.pem", MemoryLimit: 16 << 20, LogLevel: "warn",
		Manufacturer: "ACME", OUI: "00D09E", ProductClass: "GW9", ModelName: "GW 9000", HardwareVersion: "rev B",
		SoftwareVersion: "2.1.0", PeriodicInformInterval: 900 * time.Second,
	}
	if !reflect.DeepEqual(c, want) {
		t.Fatalf("got  %+v\nwant %+v", c, want)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestLoadConfigFileMissing(t *testing.T) {
	c := agent.DefaultConfig()
	missing := filepath.Join(t.TempDir(), "none")
	if err := agent.LoadConfigFile(&c, missing, false); err != nil {
		t.Fatalf("missing default file: %v", err)
	}
	if !reflect.DeepEqual(c, agent.DefaultConfig()) {
		t.Fatal("a missing file changed the defaults")
	}
	if err := agent.LoadConfigFile(&c, missing, true); err == nil {
		t.Fatal("a missing named file is not an error")
	}
}

func TestLoadConfigFileErrors(t *testing.T) {
	for _, c := range []struct{ body, want string }{
		{"config agent 'main'\n\toption colour blue\n", `line 2: unknown option "colour"`},
		{"config agent 'main'\n\tlist acs_url a\n\tlist acs_url b\n", `"acs_url" takes one value, not a list`},
		{"config agent 'main'\n\toption periodic_inform_interval 0\n", "periodic_inform_interval"},
		{"config agent 'main'\n\toption periodic_inform_interval soon\n", "periodic_inform_interval"},
		{"config agent 'main'\n\toption memory_limit lots\n", "memory_limit"},
		{"config other 'main'\n\toption acs_url x\n", "no `config agent 'main'` section"},
		{"config agent 'main'\n\toption acs_url 'unterminated\n", "config"},
	} {
		cfg := agent.DefaultConfig()
		err := agent.LoadConfigFile(&cfg, writeConfig(t, c.body), true)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want one mentioning %q", c.body, err, c.want)
		}
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{
		"0": 0, "4096": 4096, "16K": 16 << 10, "24M": 24 << 20, "24MiB": 24 << 20, "24mb": 24 << 20, "1G": 1 << 30, " 8M ": 8 << 20,
	} {
		got, err := agent.ParseSize(in)
		if err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "M", "-1M", "1.5M", "12T", "lots"} {
		if _, err := agent.ParseSize(bad); err == nil {
			t.Errorf("ParseSize(%q) accepted", bad)
		}
	}
}

func TestValidate(t *testing.T) {
	ok := agent.DefaultConfig()
	ok.Platform, ok.ACSURL, ok.DataDir = "sim", "http://127.0.0.1/cwmp", "/tmp/x"
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		mod  func(*agent.Config)
		want string
	}{
		{func(c *agent.Config) { c.Platform = "toaster" }, "platform"},
		{func(c *agent.Config) { c.ACSURL = "" }, "no ACS URL"},
		{func(c *agent.Config) { c.ACSURL = "ftp://acs/" }, "want http:// or https://"},
		{func(c *agent.Config) { c.DataDir = "" }, "no data directory"},
		{func(c *agent.Config) { c.OUI = "00d09e" }, "OUI"},
		{func(c *agent.Config) { c.OUI = "00D09" }, "OUI"},
	} {
		cfg := ok
		c.mod(&cfg)
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", cfg, err, c.want)
		}
	}
}

// FuzzLoadConfigFile feeds arbitrary files to the config loader: it may
// refuse them, never panic, and what it accepts validates without panic.
func FuzzLoadConfigFile(f *testing.F) {
	f.Add("config agent 'main'\n\toption acs_url 'http://acs/cwmp'\n\toption memory_limit 24M\n")
	f.Add("config agent\n\toption periodic_inform_interval 60\n\toption oui 0090F5\n")
	f.Add("package gatewarden\nconfig agent 'main'\n\tlist ca_file a\n")
	f.Add("config agent 'main'\n\toption acs_password 'it'\\''s'\n# comment\n")
	f.Add("")
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, body string) {
		p := filepath.Join(dir, "gatewarden")
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		c := agent.DefaultConfig()
		if err := agent.LoadConfigFile(&c, p, true); err != nil {
			return
		}
		_ = c.Validate()
		if c.MemoryLimit < 0 || c.PeriodicInformInterval < 0 {
			t.Fatalf("negative setting accepted: %+v", c)
		}
	})
}

// FuzzParseSize: a size it accepts is never negative, and the plain
// number it is made of parses back to the same value.
func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"24M", "16K", "1G", "4096", "24MiB", "-1", "9223372036854775807K", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := agent.ParseSize(s)
		if err != nil {
			return
		}
		if n < 0 {
			t.Fatalf("ParseSize(%q) = %d", s, n)
		}
	})
}
