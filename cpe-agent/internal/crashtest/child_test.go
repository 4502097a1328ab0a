package crashtest

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"gatewarden/cpe-agent/agent"
	"gatewarden/cpe-agent/internal/clock"
	"gatewarden/cpe-agent/internal/model"
	"gatewarden/cpe-agent/internal/platform"
	"gatewarden/cpe-agent/internal/platform/sim"
	"gatewarden/cpe-agent/internal/session"
)

// The child's configuration travels in the environment.
const (
	envChild  = "GATEWARDEN_CRASHTEST_CHILD"
	envACS    = "GATEWARDEN_CRASHTEST_ACS"
	envDir    = "GATEWARDEN_CRASHTEST_DIR"
	envCRAddr = "GATEWARDEN_CRASHTEST_CRADDR"
	envSerial = "GATEWARDEN_CRASHTEST_SERIAL"
)

// childResponseTimeout bounds each exchange with the peer: a session the
// peer abandons (its side of a kill) fails in this time, not in 30 s.
const childResponseTimeout = 5 * time.Second

// childPeriodicInterval is the device's factory PeriodicInformInterval.
const childPeriodicInterval = 2 * time.Second

func TestMain(m *testing.M) {
	if os.Getenv(envChild) != "" {
		os.Exit(childMain())
	}
	os.Exit(m.Run())
}

// childMain is the device: agent.Run on the sim platform, plus a command
// reader on stdin for changes made "on the box". It exits 0 after SIGTERM.
func childMain() int {
	cfg := agent.DefaultConfig()
	cfg.Platform = "sim"
	cfg.ACSURL = os.Getenv(envACS)
	cfg.DataDir = os.Getenv(envDir)
	cfg.ConnReqAddr = os.Getenv(envCRAddr)
	cfg.Serial = os.Getenv(envSerial)
	// Periodic Informs keep events in flight, and open a session even
	// when a kill left the device without the credentials a connection
	// request needs.
	cfg.PeriodicInformInterval = childPeriodicInterval
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))

	var mu sync.Mutex
	var current *sim.Sim
	ready := make(chan struct{})
	var once sync.Once
	a, err := agent.New(cfg,
		agent.WithLogger(log),
		agent.WithPlatform(func(cfg agent.Config, clk clock.Clock) (platform.Platform, error) {
			s, err := sim.New(sim.Options{DataDir: cfg.DataDir, Clock: clk, Identity: model.Identity{SerialNumber: cfg.Serial}})
			if err != nil {
				return nil, err
			}
			mu.Lock()
			current = s
			mu.Unlock()
			once.Do(func() { close(ready) })
			return s, nil
		}),
		agent.WithSessionOptions(func(o *session.Options) { o.ResponseTimeout = childResponseTimeout }),
	)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child: cannot start:", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	go commands(ctx, ready, func() *sim.Sim { mu.Lock(); defer mu.Unlock(); return current })
	if err := a.Run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "child: agent stopped:", err)
		return 1
	}
	return 0
}

// commands reads "local <n> <path> <value>" lines and answers "ack <n>"
// once the change is made (LocalChange returned: the tree has recorded
// it), "nack <n> <why>" when it failed.
func commands(ctx context.Context, ready <-chan struct{}, dev func() *sim.Sim) {
	select {
	case <-ready:
	case <-ctx.Done():
		return
	}
	out := bufio.NewWriter(os.Stdout)
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 4 || f[0] != "local" {
			fmt.Fprintf(os.Stderr, "child: bad command %q\n", sc.Text())
			continue
		}
		// A change made while the tree is being rebuilt (the agent's
		// start) is retried briefly rather than refused.
		var err error
		for range 50 {
			if err = dev().LocalChange(ctx, f[2], f[3]); err == nil || ctx.Err() != nil {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		if err != nil {
			fmt.Fprintf(out, "nack %s %s\n", f[1], strings.ReplaceAll(err.Error(), "\n", " "))
		} else {
			fmt.Fprintf(out, "ack %s\n", f[1])
		}
		out.Flush()
	}
}
