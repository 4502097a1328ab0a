// Command crossbuild is `make cross`: it builds the router agent for every
// target, prints the size table against cross-build/budgets.txt, and
// writes the OpenWrt packages and the ACS's .deb into dist/. It exits 1
// when a target is over budget, after writing everything, so the table
// and the packages are there to look at.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"gatewarden/cross-build/budget"
	"gatewarden/cross-build/matrix"
	"gatewarden/cross-build/packaging"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

type options struct {
	root, out, budgets, version string
	targets                     []matrix.Target
	jobs                        int
	record                      bool
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("crossbuild", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	fs.StringVar(&o.out, "out", "dist", "output directory")
	fs.StringVar(&o.budgets, "budgets", "cross-build/budgets.txt", "size budgets file")
	fs.StringVar(&o.version, "version", "dev", "version stamped into the binaries and packages")
	fs.IntVar(&o.jobs, "jobs", 2, "builds at once")
	fs.BoolVar(&o.record, "record", false, "write the measured sizes into the budgets file as the previous sizes")
	only := fs.String("targets", "", "comma-separated subset of targets (default all)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	root, err := matrix.RepoRoot(".")
	if err != nil {
		fmt.Fprintf(stderr, "crossbuild: %v\n", err)
		return 2
	}
	o.root = root
	o.targets = matrix.Targets
	if *only != "" {
		o.targets = nil
		for _, name := range strings.Split(*only, ",") {
			tg, ok := matrix.Lookup(strings.TrimSpace(name))
			if !ok {
				fmt.Fprintf(stderr, "crossbuild: unknown target %q\n", name)
				return 2
			}
			o.targets = append(o.targets, tg)
		}
	}
	if !filepath.IsAbs(o.out) {
		o.out = filepath.Join(root, o.out)
	}
	if !filepath.IsAbs(o.budgets) {
		o.budgets = filepath.Join(root, o.budgets)
	}
	over, err := crossBuild(ctx, o, stdout)
	if err != nil {
		fmt.Fprintf(stderr, "crossbuild: %v\n", err)
		return 1
	}
	if len(over) > 0 {
		for _, ov := range over {
			fmt.Fprintf(stderr, "crossbuild: %s\n", ov)
		}
		return 1
	}
	return 0
}

func crossBuild(ctx context.Context, o options, stdout io.Writer) ([]budget.Over, error) {
	raw, err := os.ReadFile(o.budgets)
	if err != nil {
		return nil, err
	}
	budgets, err := budget.Parse(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", o.budgets, err)
	}

	sizes, err := buildAgents(ctx, o)
	if err != nil {
		return nil, err
	}
	fmt.Fprintln(stdout, "cpe-agent sizes (stripped; xz -9e in 256 KiB blocks, as squashfs stores it):")
	if err := budget.Table(stdout, budgets, sizes); err != nil {
		return nil, err
	}
	over, err := budget.Check(budgets, sizes)
	if err != nil {
		return nil, err
	}

	written, err := buildPackages(ctx, o)
	if err != nil {
		return nil, err
	}
	for _, p := range written {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		rel, _ := filepath.Rel(o.root, p)
		fmt.Fprintf(stdout, "package %s (%s)\n", rel, budget.MB(fi.Size()))
	}

	if o.record {
		var b bytes.Buffer
		if err := budget.Format(&b, budget.Record(budgets, sizes)); err != nil {
			return nil, err
		}
		if err := os.WriteFile(o.budgets, b.Bytes(), 0o644); err != nil {
			return nil, err
		}
		fmt.Fprintf(stdout, "recorded these sizes in %s\n", o.budgets)
	}
	return over, nil
}

func agentPath(o options, tg matrix.Target) string {
	return filepath.Join(o.out, "cpe-agent-linux-"+tg.Name)
}

// buildAgents builds and measures every target, o.jobs at a time, and
// returns the sizes in target order.
func buildAgents(ctx context.Context, o options) ([]budget.Size, error) {
	sizes := make([]budget.Size, len(o.targets))
	errs := make([]error, len(o.targets))
	sem := make(chan struct{}, max(o.jobs, 1))
	var wg sync.WaitGroup
	for i, tg := range o.targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			out := agentPath(o, tg)
			if err := tg.Build(ctx, o.root, matrix.AgentPackage, out, o.version); err != nil {
				errs[i] = err
				return
			}
			sizes[i], errs[i] = budget.Measure(ctx, tg.Name, out)
		}()
	}
	wg.Wait()
	return sizes, errors.Join(errs...)
}

// buildPackages writes an .ipk for every target that has an OpenWrt
// architecture and the ACS's .deb; it returns the files written.
func buildPackages(ctx context.Context, o options) ([]string, error) {
	// Packages of earlier versions would sit beside the new ones with
	// nothing to tell them apart but the name.
	for _, pat := range []string{packaging.AgentPackage + "_*.ipk", packaging.ACSPackage + "_*.deb"} {
		old, _ := filepath.Glob(filepath.Join(o.out, pat))
		for _, p := range old {
			if err := os.Remove(p); err != nil {
				return nil, err
			}
		}
	}
	popts := packaging.Options{Version: o.version, MTime: sourceDate(o.root)}
	var written []string
	for _, tg := range o.targets {
		if tg.OpkgArch == "" {
			continue
		}
		p := filepath.Join(o.out, packaging.IPKName(o.version, tg.OpkgArch))
		err := writeFile(p, func(w io.Writer) error { return packaging.BuildIPK(w, agentPath(o, tg), tg.OpkgArch, popts) })
		if err != nil {
			return nil, err
		}
		written = append(written, p)
	}

	tmp, err := os.MkdirTemp("", "crossbuild-acs-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	server := matrix.Target{Name: "acs-amd64", GOARCH: "amd64"}
	in := packaging.ACSFiles{Binaries: map[string]string{}, Examples: map[string]string{}}
	for _, name := range []string{"acs", "acsctl"} {
		pkg := "./acs/cmd/" + name
		if _, err := os.Stat(filepath.Join(o.root, pkg, "main.go")); err != nil {
			continue // acsctl arrives with a later issue
		}
		bin := filepath.Join(tmp, name)
		if err := server.Build(ctx, o.root, pkg, bin, o.version); err != nil {
			return nil, err
		}
		in.Binaries[name] = bin
	}
	// The MQTT issue's broker ACL example, once it exists.
	examples, _ := filepath.Glob(filepath.Join(o.root, "deploy", "mosquitto", "*"))
	for _, p := range examples {
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			in.Examples["mosquitto/"+filepath.Base(p)] = p
		}
	}
	p := filepath.Join(o.out, packaging.DebName(o.version))
	if err := writeFile(p, func(w io.Writer) error { return packaging.BuildDeb(w, in, popts) }); err != nil {
		return nil, err
	}
	return append(written, p), nil
}

// writeFile writes through a temporary file, so an interrupted build
// leaves no half package under the final name.
func writeFile(path string, fill func(io.Writer) error) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".pkg-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if err := fill(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// sourceDate is the time stamped into the packages: SOURCE_DATE_EPOCH when
// set (reproducible-builds convention), else the last commit's time, so
// rebuilding a commit gives the same packages.
func sourceDate(root string) time.Time {
	if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return time.Unix(n, 0).UTC()
		}
	}
	cmd := exec.Command("git", "log", "-1", "--format=%ct")
	cmd.Dir = root
	if out, err := cmd.Output(); err == nil {
		if n, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64); err == nil {
			return time.Unix(n, 0).UTC()
		}
	}
	return time.Now().UTC()
}
