package depsguard

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gatewarden/cross-build/matrix"
)

func root(t *testing.T) string {
	t.Helper()
	r, err := matrix.RepoRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func targetEnv(t *testing.T, name string) []string {
	t.Helper()
	tg, ok := matrix.Lookup(name)
	if !ok {
		t.Fatalf("no target %s", name)
	}
	return tg.BuildEnv()
}

// The default agent build, on every router target, links nothing denied.
func TestAgentDeps(t *testing.T) {
	r := root(t)
	for _, tg := range matrix.Targets {
		t.Run(tg.Name, func(t *testing.T) {
			t.Parallel()
			main, deps, err := List(context.Background(), matrix.AgentPackage, ListOptions{Dir: r, Env: tg.BuildEnv()})
			if err != nil {
				t.Fatal(err)
			}
			if main != "gatewarden/cpe-agent/cmd/cpe-agent" {
				t.Fatalf("main package %q", main)
			}
			for _, v := range Check(main, deps, AgentRules) {
				t.Errorf("agent links %s", v)
			}
		})
	}
}

// The ACS, as packaged in the .deb, links neither agent code nor the
// packaging library.
func TestACSDeps(t *testing.T) {
	env := append(os.Environ(), "GOOS=linux", "GOARCH=amd64", "CGO_ENABLED=0")
	main, deps, err := List(context.Background(), "./acs/cmd/acs", ListOptions{Dir: root(t), Env: env})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range Check(main, deps, ACSRules) {
		t.Errorf("acs links %s", v)
	}
}

// overlay writes a `-overlay` file adding files (repository-relative path
// -> content) to the tree as the go command sees it.
func overlay(t *testing.T, r string, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	replace := map[string]string{}
	i := 0
	for rel, content := range files {
		i++
		src := filepath.Join(dir, "probe"+string(rune('0'+i))+".go")
		if err := os.WriteFile(src, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		replace[filepath.Join(r, rel)] = src
	}
	b, err := json.Marshal(map[string]any{"Replace": replace})
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "overlay.json")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// Adding a forbidden import anywhere in the agent fails the guard, with the
// chain that pulls it in: shown on the real agent with files added through
// an overlay, so the tree is never touched.
func TestGuardCatchesForbiddenImports(t *testing.T) {
	r := root(t)
	ov := overlay(t, r, map[string]string{
		"cpe-agent/cmd/cpe-agent/zz_depsguard_probe.go": "package main\n\nimport _ \"net/http/pprof\"\n",
		"cpe-agent/agent/zz_depsguard_probe.go":         "package agent\n\nimport (\n\t_ \"gatewarden/acs/server\"\n\t_ \"text/template\"\n\t_ \"github.com/eclipse/paho.mqtt.golang\"\n\t_ \"github.com/vishvananda/netlink\"\n)\n",
	})
	main, deps, err := List(context.Background(), matrix.AgentPackage, ListOptions{Dir: r, Env: targetEnv(t, "mipsle"), Overlay: ov})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Violation{}
	for _, v := range Check(main, deps, AgentRules) {
		got[v.Package] = v
	}
	for pkg, via := range map[string]string{
		"net/http/pprof":                      "gatewarden/cpe-agent/cmd/cpe-agent -> net/http/pprof",
		"gatewarden/acs/server":               "gatewarden/cpe-agent/cmd/cpe-agent -> gatewarden/cpe-agent/agent -> gatewarden/acs/server",
		"text/template":                       "gatewarden/cpe-agent/cmd/cpe-agent -> gatewarden/cpe-agent/agent -> text/template",
		"github.com/eclipse/paho.mqtt.golang": "gatewarden/cpe-agent/cmd/cpe-agent -> gatewarden/cpe-agent/agent -> github.com/eclipse/paho.mqtt.golang",
		"github.com/gorilla/websocket":        "gatewarden/cpe-agent/cmd/cpe-agent -> gatewarden/cpe-agent/agent -> github.com/eclipse/paho.mqtt.golang -> github.com/gorilla/websocket",
		"github.com/vishvananda/netlink":      "gatewarden/cpe-agent/cmd/cpe-agent -> gatewarden/cpe-agent/agent -> github.com/vishvananda/netlink",
	} {
		v, ok := got[pkg]
		if !ok {
			t.Errorf("guard missed %s", pkg)
			continue
		}
		if c := strings.Join(v.Chain, " -> "); c != via {
			t.Errorf("%s: chain %q, want %q", pkg, c, via)
		}
	}
	// paho's wire-format package is what the agent's MQTT client uses.
	for _, allowed := range []string{"github.com/eclipse/paho.mqtt.golang/packets"} {
		if v, ok := got[allowed]; ok {
			t.Errorf("guard denied %s, which the agent may use: %v", allowed, v)
		}
	}
	// What the ACS brings along is denied too (prometheus, the broker).
	for _, dep := range []string{"github.com/prometheus/client_golang/prometheus"} {
		if _, ok := got[dep]; !ok {
			t.Errorf("guard missed %s, which gatewarden/acs/server links", dep)
		}
	}
}

// A cgo file in the agent fails the guard when cgo is on, which is how a
// forgotten build tag would show up.
func TestGuardCatchesCgo(t *testing.T) {
	r := root(t)
	ov := overlay(t, r, map[string]string{
		"cpe-agent/agent/zz_depsguard_cgo.go": "package agent\n\n// int probe(void) { return 1; }\nimport \"C\"\n\nvar _ = C.probe\n",
	})
	env := append(targetEnv(t, "mipsle"), "CGO_ENABLED=1")
	main, deps, err := List(context.Background(), matrix.AgentPackage, ListOptions{Dir: r, Env: env, Overlay: ov})
	if err != nil {
		t.Fatal(err)
	}
	var reasons []string
	for _, v := range Check(main, deps, AgentRules) {
		reasons = append(reasons, v.Package+": "+v.Reason)
	}
	if !slices.Contains(reasons, "runtime/cgo: cgo runtime") {
		t.Errorf("runtime/cgo not reported: %q", reasons)
	}
	if !slices.ContainsFunc(reasons, func(s string) bool {
		return strings.HasPrefix(s, "gatewarden/cpe-agent/agent: uses cgo in ") && strings.Contains(s, "zz_depsguard_cgo.go")
	}) {
		t.Errorf("the cgo file in the agent package not reported: %q", reasons)
	}
}

func TestDenies(t *testing.T) {
	for _, c := range []struct {
		pattern, path string
		want          bool
	}{
		{"gatewarden/acs/...", "gatewarden/acs", true},
		{"gatewarden/acs/...", "gatewarden/acs/server", true},
		{"gatewarden/acs/...", "gatewarden/acsctl", false},
		{"testing/...", "testing", true},
		{"testing/...", "testing/iotest", true},
		{"text/template", "text/template", true},
		{"text/template", "text/template/parse", false},
		{"expvar", "expvar2", false},
	} {
		if got := Denies(c.pattern, c.path); got != c.want {
			t.Errorf("Denies(%q, %q) = %v", c.pattern, c.path, got)
		}
	}
}

func TestCheckChains(t *testing.T) {
	deps := []Package{
		{ImportPath: "fmt"},
		{ImportPath: "testing", Imports: []string{"fmt"}},
		{ImportPath: "example/helper", Imports: []string{"testing"}},
		{ImportPath: "example/usb", CgoFiles: []string{"usb.go"}},
		{ImportPath: "example/main", Imports: []string{"fmt", "example/helper", "example/usb"}},
	}
	vs := Check("example/main", deps, AgentRules)
	if len(vs) != 2 {
		t.Fatalf("violations %v", vs)
	}
	if vs[0].String() != "testing (denied by testing/...), imported via example/main -> example/helper -> testing" {
		t.Errorf("got %q", vs[0])
	}
	if vs[1].Package != "example/usb" || vs[1].Reason != "uses cgo in usb.go" {
		t.Errorf("got %q", vs[1])
	}
	if vs := Check("example/main", deps, Rules{}); len(vs) != 0 {
		t.Errorf("empty rules denied %v", vs)
	}
}
