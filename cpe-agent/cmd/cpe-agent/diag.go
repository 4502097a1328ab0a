package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"gatewarden/cpe-agent/agent"
	"gatewarden/cpe-agent/internal/diag"
	"gatewarden/cpe-agent/internal/local"
)

// runDiag is `cpe-agent diag status|ping HOST|traceroute HOST|bundle`: it
// asks the running agent over the Unix socket in its data directory.
func runDiag(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("cpe-agent diag", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", agent.DefaultConfigPath, "UCI config file (for data_dir)")
	dataDir := fs.String("data", "", "the running agent's data directory")
	count := fs.Int("count", 4, "echoes to send (ping)")
	asJSON := fs.Bool("json", false, "print the answer as JSON")
	timeout := fs.Duration("timeout", time.Minute, "give up after this long")
	// Flags may come before or after the command.
	var rest []string
	for len(args) > 0 {
		if err := fs.Parse(args); err != nil {
			return 2
		}
		if fs.NArg() == 0 {
			break
		}
		rest = append(rest, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(rest) == 0 {
		fmt.Fprintln(stderr, "usage: cpe-agent diag [--data DIR] status|ping HOST|traceroute HOST|bundle")
		return 2
	}
	cmd, host := rest[0], ""
	switch cmd {
	case "status", "bundle":
		if len(rest) != 1 {
			fmt.Fprintf(stderr, "cpe-agent diag %s takes no argument\n", cmd)
			return 2
		}
	case "ping", "traceroute":
		if len(rest) != 2 {
			fmt.Fprintf(stderr, "cpe-agent diag %s needs one HOST\n", cmd)
			return 2
		}
		host = rest[1]
	default:
		fmt.Fprintf(stderr, "cpe-agent diag: unknown command %q (status, ping, traceroute, bundle)\n", cmd)
		return 2
	}
	dir := *dataDir
	if dir == "" {
		cfg := agent.DefaultConfig()
		explicit := false
		fs.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "config" })
		if err := agent.LoadConfigFile(&cfg, *configPath, explicit); err != nil {
			fmt.Fprintf(stderr, "cpe-agent diag: %v\n", err)
			return 1
		}
		dir = cfg.DataDir
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	result, text, err := local.Call(ctx, dir, cmd, host, *count)
	if err != nil {
		fmt.Fprintf(stderr, "cpe-agent diag %s: %v\n", cmd, err)
		return 1
	}
	if cmd == "bundle" {
		io.WriteString(stdout, text)
		return 0
	}
	if *asJSON {
		stdout.Write(result)
		fmt.Fprintln(stdout)
		return 0
	}
	if err := printDiag(stdout, cmd, host, result); err != nil {
		fmt.Fprintf(stderr, "cpe-agent diag %s: %v\n", cmd, err)
		return 1
	}
	return 0
}

func printDiag(w io.Writer, cmd, host string, raw json.RawMessage) error {
	switch cmd {
	case "status":
		var st local.Status
		if err := json.Unmarshal(raw, &st); err != nil {
			return fmt.Errorf("reading the answer: %w", err)
		}
		fmt.Fprintf(w, "serial            %s\nsoftware          %s\nuptime            %s\n", st.Serial, st.SoftwareVersion, st.Uptime.Round(time.Second))
		if l := st.Line; l != nil {
			fmt.Fprintf(w, "line              %s, %d/%d kbit/s down/up (attainable %d/%d)\n", l.Status, l.DownstreamRate, l.UpstreamRate, l.DownstreamMaxRate, l.UpstreamMaxRate)
			fmt.Fprintf(w, "noise margin      %.1f/%.1f dB down/up\n", float64(l.DownstreamNoiseMargin)/10, float64(l.UpstreamNoiseMargin)/10)
		}
		fmt.Fprintf(w, "wan               %s %s\n", st.WAN.Status, strings.Join(st.WAN.Addresses, " "))
		last := "never"
		if !st.ACS.LastContact.IsZero() {
			last = st.ACS.LastContact.Format(time.RFC3339)
		}
		fmt.Fprintf(w, "acs               %s\nlast contact      %s (%s)\n", st.ACS.URL, last, st.ACS.LastResult)
		if !st.ACS.NextRetry.IsZero() {
			fmt.Fprintf(w, "next retry        %s\n", st.ACS.NextRetry.Format(time.RFC3339))
		}
		pending := strings.Join(st.PendingEvents, ", ")
		if pending == "" {
			pending = "none"
		}
		fmt.Fprintf(w, "pending events    %s\nmqtt              %s\n", pending, st.MQTT)
		for _, s := range st.Firmware {
			fmt.Fprintf(w, "firmware %-8s %s (%s, running=%v)\n", s.Name, s.Version, s.Status, s.Active)
		}
	case "ping":
		var r diag.PingResult
		if err := json.Unmarshal(raw, &r); err != nil {
			return fmt.Errorf("reading the answer: %w", err)
		}
		fmt.Fprintf(w, "%s (%s): %d of %d answered", host, r.Address, r.Success, r.Success+r.Failure)
		if r.Success > 0 {
			fmt.Fprintf(w, ", min/avg/max %v/%v/%v", r.Min, r.Average, r.Max)
		}
		fmt.Fprintln(w)
	case "traceroute":
		var r diag.TraceResult
		if err := json.Unmarshal(raw, &r); err != nil {
			return fmt.Errorf("reading the answer: %w", err)
		}
		for i, h := range r.Hops {
			addr := "*"
			if h.Address != nil {
				addr = h.Address.String()
			}
			fmt.Fprintf(w, "%2d  %-39s %v\n", i+1, addr, h.RoundTrips)
		}
	}
	return nil
}
