package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"time"

	"gatewarden/protocol/buildinfo"
	"gatewarden/testbench/loadgen"
)

// options are the flags of `testbench run`.
type options struct {
	scenario       string
	acs            string
	devices        int
	firstDevice    int
	concurrency    int
	duration       time.Duration
	durationSet    bool
	requestTimeout time.Duration
	baseline       bool
	acsData        string
	jsonFile       string
	allowRemote    bool
	reuseNonce     bool
	bootstrap      bool
	cpuProfile     string
}

// defaultPeriodicDuration applies to periodic runs without --duration; a
// boot storm without it does one session per device whatever that takes.
const defaultPeriodicDuration = 10 * time.Second

func parseRun(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("testbench run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.acs, "acs", "", "CWMP URL of the ACS (loopback only unless --allow-remote)")
	fs.IntVar(&o.devices, "devices", 0, "number of device identities")
	fs.IntVar(&o.firstDevice, "first-device", 1, "number of the first identity (serial TB000001 is 1); lets several processes share a fleet")
	fs.IntVar(&o.concurrency, "concurrency", 64, "sessions at once")
	fs.DurationVar(&o.duration, "duration", defaultPeriodicDuration, "how long a periodic run lasts; 0: one session per device (boot-storm: a deadline, default none)")
	fs.DurationVar(&o.requestTimeout, "request-timeout", 30*time.Second, "bound on each HTTP exchange")
	fs.BoolVar(&o.baseline, "baseline", false, "also measure a bare net/http server doing the same round trips, and report the ratio")
	fs.StringVar(&o.acsData, "acs-data", "", "ACS data directory: derive each device's Digest password from its fleet secret")
	fs.StringVar(&o.jsonFile, "json", "", "write the figures as JSON to this file (- for stdout)")
	fs.BoolVar(&o.allowRemote, "allow-remote", false, "allow an ACS URL outside this machine")
	fs.BoolVar(&o.reuseNonce, "reuse-nonce", false, "answer each device's last Digest challenge pre-emptively in its next session")
	fs.BoolVar(&o.bootstrap, "bootstrap", false, "boot-storm: report 0 BOOTSTRAP with 1 BOOT (factory-new devices)")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the run to this file (to check that the client is not the bottleneck)")

	// The scenario may come before, between or after the flags.
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "duration" {
			o.durationSet = true
		}
	})
	switch {
	case len(positional) != 1:
		return nil, fmt.Errorf("want one scenario (periodic or boot-storm), got %d arguments", len(positional))
	case o.acs == "":
		return nil, errors.New("--acs is required")
	case o.devices <= 0:
		return nil, errors.New("--devices must be at least 1")
	case o.concurrency <= 0:
		return nil, errors.New("--concurrency must be at least 1")
	case o.duration < 0:
		return nil, errors.New("--duration must not be negative")
	}
	o.scenario = positional[0]
	if loadgen.Scenario(o.scenario) == loadgen.BootStorm && !o.durationSet {
		o.duration = 0
	}
	return o, nil
}

func runCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseRun(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "testbench run: %v\n", err)
		return exitUsage
	}
	// Refuse a remote target before anything else happens.
	if _, err := loadgen.ParseTarget(o.acs, o.allowRemote); err != nil {
		fmt.Fprintf(stderr, "testbench run: %v\n", err)
		return exitUsage
	}
	cfg := loadgen.Config{
		Scenario:       loadgen.Scenario(o.scenario),
		ACS:            o.acs,
		AllowRemote:    o.allowRemote,
		Devices:        o.devices,
		FirstDevice:    o.firstDevice,
		Concurrency:    o.concurrency,
		Duration:       o.duration,
		RequestTimeout: o.requestTimeout,
		ReuseNonce:     o.reuseNonce,
		Bootstrap:      o.bootstrap,
		UserAgent:      "gatewarden-testbench/" + buildinfo.String(),
	}
	if o.acsData != "" {
		pw, err := fleetPasswords(o.acsData)
		if err != nil {
			fmt.Fprintf(stderr, "testbench run: %v\n", err)
			return exitUsage
		}
		cfg.Password = pw
	}
	checkOpenFiles(o.concurrency, stderr)
	if o.devices < o.concurrency {
		fmt.Fprintf(stderr, "testbench: note: %d devices allow at most %d sessions at once (a device is in one session at a time)\n",
			o.devices, o.devices)
	}
	if o.cpuProfile != "" {
		stop, err := startCPUProfile(o.cpuProfile)
		if err != nil {
			fmt.Fprintf(stderr, "testbench run: %v\n", err)
			return exitUsage
		}
		defer stop()
	}

	acsRes, err := loadgen.Run(ctx, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "testbench run: %v\n", err)
		return exitUsage
	}
	var baseRes *loadgen.Result
	if o.baseline && ctx.Err() == nil {
		if baseRes, err = runBaseline(ctx, cfg); err != nil {
			fmt.Fprintf(stderr, "testbench run: %v\n", err)
			return exitFail
		}
	}
	rep := loadgen.NewReport(acsRes, baseRes, buildinfo.String())
	if err := rep.WriteTable(stdout); err != nil {
		fmt.Fprintf(stderr, "testbench run: %v\n", err)
		return exitFail
	}
	if o.jsonFile != "" {
		if err := writeJSON(o.jsonFile, rep, stdout); err != nil {
			fmt.Fprintf(stderr, "testbench run: %v\n", err)
			return exitFail
		}
	}
	if acsRes.Sessions == 0 {
		fmt.Fprintln(stderr, "testbench run: no session succeeded")
		return exitFail
	}
	return exitOK
}

func checkOpenFiles(concurrency int, stderr io.Writer) {
	limit, err := loadgen.RaiseOpenFiles()
	if err != nil {
		fmt.Fprintf(stderr, "testbench: warning: %v\n", err)
	}
	if need := loadgen.FilesNeeded(concurrency); limit > 0 && need > limit {
		fmt.Fprintf(stderr, "testbench: warning: concurrency %d needs about %d open files, the limit is %d: "+
			"lower --concurrency or split the load over several processes (--first-device)\n", concurrency, need, limit)
	}
}

func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

func writeJSON(path string, rep *loadgen.Report, stdout io.Writer) error {
	if path == "-" {
		return rep.WriteJSON(stdout)
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("json report: %w", err)
	}
	if err := rep.WriteJSON(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("json report: %w", err)
	}
	return nil
}
