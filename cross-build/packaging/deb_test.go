package packaging

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"gatewarden/cross-build/matrix"
)

type unpackedDeb struct {
	raw       []byte
	control   map[string]string
	conffiles []string
	ctrl      []entry
	data      map[string]entry // absolute path -> regular file
}

func buildDeb(t *testing.T, in ACSFiles) unpackedDeb {
	t.Helper()
	var buf bytes.Buffer
	if err := BuildDeb(&buf, in, Options{Version: "v2.0.0-rc1", MTime: testMTime}); err != nil {
		t.Fatal(err)
	}
	u := unpackedDeb{raw: buf.Bytes(), data: map[string]entry{}}
	members := readAr(t, buf.Bytes())
	var names []string
	for _, m := range members {
		names = append(names, m.Name)
	}
	if want := []string{"debian-binary", "control.tar.gz", "data.tar.gz"}; !slices.Equal(names, want) {
		t.Fatalf("deb members %q, want %q", names, want)
	}
	if got := string(members[0].Body); got != "2.0\n" {
		t.Errorf("debian-binary %q", got)
	}
	u.ctrl = readTarGz(t, "control.tar.gz", members[1].Body)
	u.control = parseControl(t, member(t, "control.tar.gz", u.ctrl, "./control").Body)
	for _, l := range strings.Split(string(member(t, "control.tar.gz", u.ctrl, "./conffiles").Body), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			u.conffiles = append(u.conffiles, l)
		}
	}
	for _, e := range readTarGz(t, "data.tar.gz", members[2].Body) {
		if e.Typeflag == '0' {
			u.data["/"+strings.TrimPrefix(e.Name, "./")] = e
		}
	}
	return u
}

