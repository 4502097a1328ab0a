package packaging

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gatewarden/cpe-agent/agent"
	"gatewarden/cross-build/matrix"
)

var testMTime = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// fakeBinary stands in for an agent build: the package test checks that
// the bytes arrive intact, not what they do (the qemu smoke test runs
// real builds).
func fakeBinary(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "bin")
	if err := os.WriteFile(p, []byte(content), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// unpackedIPK is an .ipk taken apart the way opkg reads it.
type unpackedIPK struct {
	control   map[string]string
	conffiles []string
	ctrl      []entry
	data      []entry
}

func unpackIPK(t *testing.T, b []byte) unpackedIPK {
	t.Helper()
	outer := readTarGz(t, "ipk", b)
	var names []string
	for _, e := range outer {
		names = append(names, e.Name)
		if e.Typeflag != '0' {
			t.Errorf("ipk member %v is not a regular file", e)
		}
	}
	// opkg finds the members by name, with or without "./".
	if want := []string{"./debian-binary", "./control.tar.gz", "./data.tar.gz"}; !slices.Equal(names, want) {
		t.Fatalf("ipk members %q, want %q", names, want)
	}
	if got := string(member(t, "ipk", outer, "./debian-binary").Body); got != "2.0\n" {
		t.Errorf("debian-binary %q", got)
	}
	var u unpackedIPK
	u.ctrl = readTarGz(t, "control.tar.gz", member(t, "ipk", outer, "./control.tar.gz").Body)
	u.data = readTarGz(t, "data.tar.gz", member(t, "ipk", outer, "./data.tar.gz").Body)
	u.control = parseControl(t, member(t, "control.tar.gz", u.ctrl, "./control").Body)
	for _, l := range strings.Split(string(member(t, "control.tar.gz", u.ctrl, "./conffiles").Body), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			u.conffiles = append(u.conffiles, l)
		}
	}
	return u
}

func buildIPK(t *testing.T, arch, version, binContent string) unpackedIPK {
	t.Helper()
	var buf bytes.Buffer
	if err := BuildIPK(&buf, fakeBinary(t, binContent), arch, Options{Version: version, MTime: testMTime}); err != nil {
		t.Fatal(err)
	}
	return unpackIPK(t, buf.Bytes())
}

func TestIPK(t *testing.T) {
	for _, tg := range matrix.Targets {
		if tg.OpkgArch == "" {
			continue
		}
		t.Run(tg.OpkgArch, func(t *testing.T) {
			bin := "agent for " + tg.Name
			u := buildIPK(t, tg.OpkgArch, "v1.4.0-3-gabc1234", bin)
			want := map[string]string{
				"Package":      "gatewarden-agent",
				"Version":      "1.4.0+3.gabc1234",
				"Architecture": tg.OpkgArch,
				"Depends":      "procd, ca-bundle",
				"Maintainer":   Maintainer,
				"Section":      "net",
				"Priority":     "optional",
			}
			for k, v := range want {
				if u.control[k] != v {
					t.Errorf("control %s = %q, want %q", k, u.control[k], v)
				}
			}
			// opkg's free-space check reads bytes, not Debian's KiB.
			var total int
			for _, e := range u.data {
				total += len(e.Body)
			}
			if u.control["Installed-Size"] != strconv.Itoa(total) {
				t.Errorf("Installed-Size %q, want the %d bytes the files take", u.control["Installed-Size"], total)
			}
			if !strings.HasPrefix(u.control["Description"], "Gatewarden CPE agent") {
				t.Errorf("Description %q", u.control["Description"])
			}
			if !slices.Equal(u.conffiles, []string{AgentConfig}) {
				t.Errorf("conffiles %q, want only %s (upgrades keep the settings)", u.conffiles, AgentConfig)
			}
			files := map[string]entry{}
			for _, e := range u.data {
				if !strings.HasPrefix(e.Name, "./") {
					t.Errorf("data member %q is not ./-relative", e.Name)
				}
				if e.Uname != "root" {
					t.Errorf("%s owned by %q", e.Name, e.Uname)
				}
				if e.Typeflag == '0' {
					files["/"+strings.TrimPrefix(e.Name, "./")] = e
				}
			}
			if len(files) != 3 {
				t.Errorf("data files %v, want binary, init script and config", u.data)
			}
			checkFile := func(path string, mode int64) entry {
				e, ok := files[path]
				if !ok {
					t.Fatalf("no %s in data.tar.gz", path)
				}
				if e.Mode&0o7777 != mode {
					t.Errorf("%s mode %o, want %o", path, e.Mode&0o7777, mode)
				}
				return e
			}
			if b := checkFile(AgentBinary, 0o755).Body; string(b) != bin {
				t.Errorf("binary content %q", b)
			}
			embedded := func(name string) string {
				b, err := packageFiles.ReadFile("files/" + name)
				if err != nil {
					t.Fatal(err)
				}
				return string(b)
			}
			if got := string(checkFile(AgentInit, 0o755).Body); got != embedded("openwrt/gatewarden.init") {
				t.Error("init script differs from the source")
			}
			// The config carries the ACS password: root only.
			if got := string(checkFile(AgentConfig, 0o600).Body); got != embedded("openwrt/gatewarden.config") {
				t.Error("config differs from the source")
			}
			for _, s := range []string{"./postinst", "./prerm"} {
				if e := member(t, "control.tar.gz", u.ctrl, s); e.Mode&0o777 != 0o755 {
					t.Errorf("%s mode %o", s, e.Mode)
				}
			}
		})
	}
}

