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
	var (
		configPath = fs.String("config", agent.DefaultConfigPath, "UCI config file")
		platform   = fs.String("platform", "", "linux or sim")
		acsURL     = fs.String("acs-url", "", "ACS URL (ManagementServer.URL factory value)")
		acsUser    = fs.String("acs-username", "", "CWMP username toward the ACS")
		acsPass    = fs.String("acs-password", "", "CWMP password toward the ACS")
		dataDir    = fs.String("data", "", "state directory (bbolt file and friends)")
		serial     = fs.String("serial", "", "serial number (sim; linux reads it from the board)")
		connReq    = fs.String("connreq-addr", "", "connection-request listener address")
		localAddr  = fs.String("local-addr", "", "field-engineer page address")
		mqttURL    = fs.String("mqtt-url", "", "MQTT broker URL")
		caFile     = fs.String("ca-file", "", "PEM CA bundle trusted for the ACS")
		logLevel   = fs.String("log-level", "", "debug, info, warn or error")
	)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "cpe-agent run: unexpected argument %q\n", fs.Arg(0))
		return 2
	}

	cfg := agent.DefaultConfig()
	explicit := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { explicit[f.Name] = true })
	if err := agent.LoadConfigFile(&cfg, *configPath, explicit["config"]); err != nil {
		fmt.Fprintf(stderr, "cpe-agent: %v\n", err)
		return 1
	}
	// Flags override the file only where given, so an empty flag never wipes
	// a configured value.
	override := map[string]*string{
		"platform": &cfg.Platform, "acs-url": &cfg.ACSURL, "acs-username": &cfg.ACSUsername,
		"acs-password": &cfg.ACSPassword, "data": &cfg.DataDir, "serial": &cfg.Serial,
		"connreq-addr": &cfg.ConnReqAddr, "local-addr": &cfg.LocalAddr, "mqtt-url": &cfg.MQTTURL,
		"ca-file": &cfg.CAFile, "log-level": &cfg.LogLevel,
	}
	values := map[string]*string{
		"platform": platform, "acs-url": acsURL, "acs-username": acsUser, "acs-password": acsPass,
		"data": dataDir, "serial": serial, "connreq-addr": connReq, "local-addr": localAddr,
		"mqtt-url": mqttURL, "ca-file": caFile, "log-level": logLevel,
	}
	for name, dst := range override {
		if explicit[name] {
			*dst = *values[name]
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

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
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
