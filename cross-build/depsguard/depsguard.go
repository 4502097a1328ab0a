// Package depsguard pins what a binary may link, in the manner of
// tailscale's deps tests: `go list -deps` of the real build configuration,
// checked against a deny list, so a convenient import that drags a server
// library, cgo or a test helper into the router agent fails a test instead
// of quietly costing flash and RAM.
package depsguard

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"strings"
)

// Package is what the guard needs of one `go list -deps -json` entry.
type Package struct {
	ImportPath string
	CgoFiles   []string
	Imports    []string
}

// Rules say what a binary must not link. A pattern ending in "/..." denies
// the path and everything below it; any other pattern is one package.
type Rules struct {
	Deny []string
	// NoCgo denies runtime/cgo and any package with cgo files.
	NoCgo bool
}

// AgentRules keep the router agent small and free of server-side code: no
// ACS or testbench packages, no cgo and no libusb (only the `usb` tag may
// bring gousb; the default USB view reads sysfs), no debug endpoints,
// templates or test helpers, and none of the server-side modules in go.mod.
var AgentRules = Rules{
	NoCgo: true,
	Deny: []string{
		"gatewarden/acs/...",
		"gatewarden/testbench/...",
		"gatewarden/cross-build/...",
		"gatewarden/cpe-agent/internal/acstest/...",
		"gatewarden/cpe-agent/internal/crashtest/...",
		"github.com/google/gousb/...",
		"github.com/goreleaser/...",
		"github.com/prometheus/...",
		"github.com/mochi-mqtt/...",
		"github.com/jackc/...",
		// The agent speaks MQTT with its own small client on paho's
		// wire-format package; paho's client brings WebSocket and proxy
		// transports (about 450 KB on mipsle) a router never uses.
		"github.com/eclipse/paho.mqtt.golang",
		"github.com/gorilla/...",
		"golang.org/x/net/proxy",
		"golang.org/x/sync/...",
		// The Linux platform speaks rtnetlink on its own socket; the
		// netlink library (the reference in its tests) links a decoder
		// for every link kind and route encapsulation (about 320 KB on
		// mipsle).
		"github.com/vishvananda/...",
		// Each of these cost the router flash for little: os/exec (the
		// agent runs three commands, with os.StartProcess), cookiejar
		// (a CWMP session's cookies live for one session), regexp (about
		// 260 KB).
		"os/exec",
		"net/http/cookiejar",
		"regexp",
		"net/http/pprof",
		"expvar",
		"text/template",
		"html/template",
		"plugin",
		"testing/...",
	},
}

// ACSRules keep build and packaging tools and agent code out of the
// server binary.
var ACSRules = Rules{
	Deny: []string{
		"gatewarden/cpe-agent/...",
		"gatewarden/testbench/...",
		"gatewarden/cross-build/...",
		"github.com/goreleaser/...",
		"testing/...",
	},
}

// Violation is one denied package and how the binary reaches it.
type Violation struct {
	Package string
	Reason  string
	// Chain is the import path from the main package to Package.
	Chain []string
}

func (v Violation) String() string {
	return fmt.Sprintf("%s (%s), imported via %s", v.Package, v.Reason, strings.Join(v.Chain, " -> "))
}

// Denies reports whether pattern covers path.
func Denies(pattern, path string) bool {
	if base, ok := strings.CutSuffix(pattern, "/..."); ok {
		return path == base || strings.HasPrefix(path, base+"/")
	}
	return path == pattern
}

// Check lists every package in deps that rules deny, each with the import
// chain from main that brings it in.
func Check(main string, deps []Package, rules Rules) []Violation {
	var out []Violation
	for _, p := range deps {
		reason := ""
		for _, pat := range rules.Deny {
			if Denies(pat, p.ImportPath) {
				reason = "denied by " + pat
				break
			}
		}
		if reason == "" && rules.NoCgo {
			switch {
			case p.ImportPath == "runtime/cgo":
				reason = "cgo runtime"
			case len(p.CgoFiles) > 0:
				reason = "uses cgo in " + strings.Join(p.CgoFiles, ", ")
			}
		}
		if reason != "" {
			out = append(out, Violation{Package: p.ImportPath, Reason: reason, Chain: chain(main, p.ImportPath, deps)})
		}
	}
	return out
}

// chain finds a shortest import path from main to target.
func chain(main, target string, deps []Package) []string {
	imports := make(map[string][]string, len(deps))
	for _, p := range deps {
		imports[p.ImportPath] = p.Imports
	}
	prev := map[string]string{main: ""}
	queue := []string{main}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		if cur == target {
			var path []string
			for n := cur; n != ""; n = prev[n] {
				path = append(path, n)
			}
			slices.Reverse(path)
			return path
		}
		for _, next := range imports[cur] {
			if _, seen := prev[next]; !seen {
				prev[next] = cur
				queue = append(queue, next)
			}
		}
	}
	return []string{main, "?", target}
}

// ListOptions describe one `go list -deps` run.
type ListOptions struct {
	Dir  string   // the module root
	Env  []string // GOOS, GOARCH, CGO_ENABLED, ...
	Tags []string
	// Overlay is a `go build -overlay` JSON file; tests use it to add an
	// import without touching the tree.
	Overlay string
}

// List runs `go list -deps -json` for pkg and returns its main package's
// import path and every package it links.
func List(ctx context.Context, pkg string, o ListOptions) (string, []Package, error) {
	args := []string{"list", "-deps", "-json=ImportPath,CgoFiles,Imports,Error,DepsErrors"}
	if len(o.Tags) > 0 {
		args = append(args, "-tags", strings.Join(o.Tags, ","))
	}
	if o.Overlay != "" {
		args = append(args, "-overlay", o.Overlay)
	}
	args = append(args, pkg)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir, cmd.Env = o.Dir, o.Env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", nil, fmt.Errorf("go list -deps %s: %w\n%s", pkg, err, strings.TrimSpace(stderr.String()))
	}
	type listed struct {
		Package
		Error *struct{ Err string }
	}
	var deps []Package
	dec := json.NewDecoder(&stdout)
	for {
		var p listed
		err := dec.Decode(&p)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", nil, fmt.Errorf("go list -deps %s: %w", pkg, err)
		}
		if p.Error != nil {
			return "", nil, fmt.Errorf("go list -deps %s: %s: %s", pkg, p.ImportPath, p.Error.Err)
		}
		deps = append(deps, p.Package)
	}
	if len(deps) == 0 {
		return "", nil, fmt.Errorf("go list -deps %s: no packages", pkg)
	}
	// -deps prints dependencies first, the named package last.
	return deps[len(deps)-1].ImportPath, deps, nil
}
