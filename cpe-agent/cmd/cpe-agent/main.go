// Command cpe-agent is Gatewarden's router agent: it owns the TR-181 data
// model, talks CWMP to the ACS and keeps its state in bbolt.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"slices"
	"syscall"

	"gatewarden/cpe-agent/agent"
	"gatewarden/protocol/buildinfo"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	switch args[0] {
	case "version", "--version", "-version":
		fmt.Fprintf(stdout, "cpe-agent %s\n", buildinfo.String())
		return 0
	case "run":
		return runAgent(args[1:], stderr)
	case "diag":
		return runDiag(args[1:], stdout, stderr)
	case "help", "-h", "--help":
		usage(stdout)
		return 0
	default:
		fmt.Fprintf(stderr, "cpe-agent: unknown command %q\n", args[0])
		usage(stderr)
		return 2
	}
}

func usage(w io.Writer) {
	fmt.Fprint(w, `usage:
  cpe-agent run --platform linux|sim --acs-url URL --data DIR [--serial SN]
                [--acs-username U --acs-password P] [--connreq-addr A]
                [--local-addr A] [--mqtt-url URL] [--config FILE]
  cpe-agent diag status|ping HOST|traceroute HOST|bundle
  cpe-agent version
`)
}

func runAgent(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("cpe-agent run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", agent.DefaultConfigPath, "UCI config file")
	cfg := agent.DefaultConfig()
	// Each flag, where given, overrides the file's value of its field, so
	// an empty flag never wipes a configured value. One table rather than
	// a variable per flag and two maps: 2 KB less router code.
	flags := [...]struct {
		name, usage string
		field       *string
	}{
		{"platform", "linux or sim", &cfg.Platform},
		{"acs-url", "ACS URL (ManagementServer.URL factory value)", &cfg.ACSURL},
		{"acs-username", "CWMP username toward the ACS", &cfg.ACSUsername},
		{"acs-password", "CWMP password toward the ACS", &cfg.ACSPassword},
		{"data", "state directory (bbolt file and friends)", &cfg.DataDir},
		{"serial", "serial number (sim; linux reads it from the board)", &cfg.Serial},
		{"connreq-addr", "connection-request listener address", &cfg.ConnReqAddr},
		{"local-addr", "field-engineer page address", &cfg.LocalAddr},
		{"mqtt-url", "MQTT broker URL", &cfg.MQTTURL},
		{"ca-file", "PEM CA bundle trusted for the ACS", &cfg.CAFile},
		{"log-level", "debug, info, warn or error", &cfg.LogLevel},
	}
	var values [len(flags)]string
	for i, f := range flags {
		fs.StringVar(&values[i], f.name, "", f.usage)
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "cpe-agent run: unexpected argument %q\n", fs.Arg(0))
		return 2
	}

	var given []string
	fs.Visit(func(f *flag.Flag) { given = append(given, f.Name) })
	if err := agent.LoadConfigFile(&cfg, *configPath, slices.Contains(given, "config")); err != nil {
		fmt.Fprintf(stderr, "cpe-agent: %v\n", err)
		return 1
	}
	for i, f := range flags {
		if slices.Contains(given, f.name) {
			*f.field = values[i]
		}
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintf(stderr, "cpe-agent: %v\n", err)
		return 2
	}

	logger, err := newLogger(stderr, cfg.LogLevel)
	if err != nil {
		fmt.Fprintf(stderr, "cpe-agent: %v\n", err)
		return 2
	}
	applyMemorySettings(cfg, os.Getenv)

	// signal.Notify and a cancel rather than signal.NotifyContext, whose
	// context type (String, Deadline, cause plumbing) is 4 KB of router
	// code for the same effect.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		select {
		case <-sigs:
			cancel()
		case <-ctx.Done():
		}
	}()
	rel := newReleaser(idleRelease, freeOSMemory)
	defer rel.stop()
	a, err := agent.New(cfg, agent.WithLogger(logger), agent.WithSessionObserver(rel.sessionEnded))
	if err != nil {
		logger.Error("cannot start", "err", err)
		return 1
	}
	if err := a.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		logger.Error("agent stopped", "err", err)
		return 1
	}
	return 0
}

func newLogger(w io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("log level %q: want debug, info, warn or error", level)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l})), nil
}
