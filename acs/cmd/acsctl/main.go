// Command acsctl drives the Gatewarden ACS through its REST API: devices,
// parameters, tasks, faults, the audit log and presets. Tables for people,
// --json for scripts. Run `acsctl help` for the commands.
package main

import (
	"context"
	"os"
	"os/signal"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], &env{stdout: os.Stdout, stderr: os.Stderr, stdin: os.Stdin, getenv: os.Getenv})
	stop()
	os.Exit(code)
}
