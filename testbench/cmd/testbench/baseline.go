package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"time"

	"gatewarden/testbench/loadgen"
)

// The baseline server runs in a child process (this binary, `testbench
// serve-baseline`), not inside the load generator: an ACS under test has
// a process and a Go scheduler of its own, and a baseline sharing the
// client's would be handicapped, flattering the ratio.

// baselineCommand builds the child's command; tests point it at the test
// binary.
var baselineCommand = func() (*exec.Cmd, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("finding this program to start the baseline server: %w", err)
	}
	return exec.Command(exe, "serve-baseline"), nil
}

// serveBaseline is `testbench serve-baseline`: it prints the server's URL
// and serves until its standard input closes, so it never outlives the
// run that started it.
func serveBaseline(stdin io.Reader, stdout, stderr io.Writer) int {
	// Ctrl-C reaches the whole process group; the parent decides when the
	// server ends.
	signal.Ignore(os.Interrupt)
	b, err := loadgen.StartBaseline()
	if err != nil {
		fmt.Fprintf(stderr, "testbench serve-baseline: %v\n", err)
		return exitFail
	}
	fmt.Fprintln(stdout, b.URL())
	io.Copy(io.Discard, stdin)
	if err := b.Close(); err != nil {
		fmt.Fprintf(stderr, "testbench serve-baseline: %v\n", err)
		return exitFail
	}
	return exitOK
}

// baselineProcess is a running baseline server.
type baselineProcess struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	url   string
}

const baselineStartTimeout = 10 * time.Second

func startBaselineProcess() (*baselineProcess, error) {
	cmd, err := baselineCommand()
	if err != nil {
		return nil, err
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("baseline server: %w", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("baseline server: %w", err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting the baseline server: %w", err)
	}
	p := &baselineProcess{cmd: cmd, stdin: stdin}
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(stdout).ReadString('\n')
		line <- strings.TrimSpace(s)
		io.Copy(io.Discard, stdout)
	}()
	select {
	case p.url = <-line:
	case <-time.After(baselineStartTimeout):
	}
	if p.url == "" {
		p.stop()
		return nil, errors.New("the baseline server did not start")
	}
	// It must be where the run is allowed to go: this machine.
	if _, err := loadgen.ParseTarget(p.url, false); err != nil {
		p.stop()
		return nil, fmt.Errorf("baseline server: %w", err)
	}
	return p, nil
}

// stop closes the child's input, which ends it, and returns the CPU time
// it used.
func (p *baselineProcess) stop() (time.Duration, error) {
	p.stdin.Close()
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(5 * time.Second):
		p.cmd.Process.Kill()
		err = <-done
	}
	if err != nil {
		return 0, fmt.Errorf("baseline server: %w", err)
	}
	st := p.cmd.ProcessState
	return st.UserTime() + st.SystemTime(), nil
}

// runBaseline runs the same configuration, with the same client, against
// a bare net/http server in a process of its own.
func runBaseline(ctx context.Context, cfg loadgen.Config) (*loadgen.Result, error) {
	p, err := startBaselineProcess()
	if err != nil {
		return nil, err
	}
	cfg.ACS = p.url
	res, err := loadgen.Run(ctx, cfg)
	cpu, serr := p.stop()
	if err != nil {
		return nil, err
	}
	if serr != nil {
		return nil, serr
	}
	res.SetServerCPU(cpu)
	return res, nil
}
