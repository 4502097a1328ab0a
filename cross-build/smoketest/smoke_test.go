package smoketest

import (
	"bytes"
	"context"
	"debug/elf"
	"encoding/binary"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"gatewarden/acs/server"
	"gatewarden/cross-build/matrix"
)

// smokeTargets are the routers most deployed: MIPS both ways round,
// 32-bit ARM and 64-bit ARM.
var smokeTargets = []string{"mipsle", "mips", "armv7", "arm64"}

// within bounds each wait; qemu on a loaded 2-core machine is slow.
const within = 90 * time.Second

// machine is what the ELF header of each target's binary must say, so the
// test knows it ran foreign code rather than a host build.
var machine = map[string]struct {
	m     elf.Machine
	order binary.ByteOrder
}{
	"mipsle": {elf.EM_MIPS, binary.LittleEndian},
	"mips":   {elf.EM_MIPS, binary.BigEndian},
	"armv7":  {elf.EM_ARM, binary.LittleEndian},
	"arm64":  {elf.EM_AARCH64, binary.LittleEndian},
}

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

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestAgentsUnderQEMU(t *testing.T) {
	root, err := matrix.RepoRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	a := startACS(t)
	// The agent reads the config file the .ipk installs; flags override
	// what a lab run must change, as on a router's command line.
	config := filepath.Join(root, "cross-build", "packaging", "files", "openwrt", "gatewarden.config")
	for _, name := range smokeTargets {
		tg, ok := matrix.Lookup(name)
		if !ok {
			t.Fatalf("no target %s", name)
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			qemu := needQEMU(t, tg.QEMU)
			version := "9.8.7-smoke." + name
			bin := filepath.Join(t.TempDir(), "cpe-agent-linux-"+name)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			if err := tg.Build(ctx, root, matrix.AgentPackage, bin, version); err != nil {
				t.Fatal(err)
			}
			checkELF(t, bin, name)
			runSmoke(t, a, qemu, bin, config, name, version)
		})
	}
}

func checkELF(t *testing.T, bin, name string) {
	t.Helper()
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := machine[name]
	if f.Machine != want.m || f.ByteOrder != want.order {
		t.Fatalf("%s is %v %v, want %v %v", bin, f.Machine, f.ByteOrder, want.m, want.order)
	}
	for _, s := range f.Sections {
		if s.Name == ".symtab" || strings.HasPrefix(s.Name, ".debug_") {
			t.Errorf("release build has %s", s.Name)
		}
	}
}

func runSmoke(t *testing.T, a *acs, qemu, bin, config, name, version string) {
	serial := "SMOKE" + strings.ToUpper(name)
	id := "0090F5-GW1-" + serial
	var stderr syncBuffer
	cmd := exec.Command(qemu, bin, "run", "--config", config, "--platform", "sim",
		"--acs-url", a.cwmpURL, "--data", t.TempDir(), "--serial", serial,
		"--acs-username", serial, "--acs-password", server.CPEPassword(a.secret, serial),
		// Port 0: the agent publishes the port it got in its
		// ConnectionRequestURL, and a port picked ahead could be taken
		// during qemu's slow start.
		"--connreq-addr", "127.0.0.1:0", "--local-addr", "127.0.0.1:0", "--log-level", "debug")
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		select {
		case <-done:
		default:
			cmd.Process.Kill()
			<-done
		}
	})
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf(format+"\nagent log:\n%s", append(args, stderr.String())...)
	}

	// The boot Inform arrives and the ACS records the device.
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	var dev device
	for {
		status, err := a.call(ctx, "GET", devicePath(id), nil, &dev)
		if err == nil && dev.LastInform != "" {
			break
		}
		select {
		case <-done:
			fail("agent exited (%v) before its first Inform", cmd.ProcessState)
		case <-ctx.Done():
			fail("no Inform from %s within %s (last answer %d: %v)", id, within, status, err)
		case <-time.After(200 * time.Millisecond):
		}
	}
	if dev.SerialNumber != serial || dev.SoftwareVersion != version {
		fail("device recorded as %+v, want serial %s, software %s", dev, serial, version)
	}

	// A GetParameterValues through the REST API: the ACS wakes the agent
	// with a connection request and runs it in a new session.
	tctx, tcancel := context.WithTimeout(context.Background(), within)
	defer tcancel()
	var tk task
	status, err := a.call(tctx, "POST", devicePath(id)+"/tasks?wait=60s", map[string]any{
		"type":       "getParameterValues",
		"parameters": []string{"Device.DeviceInfo.SerialNumber", "Device.DeviceInfo.SoftwareVersion", "Device.DeviceInfo.UpTime"},
	}, &tk)
	if err != nil {
		fail("task: %v", err)
	}
	if status != http.StatusOK || tk.Status != "done" {
		fail("task answered HTTP %d, status %q (fault %+v), want 200 done", status, tk.Status, tk.Fault)
	}
	var res struct {
		Values []struct{ Name, Value, Type string } `json:"values"`
	}
	if err := json.Unmarshal(tk.Result, &res); err != nil {
		fail("task result %s: %v", tk.Result, err)
	}
	got := map[string]string{}
	for _, v := range res.Values {
		got[v.Name] = v.Value
	}
	if got["Device.DeviceInfo.SerialNumber"] != serial || got["Device.DeviceInfo.SoftwareVersion"] != version ||
		got["Device.DeviceInfo.UpTime"] == "" {
		fail("getParameterValues answered %v", got)
	}

	// SIGTERM reaches the guest through qemu; the agent stops cleanly.
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
		if code := cmd.ProcessState.ExitCode(); code != 0 {
			fail("agent exited with %d after SIGTERM", code)
		}
	case <-time.After(within):
		fail("agent did not stop within %s of SIGTERM", within)
	}
}
