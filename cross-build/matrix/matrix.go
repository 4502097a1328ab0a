// Package matrix is the list of router targets the agent is built for and
// the one way every part of cross-build compiles for them, so `make cross`,
// the qemu smoke test and the qemu unit-test harness share one build cache.
package matrix

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Target is one GOOS=linux build of the agent.
type Target struct {
	// Name is the suffix of dist/cpe-agent-linux-NAME.
	Name   string
	GOARCH string
	// Env holds the GOARM/GOMIPS/GOMIPS64 setting of the target, if any.
	Env []string
	// QEMU is the qemu-user binary that runs it (Debian's qemu-user-static).
	QEMU string
	// OpkgArch is the OpenWrt package architecture this binary is shipped
	// for, empty when no .ipk is made for the target.
	OpkgArch string
}

// Targets are the routers ISPs deploy: MIPS big and little endian without
// an FPU, ARMv5/v7/v8, and the rarer MIPS64.
var Targets = []Target{
	{Name: "armv5", GOARCH: "arm", Env: []string{"GOARM=5"}, QEMU: "qemu-arm-static"},
	{Name: "armv7", GOARCH: "arm", Env: []string{"GOARM=7"}, QEMU: "qemu-arm-static", OpkgArch: "arm_cortex-a7"},
	{Name: "arm64", GOARCH: "arm64", QEMU: "qemu-aarch64-static", OpkgArch: "aarch64_cortex-a53"},
	{Name: "mips", GOARCH: "mips", Env: []string{"GOMIPS=softfloat"}, QEMU: "qemu-mips-static", OpkgArch: "mips_24kc"},
	{Name: "mipsle", GOARCH: "mipsle", Env: []string{"GOMIPS=softfloat"}, QEMU: "qemu-mipsel-static", OpkgArch: "mipsel_24kc"},
	{Name: "mips64", GOARCH: "mips64", Env: []string{"GOMIPS64=softfloat"}, QEMU: "qemu-mips64-static"},
}

// Lookup returns the target called name.
func Lookup(name string) (Target, bool) {
	for _, t := range Targets {
		if t.Name == name {
			return t, true
		}
	}
	return Target{}, false
}

// AgentPackage is the main package of the router agent.
const AgentPackage = "./cpe-agent/cmd/cpe-agent"

// VersionSymbol is where the linker stamps the release version.
const VersionSymbol = "gatewarden/protocol/buildinfo.Version"

// BuildEnv is the environment of a build or `go list` for t: static, no
// cgo, whatever the caller's environment says.
func (t Target) BuildEnv() []string {
	env := append(os.Environ(), "GOOS=linux", "GOARCH="+t.GOARCH, "CGO_ENABLED=0")
	// An inherited GOARM/GOMIPS meant for another target must not leak in.
	env = append(env, "GOARM=", "GOMIPS=", "GOMIPS64=")
	return append(env, t.Env...)
}

// BuildFlags are the flags of a release build: no local paths, no symbol
// table or DWARF (routers have little flash), the version stamped, and no
// HTTP/2 in net/http (CWMP, connection requests and firmware downloads
// are HTTP/1.1; the tag saves about 590 KB on mipsle).
func BuildFlags(version string) []string {
	ld := "-s -w"
	if version != "" {
		ld += " -X " + VersionSymbol + "=" + version
	}
	return []string{"-trimpath", "-tags", ReleaseTags, "-ldflags", ld}
}

// ReleaseTags are the build tags of release builds.
const ReleaseTags = "nethttpomithttp2"

// AgentBuildFlags are BuildFlags plus the compiler settings of the router
// agent, whose flash is the scarcest thing it has: no inlining, which
// makes the mipsle binary about 9% smaller, except where measurements
// showed inlining pays for itself:
//   - crypto's arithmetic (crypto/internal/..., x/crypto): field and
//     big-number code built from tiny helpers; without inlining, ECDH
//     P-256 was 5x and X25519 3x slower under qemu-mipsel. The protocol
//     layers above it (crypto/tls, crypto/x509, ...) are not inlined: a
//     TLS handshake stayed within noise of the inlined build.
//   - net (net/http and below): without inlining, escape analysis sends
//     per-request buffers to the heap, and the agent's RSS right after a
//     burst of sessions was 0.6 MB higher (BenchmarkIdleSessions).
//   - the schema decoder: the same effect at start-up, 0.5 MB of RSS.
//
// The runtime package itself is not inlined either (100 KB less on
// mipsle): an allocation-heavy decode is about 20% slower for it, which
// the agent, allocating little per session, does not measurably feel;
// internal/runtime (maps, atomics, syscalls) keeps inlining.
//
// CPU per idle session did not measurably change (BenchmarkIdleSessions).
// The ACS is built with BuildFlags alone: it has the disk and wants speed.
func AgentBuildFlags(version string) []string {
	flags := BuildFlags(version)
	for _, g := range agentGCFlags {
		flags = append(flags, "-gcflags="+g)
	}
	return flags
}

// agentGCFlags are applied in order; for a package matched by several, the
// last match wins (go help build).
var agentGCFlags = []string{
	"all=-l",
	"crypto/internal/...=",
	"vendor/golang.org/x/crypto/...=",
	"internal/runtime/...=",
	"net/...=",
	"gatewarden/protocol/datamodel/...=",
}

// Build compiles pkg (a path relative to root, e.g. AgentPackage) for t
// into out.
func (t Target) Build(ctx context.Context, root, pkg, out, version string) error {
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return fmt.Errorf("build %s: %w", t.Name, err)
	}
	flags := BuildFlags(version)
	if pkg == AgentPackage {
		flags = AgentBuildFlags(version)
	}
	args := append([]string{"build"}, flags...)
	args = append(args, "-o", out, pkg)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	cmd.Env = t.BuildEnv()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build %s for %s: %w\n%s", pkg, t.Name, err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// RepoRoot is the folder holding go.mod, found upwards from dir.
func RepoRoot(dir string) (string, error) {
	d, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("repo root: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("repo root: no go.mod above %s", dir)
		}
		d = parent
	}
}
