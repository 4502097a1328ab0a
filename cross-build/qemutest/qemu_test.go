package qemutest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"gatewarden/cross-build/matrix"
)

// defaultArchs are the targets whose bugs a little-endian 64-bit host
// hides: big-endian MIPS and 32-bit ARM, plus little-endian 32-bit MIPS,
// the commonest home-router CPU, which the Linux platform's parsers must
// pass on. GATEWARDEN_QEMU_TARGETS (a comma-separated list of target
// names, e.g. "mips,mipsle,armv7,arm64") changes the run.
var defaultArchs = []string{"mips", "mipsle", "armv7"}

func targets(t *testing.T) []matrix.Target {
	names := defaultArchs
	if env := os.Getenv("GATEWARDEN_QEMU_TARGETS"); env != "" {
		names = strings.Split(env, ",")
	}
	var out []matrix.Target
	for _, n := range names {
		tg, ok := matrix.Lookup(strings.TrimSpace(n))
		if !ok {
			t.Fatalf("GATEWARDEN_QEMU_TARGETS: unknown target %q", n)
		}
		out = append(out, tg)
	}
	return out
}

// needQEMU returns the qemu-user binary's path. Only a non-root run may
// skip when it is missing: as root (CI, this machine) testbench/setup.sh
// installs it, so its absence is a failure.
func needQEMU(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if os.Geteuid() != 0 {
		t.Skipf("%s not installed and not root to install it (Debian package qemu-user-static; run testbench/setup.sh as root)", name)
	}
	t.Fatalf("%s not installed: run testbench/setup.sh (Debian package qemu-user-static)", name)
	return ""
}

var resultLine = regexp.MustCompile(`(?m)^(ok|FAIL|\?)\s+(\S+)`)

// TestUnderQEMU compiles the listed packages' tests for each target and
// runs them under qemu-user, with the same flags as the release build so
// the smoke test's builds and these share the compiled standard library.
func TestUnderQEMU(t *testing.T) {
	root, err := matrix.RepoRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	list, err := os.ReadFile(filepath.Join(root, "cross-build", "qemu-packages.txt"))
	if err != nil {
		t.Fatal(err)
	}
	groups, err := ParseList(bytes.NewReader(list))
	if err != nil {
		t.Fatal(err)
	}
	timeout := 10 * time.Minute
	if d, ok := t.Deadline(); ok {
		timeout = time.Until(d) - 30*time.Second
	}
	for _, tg := range targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			t.Parallel()
			qemu := needQEMU(t, tg.QEMU)
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			ran := 0
			for _, g := range groups {
				// -vet=off: make lint vets every package once, natively;
				// vetting again per architecture only costs CPU.
				args := []string{"test", "-trimpath", "-vet=off", "-count=1", "-exec", qemu,
					"-timeout", fmt.Sprint(timeout.Round(time.Second))}
				args = append(append(args, g.Packages...), g.Flags...)
				cmd := exec.CommandContext(ctx, "go", args...)
				cmd.Dir, cmd.Env = root, tg.BuildEnv()
				out, err := cmd.CombinedOutput()
				if err != nil {
					t.Errorf("go %s (GOARCH=%s %s): %v\n%s", strings.Join(args, " "), tg.GOARCH,
						strings.Join(tg.Env, " "), err, out)
					continue
				}
				for _, m := range resultLine.FindAllStringSubmatch(string(out), -1) {
					if m[1] == "ok" {
						ran++
					}
				}
				t.Logf("%s:\n%s", strings.Join(g.Packages, " "), out)
			}
			if !t.Failed() && ran == 0 {
				t.Errorf("no package's tests ran under %s", tg.QEMU)
			}
		})
	}
}

func TestParseList(t *testing.T) {
	groups, err := ParseList(strings.NewReader(`# comment
gatewarden/protocol/...
gatewarden/a -skip ^TestCrash
gatewarden/b
gatewarden/c -skip ^TestCrash

`))
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) != 2 ||
		strings.Join(groups[0].Packages, " ") != "gatewarden/protocol/... gatewarden/b" || len(groups[0].Flags) != 0 ||
		strings.Join(groups[1].Packages, " ") != "gatewarden/a gatewarden/c" ||
		strings.Join(groups[1].Flags, " ") != "-skip ^TestCrash" {
		t.Errorf("groups %+v", groups)
	}
	for _, bad := range []string{
		"", "# only a comment\n", "-skip x\n", "fmt\n",
		"gatewarden/a gatewarden/b\n", "gatewarden/a\ngatewarden/a -v\n",
	} {
		if _, err := ParseList(strings.NewReader(bad)); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}
