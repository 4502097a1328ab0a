package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"gatewarden/protocol/buildinfo"
)

// Exit codes, for scripts.
const (
	exitOK      = 0
	exitError   = 1 // the ACS refused, a task faulted, the ACS is unreachable
	exitUsage   = 2
	exitPending = 3 // the task is queued or running after --wait
)

type env struct {
	stdout, stderr io.Writer
	stdin          io.Reader
	getenv         func(string) string
}

// globals are the flags every command takes.
type globals struct {
	url       string
	json      bool
	tokenFile string
	config    string
	wait      time.Duration
}

func (g *globals) register(fs *flag.FlagSet) {
	fs.StringVar(&g.url, "url", g.url, "ACS API base URL (default $GATEWARDEN_URL, the config file, or http://127.0.0.1:7557)")
	fs.BoolVar(&g.json, "json", g.json, "print the API's JSON instead of tables")
	fs.StringVar(&g.tokenFile, "token-file", g.tokenFile, "read the API token from this file (e.g. DATA/admin.token)")
	fs.StringVar(&g.config, "config", g.config, "config file (default ~/.config/gatewarden/acsctl.conf)")
	fs.DurationVar(&g.wait, "wait", g.wait, "how long task commands wait for the device, at most 120s")
}

// usageError is a mistake on the command line: exit 2 with the usage.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// pendingError: a task did not finish within --wait.
type pendingError struct{ msg string }

func (e *pendingError) Error() string { return e.msg }

const usage = `usage: acsctl [--url URL] [--json] [--token-file F] [--wait D] COMMAND [ARGS]

Devices:
  devices list [--filter EXPR] [--limit N] [--after ID]
  devices show ID
Parameters and tasks (they wake the device and wait up to --wait, default 30s):
  get ID PARAM...                 read live values (partial paths end in ".")
  set ID PARAM=VALUE[:TYPE]...    TYPE: string, int, unsignedInt, long, unsignedLong,
                                  boolean, dateTime, base64, hexBinary, decimal
                                  (default from the data model; to set a value that
                                  ends in ":int" etc. append ":string")
  add-object ID OBJECT.           e.g. Device.IP.Interface.
  delete-object ID OBJECT.N.      e.g. Device.IP.Interface.3.
  reboot ID
  factory-reset ID
  tasks show TASKID
Records:
  faults [--device ID] [--limit N]
  audit [--after SEQ] [--limit N]
Presets:
  presets list
  presets show NAME
  presets apply FILE              FILE holds a preset as JSON ("-": stdin); --name sets the name
  presets push NAME --group TAG [--timeout 2m] [--interval 1s]
                                  one signed MQTT bundle to the group; progress bar until
                                  every device answered (exit 3: some still pending)
  push show ID                    per-device states of a push
  telemetry ID [--since -1h]      a device's telemetry history
Firmware:
  files list [--limit N] [--after NAME]
  files upload PACKAGE [--name NAME]   the ACS checks its signature
  campaign create --file NAME [--filter EXPR] [--waves 1%,10%,50%,100%]
                  [--max-concurrent N] [--windows 22:00-05:00,...] [--location ZONE]
                  [--failure-threshold 10%] [--device-timeout 24h] [--name N]
  campaign list | show ID | pause ID | resume ID | abort ID
  campaign watch ID [--interval 2s]   progress bar until it completes, halts or
                                      is aborted (exit 0 only when completed)
Support:
  diagnose ID --ping HOST | --traceroute HOST | --download URL | --upload URL
              [--count N] [--size BYTES] [--ticket T]
                                  a TR-143 diagnostic on the device, ahead of bulk work
  ticket REF                      the diagnostics run under a support ticket
Other:
  version

The token comes from --token-file, $GATEWARDEN_TOKEN, or "token = ..." in the
config file. Device IDs are written as the API shows them (OUI-Class-Serial,
percent-escaped); acsctl escapes them for URLs itself.
Exit status: 0 done, 1 refused or failed, 2 usage, 3 task still pending after --wait.
`

