// Command testbench loads an ACS with simulated CPEs speaking standard
// CWMP and reports sessions per second, latency, rejections and errors.
//
//	testbench run periodic|boot-storm --acs URL --devices N [--concurrency C]
//	    [--duration D] [--baseline] [--acs-data DIR] [--json FILE]
//	testbench demo [--data DIR] [--devices N]
//	testbench version
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"gatewarden/protocol/buildinfo"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Exit codes: 0 done, 1 the run failed (nothing succeeded, or the report
// could not be written), 2 a usage error or a refused target.
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	switch args[0] {
	case "version", "--version", "-version":
		fmt.Fprintf(stdout, "testbench %s\n", buildinfo.String())
		return exitOK
	case "run":
		return runCommand(ctx, args[1:], stdout, stderr)
	case "demo":
		return demoCommand(ctx, args[1:], stdout, stderr)
	case "serve-baseline": // started by `run --baseline`
		return serveBaseline(os.Stdin, stdout, stderr)
	case "help", "-h", "--help":
		usage(stdout)
		return exitOK
	}
	fmt.Fprintf(stderr, "testbench: unknown command %q\n", args[0])
	usage(stderr)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprint(w, `usage:
  testbench run SCENARIO --acs URL --devices N [--concurrency C] [--duration D]
                [--baseline] [--acs-data DIR] [--json FILE] [more flags: testbench run -h]
  testbench demo [--data DIR] [--devices N] [--cwmp-addr A] [--api-addr A]
  testbench version

scenarios: periodic (idle periodic sessions), boot-storm (one boot session per device)
`)
}
