// Package fleet runs many simulated CPE agents in one process: the real
// agent (cpe-agent/agent) on the sim platform, each with its own state
// directory and connection-request listener. `make run` starts a small
// fleet beside an ACS; scenarios with thousands of devices use it too.
package fleet

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"gatewarden/cpe-agent/agent"
)

// Options describe a fleet.
type Options struct {
	ACSURL string
	// Password returns the CWMP password of a serial number (derived from
	// the ACS's fleet secret); nil sends no credentials.
	Password func(serial string) string
	// Devices is how many agents to run.
	Devices int
	// SerialPrefix names the devices: PREFIX000001, PREFIX000002, ...
	SerialPrefix string
	// DataDir holds one state directory per device.
	DataDir string
	// ProductClass of every device; default "SIM".
	ProductClass string
	// PeriodicInform is the factory PeriodicInformInterval; default 300 s.
	PeriodicInform time.Duration
	Logger         *slog.Logger
	// Configure, when set, adjusts device i's configuration last (the
	// MQTT lane's broker URL and push key, say).
	Configure func(i int, cfg *agent.Config)
}

// Fleet is a running set of agents.
type Fleet struct {
	agents []*agent.Agent
	serial []string
	wg     sync.WaitGroup
	errMu  sync.Mutex
	errs   []error
}

// Serial is the serial number of device i (0-based).
func (o Options) Serial(i int) string { return fmt.Sprintf("%s%06d", o.SerialPrefix, i+1) }

// Start builds every agent and runs each in its own goroutine until ctx
// ends. Connection-request listeners bind 127.0.0.1 on ports the kernel
// picks, so a fleet never needs a port plan.
func Start(ctx context.Context, o Options) (*Fleet, error) {
	if o.Devices <= 0 {
		return nil, errors.New("fleet: no devices")
	}
	if o.ProductClass == "" {
		o.ProductClass = "SIM"
	}
	if o.PeriodicInform == 0 {
		o.PeriodicInform = 300 * time.Second
	}
	f := &Fleet{}
	for i := 0; i < o.Devices; i++ {
		serial := o.Serial(i)
		cfg := agent.DefaultConfig()
		cfg.Platform = "sim"
		cfg.ACSURL = o.ACSURL
		cfg.DataDir = filepath.Join(o.DataDir, serial)
		cfg.Serial = serial
		cfg.ProductClass = o.ProductClass
		cfg.ConnReqAddr = "127.0.0.1:0"
		cfg.LocalAddr = agent.LocalOff // one page per process would be a port fight
		cfg.PeriodicInformInterval = o.PeriodicInform
		if o.Password != nil {
			cfg.ACSUsername = serial
			cfg.ACSPassword = o.Password(serial)
		}
		if o.Configure != nil {
			o.Configure(i, &cfg)
		}
		var opts []agent.Option
		if o.Logger != nil {
			opts = append(opts, agent.WithLogger(o.Logger.With("device", serial)))
		}
		a, err := agent.New(cfg, opts...)
		if err != nil {
			return nil, fmt.Errorf("fleet: device %s: %w", serial, err)
		}
		f.agents = append(f.agents, a)
		f.serial = append(f.serial, serial)
	}
	for i, a := range f.agents {
		f.wg.Add(1)
		go func() {
			defer f.wg.Done()
			if err := a.Run(ctx); err != nil && ctx.Err() == nil {
				f.errMu.Lock()
				f.errs = append(f.errs, fmt.Errorf("device %s: %w", f.serial[i], err))
				f.errMu.Unlock()
			}
		}()
	}
	return f, nil
}

// Agent is device i's agent (0-based).
func (f *Fleet) Agent(i int) *agent.Agent { return f.agents[i] }

// Serials lists the devices in order.
func (f *Fleet) Serials() []string { return append([]string(nil), f.serial...) }

// Wait blocks until every agent stopped and returns their errors.
func (f *Fleet) Wait() error {
	f.wg.Wait()
	f.errMu.Lock()
	defer f.errMu.Unlock()
	return errors.Join(f.errs...)
}
