// Command acs is Gatewarden's auto-configuration server.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"gatewarden/acs/internal/health"
	"gatewarden/acs/server"
	"gatewarden/protocol/buildinfo"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func usage(w io.Writer) {
	fmt.Fprint(w, `usage:
  acs serve --data DIR [--cwmp-addr A] [--api-addr A] [--files-addr A] [--files-url URL]
            [--mqtt-addr A] [--mqtt-external URL] [--tls-cert F --tls-key F]
            [--store bbolt|postgres] [--pg-url URL] [--config FILE]
            [--insecure-cpe-auth] [--telemetry-retention D] [--telemetry-keep N]
  acs token create --data DIR --role admin|operator|support|readonly [--name N]
  acs cpe-credentials --data DIR SERIAL
  acs compact --data DIR
  acs push-key --data DIR [--rotate]
  acs mqtt-credentials --data DIR DEVICE-ID
  acs version
`)
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	switch args[0] {
	case "version", "--version", "-version":
		fmt.Fprintf(stdout, "acs %s\n", buildinfo.String())
		return 0
	case "serve":
		return serve(args[1:], stderr)
	case "token":
		if len(args) < 2 || args[1] != "create" {
			fmt.Fprintln(stderr, "acs token: want `acs token create --data DIR --role R`")
			return 2
		}
		return tokenCreate(args[2:], stdout, stderr)
	case "cpe-credentials":
		return cpeCredentials(args[1:], stdout, stderr)
	case "compact":
		return compact(args[1:], stdout, stderr)
	case "push-key":
		return pushKey(args[1:], stdout, stderr)
	case "mqtt-credentials":
		return mqttCredentials(args[1:], stdout, stderr)
	case "help", "-h", "--help":
		usage(stdout)
		return 0
	default:
		fmt.Fprintf(stderr, "acs: unknown command %q\n", args[0])
		usage(stderr)
		return 2
	}
}

// fileConfig is the --config file: JSON with the flags' names.
type fileConfig struct {
	Data            string `json:"data"`
	CWMPAddr        string `json:"cwmp-addr"`
	APIAddr         string `json:"api-addr"`
	FilesAddr       string `json:"files-addr"`
	FilesURL        string `json:"files-url"`
	MQTTAddr        string `json:"mqtt-addr"`
	MQTTExternal    string `json:"mqtt-external"`
	TLSCert         string `json:"tls-cert"`
	TLSKey          string `json:"tls-key"`
	Store           string `json:"store"`
	PGURL           string `json:"pg-url"`
	InsecureCPEAuth bool   `json:"insecure-cpe-auth"`
	LogLevel        string `json:"log-level"`
	// MQTT lane telemetry (mqtt.go): a Go duration and a count.
	TelemetryRetention string `json:"telemetry-retention"`
	TelemetryKeep      string `json:"telemetry-keep"`
	// Line health (config file only): thresholds (unset: the defaults)
	// and the telemetry window judged, a Go duration (default 1h).
	LineHealth       health.Thresholds `json:"line-health"`
	LineHealthWindow string            `json:"line-health-window"`
}

