package packaging

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// procdShim stands in for /etc/rc.common and procd's shell API: each call
// prints itself, and config_get reads UCI_<option> variables, so the init
// script's own logic runs unchanged under a POSIX sh.
const procdShim = `
config_load() { echo "config_load $*"; }
config_get() { eval "$1=\"\${UCI_$3}\""; }
logger() { echo "logger $*"; }
procd_open_instance() { echo "open_instance"; }
procd_set_param() { echo "set_param $*"; }
procd_close_instance() { echo "close_instance"; }
procd_add_reload_trigger() { echo "reload_trigger $*"; }
. "$1"
echo "USE_PROCD=$USE_PROCD START=$START STOP=$STOP"
start_service; echo "start_service returned $?"
service_triggers
`

func shell(t *testing.T) string {
	t.Helper()
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh on PATH")
	}
	return sh
}

func writeEmbedded(t *testing.T, name string) string {
	t.Helper()
	b, err := packageFiles.ReadFile("files/" + name)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), filepath.Base(name))
	if err := os.WriteFile(p, b, 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func runInit(t *testing.T, acsURL string) string {
	t.Helper()
	cmd := exec.Command(shell(t), "-c", procdShim, "shim", writeEmbedded(t, "openwrt/gatewarden.init"))
	cmd.Env = append(os.Environ(), "UCI_acs_url="+acsURL)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("init script under the procd shim: %v\n%s", err, out)
	}
	return string(out)
}

func TestInitScriptStartsUnderProcd(t *testing.T) {
	out := runInit(t, "https://acs.example.net:7547/cwmp")
	want := []string{
		"USE_PROCD=1 START=95 STOP=10",
		"config_load gatewarden",
		"open_instance",
		"set_param command /usr/bin/cpe-agent run --config /etc/config/gatewarden",
		"set_param respawn 3600 10 0",
		"set_param file /etc/config/gatewarden",
		"close_instance",
		"start_service returned 0",
		"reload_trigger gatewarden",
	}
	for _, w := range want {
		if !strings.Contains(out, w+"\n") {
			t.Errorf("missing %q in:\n%s", w, out)
		}
	}
	if strings.Index(out, "open_instance") > strings.Index(out, "close_instance") {
		t.Errorf("instance closed before it was opened:\n%s", out)
	}
}

// Without an ACS URL the agent would exit at once; the script refuses to
// start it and says which option is missing.
func TestInitScriptWithoutACSURL(t *testing.T) {
	out := runInit(t, "")
	if strings.Contains(out, "open_instance") {
		t.Errorf("started without acs_url:\n%s", out)
	}
	if !strings.Contains(out, "start_service returned 1") || !strings.Contains(out, "set option acs_url") {
		t.Errorf("no refusal with a reason:\n%s", out)
	}
}

// In an OpenWrt image build postinst only links the boot scripts, into
// the image's root.
func TestIPKPostinstInImageBuild(t *testing.T) {
	root := t.TempDir()
	cmd := exec.Command(shell(t), writeEmbedded(t, "openwrt/postinst"), "configure")
	cmd.Env = append(os.Environ(), "IPKG_INSTROOT="+root)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("postinst: %v\n%s", err, out)
	}
	for _, l := range []string{"S95gatewarden", "K10gatewarden"} {
		dst, err := os.Readlink(filepath.Join(root, "etc", "rc.d", l))
		if err != nil || dst != "../init.d/gatewarden" {
			t.Errorf("%s -> %q (%v)", l, dst, err)
		}
	}
	cmd = exec.Command(shell(t), writeEmbedded(t, "openwrt/prerm"))
	cmd.Env = append(os.Environ(), "IPKG_INSTROOT="+root)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("prerm in an image build: %v\n%s", err, out)
	}
}

// Every maintainer script parses as POSIX sh (dash here; busybox ash on
// the router).
func TestScriptsParse(t *testing.T) {
	for _, name := range []string{"openwrt/gatewarden.init", "openwrt/postinst", "openwrt/prerm",
		"debian/postinst", "debian/prerm", "debian/postrm"} {
		if out, err := exec.Command(shell(t), "-n", writeEmbedded(t, name)).CombinedOutput(); err != nil {
			t.Errorf("%s: %v\n%s", name, err, out)
		}
	}
}
