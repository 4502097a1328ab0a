package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"gatewarden/testbench/demo"
)

// demoCommand is what `make run` starts: an ACS on its default ports
// (loopback only) and a few dozen simulated agents informing it.
func demoCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("testbench demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "data/demo", "state of the ACS and the agents")
	devices := fs.Int("devices", 24, "simulated agents")
	cwmpAddr := fs.String("cwmp-addr", "127.0.0.1:7547", "ACS CWMP endpoint")
	apiAddr := fs.String("api-addr", "127.0.0.1:7557", "ACS REST API")
	filesAddr := fs.String("files-addr", "127.0.0.1:7567", "ACS firmware file server")
	mqttAddr := fs.String("mqtt-addr", "127.0.0.1:1883", "ACS embedded MQTT broker")
	localAddr := fs.String("local-addr", "127.0.0.1:8080", "the first agent's field-engineer page (\"off\": none)")
	logLevel := fs.String("log-level", "warn", "debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintf(stderr, "testbench demo: log level %q: want debug, info, warn or error\n", *logLevel)
		return exitUsage
	}
	if *devices < 1 || *devices > 5000 {
		fmt.Fprintln(stderr, "testbench demo: --devices between 1 and 5000")
		return exitUsage
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	err := demo.Run(ctx, demo.Options{
		DataDir: *data, Devices: *devices, CWMPAddr: *cwmpAddr, APIAddr: *apiAddr,
		FilesAddr: *filesAddr, MQTTAddr: *mqttAddr, LocalAddr: *localAddr,
		Out: stdout, Logger: logger,
	})
	if err != nil && ctx.Err() == nil {
		fmt.Fprintf(stderr, "testbench demo: %v\n", err)
		return exitFail
	}
	return exitOK
}