func run(ctx context.Context, args []string, e *env) int {
	g := &globals{wait: 30 * time.Second}
	fs := flag.NewFlagSet("acsctl", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	g.register(fs)
	if err := fs.Parse(args); err != nil {
		return report(e, usagef("%v", err))
	}
	rest := fs.Args()
	if len(rest) == 0 {
		fmt.Fprint(e.stderr, usage)
		return exitUsage
	}
	err := dispatch(ctx, e, g, rest[0], rest[1:])
	return report(e, err)
}

func report(e *env, err error) int {
	var ue *usageError
	var pe *pendingError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(e.stderr, "acsctl: %s\n\n%s", ue.msg, usage)
		return exitUsage
	case errors.As(err, &pe):
		fmt.Fprintf(e.stderr, "acsctl: %s\n", pe.msg)
		return exitPending
	}
	fmt.Fprintf(e.stderr, "acsctl: %v\n", err)
	return exitError
}

// command is one subcommand: it declares its own flags on fs and runs
// with the positional arguments.
type command struct {
	flags func(fs *flag.FlagSet)
	run   func(ctx context.Context, args []string) error
}

func dispatch(ctx context.Context, e *env, g *globals, name string, args []string) error {
	if name == "help" || name == "-h" || name == "--help" {
		fmt.Fprint(e.stdout, usage)
		return nil
	}
	if name == "version" {
		fmt.Fprintf(e.stdout, "acsctl %s\n", buildinfo.String())
		return nil
	}
	// Two-word commands.
	if name == "devices" || name == "presets" || name == "tasks" || name == "files" || name == "campaign" || name == "push" {
		if len(args) == 0 {
			return usagef("%s needs a subcommand", name)
		}
		name, args = name+" "+args[0], args[1:]
	}
	c := &cli{env: e, g: g}
	cmd, ok := c.commands()[name]
	if !ok {
		cmd, ok = c.firmwareCommands()[name] // files.go
	}
	if !ok {
		cmd, ok = c.mqttCommands()[name] // mqtt.go
	}
	if !ok {
		cmd, ok = c.supportCommands()[name] // diagnose.go
	}
	if !ok {
		return usagef("unknown command %q", name)
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	g.register(fs)
	if cmd.flags != nil {
		cmd.flags(fs)
	}
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return usagef("%s: %v", name, err)
	}
	if g.wait < 0 || g.wait > 120*time.Second {
		return usagef("--wait must be between 0 and 120s")
	}
	if err := c.connect(); err != nil {
		return err
	}
	return cmd.run(ctx, pos)
}

// parseInterspersed lets flags follow positional arguments
// ("acsctl get ID PARAM --json"); "--" ends the flags.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			return append(pos, rest...), nil
		}
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

func (c *cli) commands() map[string]command {
	return map[string]command{
		"devices list":  {flags: c.listFlags, run: c.devicesList},
		"devices show":  {run: c.devicesShow},
		"get":           {run: c.get},
		"set":           {run: c.set},
		"add-object":    {run: c.addObject},
		"delete-object": {run: c.deleteObject},
		"reboot":        {run: c.simpleTask("reboot", "rebooted")},
		"factory-reset": {run: c.simpleTask("factoryReset", "reset to factory defaults")},
		"tasks show":    {run: c.tasksShow},
		"faults":        {flags: c.faultFlags, run: c.faults},
		"audit":         {flags: c.auditFlags, run: c.audit},
		"presets list":  {run: c.presetsList},
		"presets show":  {run: c.presetsShow},
		"presets apply": {flags: c.applyFlags, run: c.presetsApply},
	}
}

func wantArgs(args []string, n int, form string) error {
	if len(args) != n {
		return usagef("want: acsctl %s", form)
	}
	return nil
}

func wantAtLeast(args []string, n int, form string) error {
	if len(args) < n {
		return usagef("want: acsctl %s", form)
	}
	return nil
}

// one-line helper for plain-text answers.
func (c *cli) printf(format string, args ...any) { fmt.Fprintf(c.env.stdout, format, args...) }

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