// A rebuild from the same inputs gives the same bytes, so packages can be
// compared across builds.
func TestIPKReproducible(t *testing.T) {
	bin := fakeBinary(t, "same")
	var a, b bytes.Buffer
	for _, buf := range []*bytes.Buffer{&a, &b} {
		if err := BuildIPK(buf, bin, "mipsel_24kc", Options{Version: "v1.0.0", MTime: testMTime}); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("two builds of the same .ipk differ")
	}
}

// The packaged config is read by the real agent's parser, which rejects
// unknown options: every option set, and every one shown commented out,
// is one the agent knows; and every option the agent knows is shown.
func TestPackagedConfigIsWhatTheAgentReads(t *testing.T) {
	src, err := packageFiles.ReadFile("files/openwrt/gatewarden.config")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cfg := agent.DefaultConfig()
	if err := agent.LoadConfigFile(&cfg, write("as-shipped", string(src)), true); err != nil {
		t.Fatalf("the agent rejects the packaged config: %v", err)
	}
	def := agent.DefaultConfig()
	// As shipped, only what a router needs differently from the sim-minded
	// defaults is set; memory and identity stay the agent's.
	if cfg.Platform != "linux" || cfg.DataDir != def.DataDir || cfg.ConnReqAddr != def.ConnReqAddr ||
		cfg.LogLevel != "info" || cfg.ACSURL != "" || cfg.MemoryLimit != def.MemoryLimit || cfg.GCPercent != def.GCPercent {
		t.Errorf("packaged config gives %+v", cfg)
	}

	// Uncomment the examples: each must still be an option the agent knows.
	var lines []string
	shown := map[string]bool{}
	for _, l := range strings.Split(string(src), "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(l), "#option "); ok {
			l = "\toption " + rest
		}
		if rest, ok := strings.CutPrefix(strings.TrimSpace(l), "option "); ok {
			shown[strings.Fields(rest)[0]] = true
		}
		lines = append(lines, l)
	}
	all := agent.DefaultConfig()
	if err := agent.LoadConfigFile(&all, write("uncommented", strings.Join(lines, "\n")), true); err != nil {
		t.Fatalf("a documented option is not one the agent reads: %v", err)
	}
	for name := range agentOptions(t) {
		if !shown[name] {
			t.Errorf("the agent reads option %s, which the packaged config does not show", name)
		}
	}
	// The commented defaults are the agent's own.
	if all.Manufacturer != def.Manufacturer || all.OUI != def.OUI || all.ProductClass != def.ProductClass ||
		all.ModelName != def.ModelName || all.HardwareVersion != def.HardwareVersion ||
		all.PeriodicInformInterval != def.PeriodicInformInterval {
		t.Errorf("documented identity defaults differ from the agent's: %+v vs %+v", all, def)
	}
	if want := agentConst(t, "defaultMemoryLimit"); all.MemoryLimit != want {
		t.Errorf("config shows memory_limit %d, the agent's default is %d (cpe-agent/cmd/cpe-agent)", all.MemoryLimit, want)
	}
	if want := agentConst(t, "defaultGCPercent"); int64(all.GCPercent) != want {
		t.Errorf("config shows gc_percent %d, the agent's default is %d (cpe-agent/cmd/cpe-agent)", all.GCPercent, want)
	}
}