func TestDeb(t *testing.T) {
	acs := fakeBinary(t, "acs server")
	acl := fakeBinary(t, "pattern readwrite gatewarden/%c/#")
	u := buildDeb(t, ACSFiles{
		Binaries: map[string]string{"acs": acs},
		Examples: map[string]string{"mosquitto/acl.conf": acl},
	})
	want := map[string]string{
		"Package":      "gatewarden-acs",
		"Version":      "2.0.0~rc1",
		"Architecture": "amd64",
		"Depends":      "adduser",
		"Maintainer":   Maintainer,
		"Section":      "net",
	}
	for k, v := range want {
		if u.control[k] != v {
			t.Errorf("control %s = %q, want %q", k, u.control[k], v)
		}
	}
	if !slices.Equal(u.conffiles, []string{ACSConfig}) {
		t.Errorf("conffiles %q, want only %s", u.conffiles, ACSConfig)
	}
	for path, mode := range map[string]int64{
		"/usr/bin/acs": 0o755, ACSUnit: 0o644, ACSConfig: 0o644,
		ACSExamplesDir + "/mosquitto/acl.conf": 0o644,
	} {
		e, ok := u.data[path]
		if !ok {
			t.Errorf("no %s in the package", path)
			continue
		}
		if e.Mode&0o7777 != mode {
			t.Errorf("%s mode %o, want %o", path, e.Mode&0o7777, mode)
		}
	}
	if got := string(u.data["/usr/bin/acs"].Body); got != "acs server" {
		t.Errorf("acs binary content %q", got)
	}
	for _, s := range []string{"./postinst", "./prerm", "./postrm"} {
		if e := member(t, "control.tar.gz", u.ctrl, s); e.Mode&0o777 != 0o755 {
			t.Errorf("%s mode %o", s, e.Mode)
		}
	}
	post := string(member(t, "control.tar.gz", u.ctrl, "./postinst").Body)
	for _, w := range []string{"adduser --system", "gatewarden", "/var/lib/gatewarden"} {
		if !strings.Contains(post, w) {
			t.Errorf("postinst lacks %q", w)
		}
	}

	unit := string(u.data[ACSUnit].Body)
	for _, w := range []string{
		"User=gatewarden", "StateDirectory=gatewarden", "--data /var/lib/gatewarden",
		"--config " + ACSConfig, "NoNewPrivileges=yes", "ProtectSystem=strict",
		"CapabilityBoundingSet=\n", "SystemCallFilter=@system-service", "WantedBy=multi-user.target",
	} {
		if !strings.Contains(unit, w) {
			t.Errorf("unit lacks %q", w)
		}
	}

	if dpkgDeb, err := exec.LookPath("dpkg-deb"); err == nil {
		p := filepath.Join(t.TempDir(), "acs.deb")
		if err := os.WriteFile(p, u.raw, 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(dpkgDeb, "--field", p, "Package", "Version", "Architecture").CombinedOutput()
		if err != nil {
			t.Fatalf("dpkg-deb rejects the package: %v\n%s", err, out)
		}
		if got := string(out); got != "Package: gatewarden-acs\nVersion: 2.0.0~rc1\nArchitecture: amd64\n" {
			t.Errorf("dpkg-deb --field: %q", got)
		}
		if out, err := exec.Command(dpkgDeb, "--contents", p).CombinedOutput(); err != nil || !strings.Contains(string(out), "./usr/bin/acs") {
			t.Errorf("dpkg-deb --contents: %v\n%s", err, out)
		}
	}
}

// systemd itself checks the unit: no unknown or misspelt directive, and
// an exposure score that stays in systemd's "OK" band.
func TestSystemdUnit(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze not installed (Debian package systemd; testbench/setup.sh installs it)")
	}
	hostUnits := "/usr/lib/systemd/system"
	targets, _ := filepath.Glob(filepath.Join(hostUnits, "*.target"))
	if len(targets) == 0 {
		hostUnits = "/lib/systemd/system"
		targets, _ = filepath.Glob(filepath.Join(hostUnits, "*.target"))
	}
	if len(targets) == 0 {
		t.Skip("no systemd targets installed to verify against")
	}
	root := t.TempDir()
	unitDir := filepath.Join(root, "usr/lib/systemd/system")
	if err := os.MkdirAll(filepath.Join(root, "usr/bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(unitDir, 0o755); err != nil {
		t.Fatal(err)
	}
	// The targets the unit orders itself against, and an executable where
	// ExecStart points.
	for _, tg := range targets {
		b, err := os.ReadFile(tg)
		if err != nil {
			continue
		}
		if err := os.WriteFile(filepath.Join(unitDir, filepath.Base(tg)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "usr/bin/acs"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	unit, err := packageFiles.ReadFile("files/debian/gatewarden-acs.service")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(unitDir, "gatewarden-acs.service"), unit, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "verify", "--root="+root, "gatewarden-acs.service").CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
	// --threshold is the exposure level times ten; 2.0 of 10 is well inside "OK".
	out, err = exec.Command(analyze, "security", "--offline=yes", "--threshold=20", "--root="+root, "gatewarden-acs.service").CombinedOutput()
	if err != nil {
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		t.Errorf("systemd-analyze security: %v; %s", err, lines[len(lines)-1])
	}
}

// The shipped acs.json is accepted by the real ACS (its config loader
// refuses unknown keys) and the server comes up with it.
func TestACSAcceptsPackagedConfig(t *testing.T) {
	root, err := matrix.RepoRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "acs")
	build := exec.Command("go", "build", "-o", bin, "./acs/cmd/acs")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build acs: %v\n%s", err, out)
	}
	cfg := writeEmbedded(t, "debian/acs.json")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	api := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var logs bytes.Buffer
	// The file's ports are the production ones; the test moves them to
	// loopback, as an operator's flags would.
	cmd := exec.CommandContext(ctx, bin, "serve", "--config", cfg, "--data", t.TempDir(),
		"--cwmp-addr", "127.0.0.1:0", "--api-addr", api, "--files-addr", "127.0.0.1:0", "--mqtt-addr", "127.0.0.1:0")
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		cmd.Process.Signal(os.Interrupt)
		<-exited
	}()
	for {
		resp, err := http.Get(fmt.Sprintf("http://%s/healthz", api))
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("acs serve with the packaged config exited: %v\n%s", err, logs.String())
		case <-ctx.Done():
			// CommandContext kills it; its log is complete once Wait returns.
			exited <- <-exited
			t.Fatalf("acs serve with the packaged config did not answer /healthz\n%s", logs.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
}
