package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strconv"
	"time"

	"gatewarden/acs/server"
	"gatewarden/protocol/datamodel"
)

// pushKey prints the public half of the ACS's push-signing key (PKIX
// PEM), which agents trust for MQTT push bundles. It creates the key on a
// new data directory, as `acs serve` would. With --rotate it prepares a
// new key and prints that one: ship it in new agent packages; agents in
// the field follow the rotation the ACS publishes at its next start.
func pushKey(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("acs push-key", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "", "data directory")
	rotate := fs.Bool("rotate", false, "prepare a new key (ACS stopped); the next start signs with it and tells agents")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *data == "" || fs.NArg() != 0 {
		fmt.Fprintln(stderr, "acs push-key: want --data DIR [--rotate]")
		return 2
	}
	get := server.PushPublicKey
	if *rotate {
		get = server.RotatePushKey
	}
	pem, err := get(*data)
	if err != nil {
		fmt.Fprintf(stderr, "acs push-key: %v\n", err)
		return 1
	}
	_, _ = stdout.Write(pem)
	return 0
}

// mqttCredentials prints the MQTT username and password the ACS gives a
// device (for labs and factory tests; devices get them over CWMP).
func mqttCredentials(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("acs mqtt-credentials", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "", "data directory")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *data == "" || fs.NArg() != 1 {
		fmt.Fprintln(stderr, "acs mqtt-credentials: want --data DIR DEVICE-ID")
		return 2
	}
	id := fs.Arg(0)
	if _, err := datamodel.ParseDeviceID(id); err != nil {
		fmt.Fprintf(stderr, "acs mqtt-credentials: %v\n", err)
		return 2
	}
	secret, err := server.LoadFleetSecret(*data)
	if err != nil {
		fmt.Fprintf(stderr, "acs mqtt-credentials: %v\n", err)
		return 1
	}
	out, _ := json.Marshal(map[string]string{"username": id, "password": server.MQTTPassword(secret, id)})
	fmt.Fprintln(stdout, string(out))
	return 0
}

// telemetrySettings reads --telemetry-retention (a Go duration, at least
// a minute) and --telemetry-keep (1 to 100000 samples per device).
func telemetrySettings(fc fileConfig) (time.Duration, int, error) {
	d, err := time.ParseDuration(fc.TelemetryRetention)
	if err != nil || d < time.Minute {
		return 0, 0, fmt.Errorf("--telemetry-retention %q: want a Go duration of at least 1m, e.g. 168h", fc.TelemetryRetention)
	}
	n, err := strconv.Atoi(fc.TelemetryKeep)
	if err != nil || n < 1 || n > 100000 {
		return 0, 0, fmt.Errorf("--telemetry-keep %q: want a count from 1 to 100000", fc.TelemetryKeep)
	}
	return d, n, nil
}