func serve(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("acs serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var fc fileConfig
	config := fs.String("config", "", "JSON file with the same settings as the flags")
	fs.StringVar(&fc.Data, "data", "", "data directory (store, fleet secret, admin token)")
	fs.StringVar(&fc.CWMPAddr, "cwmp-addr", ":7547", "CWMP endpoint address")
	fs.StringVar(&fc.APIAddr, "api-addr", ":7557", "REST API, metrics and health address")
	fs.StringVar(&fc.FilesAddr, "files-addr", ":7567", "firmware file server address")
	fs.StringVar(&fc.FilesURL, "files-url", "", "base URL CPEs reach the file server at, e.g. http://acs.example.net:7567 (default: from --files-addr)")
	fs.StringVar(&fc.MQTTAddr, "mqtt-addr", ":1883", "embedded MQTT broker address")
	fs.StringVar(&fc.MQTTExternal, "mqtt-external", "", "URL of an external MQTT broker")
	fs.StringVar(&fc.TLSCert, "tls-cert", "", "TLS certificate (PEM)")
	fs.StringVar(&fc.TLSKey, "tls-key", "", "TLS private key (PEM)")
	fs.StringVar(&fc.Store, "store", "bbolt", "bbolt or postgres")
	fs.StringVar(&fc.PGURL, "pg-url", "", "PostgreSQL URL (with --store postgres)")
	fs.BoolVar(&fc.InsecureCPEAuth, "insecure-cpe-auth", false, "accept any CPE without authentication (labs only)")
	fs.StringVar(&fc.LogLevel, "log-level", "info", "debug, info, warn or error")
	fs.StringVar(&fc.TelemetryRetention, "telemetry-retention", "168h", "how long MQTT telemetry samples are kept")
	fs.StringVar(&fc.TelemetryKeep, "telemetry-keep", "1440", "most telemetry samples kept per device")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *config != "" {
		// The file gives the base; flags named on the command line win.
		var fromFile fileConfig
		b, err := os.ReadFile(*config)
		if err != nil {
			fmt.Fprintf(stderr, "acs: config: %v\n", err)
			return 2
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&fromFile); err != nil {
			fmt.Fprintf(stderr, "acs: config %s: %v\n", *config, err)
			return 2
		}
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		fc = mergeConfig(fromFile, fc, set)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(fc.LogLevel)); err != nil {
		fmt.Fprintf(stderr, "acs: log level %q: want debug, info, warn or error\n", fc.LogLevel)
		return 2
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	telRetention, telKeep, err := telemetrySettings(fc)
	if err != nil {
		fmt.Fprintf(stderr, "acs: %v\n", err)
		return 2
	}
	var healthWindow time.Duration
	if fc.LineHealthWindow != "" {
		if healthWindow, err = time.ParseDuration(fc.LineHealthWindow); err != nil || healthWindow < time.Minute {
			fmt.Fprintf(stderr, "acs: config line-health-window %q: want a Go duration of at least 1m, e.g. 1h\n", fc.LineHealthWindow)
			return 2
		}
	}
	tuneGC()
	srv, err := server.New(server.Config{
		DataDir: fc.Data, CWMPAddr: fc.CWMPAddr, APIAddr: fc.APIAddr, FilesAddr: fc.FilesAddr, FilesURL: fc.FilesURL,
		MQTTAddr: fc.MQTTAddr, MQTTExternal: fc.MQTTExternal, TLSCert: fc.TLSCert, TLSKey: fc.TLSKey,
		Store: fc.Store, PGURL: fc.PGURL, InsecureCPEAuth: fc.InsecureCPEAuth, Logger: logger,
		TelemetryRetention: telRetention, TelemetryKeep: telKeep,
		LineHealth: fc.LineHealth, LineHealthWindow: healthWindow,
	})
	if err != nil {
		fmt.Fprintf(stderr, "acs: %v\n", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := srv.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		logger.Error("ACS stopped", "err", err)
		return 1
	}
	return 0
}

// mergeConfig takes each setting from the command line when it was given
// there, else from the file, else the flag's default.
func mergeConfig(file, flags fileConfig, given map[string]bool) fileConfig {
	pick := func(name, f, v string) string {
		if given[name] || f == "" {
			return v
		}
		return f
	}
	out := fileConfig{
		Data:         pick("data", file.Data, flags.Data),
		CWMPAddr:     pick("cwmp-addr", file.CWMPAddr, flags.CWMPAddr),
		APIAddr:      pick("api-addr", file.APIAddr, flags.APIAddr),
		FilesAddr:    pick("files-addr", file.FilesAddr, flags.FilesAddr),
		FilesURL:     pick("files-url", file.FilesURL, flags.FilesURL),
		MQTTAddr:     pick("mqtt-addr", file.MQTTAddr, flags.MQTTAddr),
		MQTTExternal: pick("mqtt-external", file.MQTTExternal, flags.MQTTExternal),
		TLSCert:      pick("tls-cert", file.TLSCert, flags.TLSCert),
		TLSKey:       pick("tls-key", file.TLSKey, flags.TLSKey),
		Store:        pick("store", file.Store, flags.Store),
		PGURL:        pick("pg-url", file.PGURL, flags.PGURL),
		LogLevel:     pick("log-level", file.LogLevel, flags.LogLevel),

		TelemetryRetention: pick("telemetry-retention", file.TelemetryRetention, flags.TelemetryRetention),
		TelemetryKeep:      pick("telemetry-keep", file.TelemetryKeep, flags.TelemetryKeep),
	}
	out.LineHealth, out.LineHealthWindow = file.LineHealth, file.LineHealthWindow
	out.InsecureCPEAuth = flags.InsecureCPEAuth
	if !given["insecure-cpe-auth"] {
		out.InsecureCPEAuth = file.InsecureCPEAuth
	}
	return out
}

func tokenCreate(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("acs token create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "", "data directory")
	role := fs.String("role", "", "admin, operator, support or readonly")
	name := fs.String("name", "", "name shown in the audit log (default: the role)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *data == "" || *role == "" {
		fmt.Fprintln(stderr, "acs token create: --data and --role are required")
		return 2
	}
	if *name == "" {
		*name = *role
	}
	tok, err := server.CreateToken(*data, *name, *role)
	if err != nil {
		fmt.Fprintf(stderr, "acs token create: %v\n", err)
		return 1
	}
	fmt.Fprintln(stdout, tok)
	return 0
}

func cpeCredentials(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("acs cpe-credentials", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "", "data directory")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *data == "" || fs.NArg() != 1 || fs.Arg(0) == "" {
		fmt.Fprintln(stderr, "acs cpe-credentials: want --data DIR SERIAL")
		return 2
	}
	secret, err := server.LoadFleetSecret(*data)
	if err != nil {
		fmt.Fprintf(stderr, "acs cpe-credentials: %v\n", err)
		return 1
	}
	serial := fs.Arg(0)
	out, _ := json.Marshal(map[string]string{"username": serial, "password": server.CPEPassword(secret, serial)})
	fmt.Fprintln(stdout, string(out))
	return 0
}

func compact(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("acs compact", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "", "data directory")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *data == "" {
		fmt.Fprintln(stderr, "acs compact: --data is required")
		return 2
	}
	before, after, err := server.Compact(*data)
	if err != nil {
		fmt.Fprintf(stderr, "acs compact: %v (stop the ACS first: one process at a time may open the store)\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "compacted: %d bytes -> %d bytes\n", before, after)
	return 0
}
