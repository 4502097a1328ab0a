package main_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestBinaryDiag: `cpe-agent diag` reaches the running agent through the
// socket in its data directory, with no ACS reachable at all.
func TestBinaryDiag(t *testing.T) {
	dir := t.TempDir()
	// Port 1 on loopback: nobody answers, the agent keeps retrying.
	p := start(t, "run", "--platform", "sim", "--acs-url", "http://127.0.0.1:1/cwmp", "--data", dir, "--serial", "DIAG1",
		"--connreq-addr", freeAddr(t), "--local-addr", freeAddr(t))
	deadline := time.Now().Add(waitLimit)
	var code int
	var out, errOut string
	for {
		code, out, errOut = runOnce(t, "diag", "--data", dir, "status")
		if code == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if code != 0 {
		t.Fatalf("diag status: exit %d\n%s\n%s", code, errOut, p.stderr)
	}
	for _, want := range []string{"serial            DIAG1", "pending events    1 BOOT", "acs               http://127.0.0.1:1/cwmp", "line              Up"} {
		if !strings.Contains(out, want) {
			t.Errorf("diag status lacks %q:\n%s", want, out)
		}
	}
	// Flags after the command work too; the ping is real (root on CI).
	code, out, errOut = runOnce(t, "diag", "ping", "127.0.0.1", "--count", "2", "--data", dir)
	if code != 0 || !strings.Contains(out, "2 of 2 answered") {
		if os.Geteuid() != 0 && strings.Contains(errOut, "ICMP") {
			t.Logf("no ICMP socket for this user: %s", errOut)
		} else {
			t.Fatalf("diag ping: exit %d\n%s%s", code, out, errOut)
		}
	}
	code, out, _ = runOnce(t, "diag", "--data", dir, "bundle")
	if code != 0 || !strings.Contains(out, "Device.DeviceInfo.SerialNumber = DIAG1") {
		t.Fatalf("diag bundle: exit %d\n%.500s", code, out)
	}
	pw, _ := os.ReadFile(filepath.Join(dir, "local.password"))
	if len(strings.TrimSpace(string(pw))) < 12 || strings.Contains(out, strings.TrimSpace(string(pw))) {
		t.Fatalf("local password %q missing or shown in the bundle", pw)
	}
	// Usage errors and a data directory with no agent.
	if code, _, _ := runOnce(t, "diag", "--data", dir, "ping"); code != 2 {
		t.Fatalf("ping without a host: exit %d", code)
	}
	if code, _, errOut := runOnce(t, "diag", "--data", t.TempDir(), "status"); code != 1 || !strings.Contains(errOut, "no running agent") {
		t.Fatalf("no agent: exit %d %s", code, errOut)
	}
	if p.stop() != 0 {
		t.Fatalf("agent exit\n%s", p.stderr)
	}
}
