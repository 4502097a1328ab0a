// Package sim is a simulated home gateway: a DSL router with four LAN
// ports, one Wi-Fi radio with its SSID and access point, a LAN and a WAN
// IP interface and a few hosts. It touches nothing on the host. Values
// that move (uptime, traffic counters, the DSL line's noise margin and
// errored seconds) are computed from the injected clock and an RNG seeded
// per device, so two runs with the same seed and the same clock agree.
//
// What the sim keeps per device is small (a few KiB: its settings, hosts
// and line state); the schema is shared by every device of the process.
// Settings the ACS or the local UI write to the sim (SSID, channel,
// passphrase...) are kept in a small state file in the data directory,
// with the simulated boot id; the IP interfaces are managed by the tree
// and kept in its store.
package sim

import (
	"context"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"sync"
	"time"

	"gatewarden/cpe-agent/internal/clock"
	"gatewarden/cpe-agent/internal/model"
	"gatewarden/cpe-agent/internal/platform"
)

// Options configure a simulated device.
type Options struct {
	// DataDir holds the sim's state file (boot id, settings). Empty keeps
	// everything in memory: every New is then a fresh boot.
	DataDir string
	// Identity of the device. Empty fields get defaults; SerialNumber
	// should differ per device (it seeds the RNG when Seed is 0).
	Identity model.Identity
	// Clock drives uptime, counters and the line; nil means the system
	// clock.
	Clock clock.Clock
	// Seed fixes the device's random properties (line length, MAC
	// addresses, traffic rates); 0 derives it from the serial number.
	Seed uint64
}

// Sim is one simulated device. It implements platform.Platform.
type Sim struct {
	clk   clock.Clock
	id    model.Identity
	seed  uint64
	file  string
	tree  *model.Handle
	props props
	// settings maps the template of each parameter the sim keeps to its
	// factory value.
	settings map[string]func(model.Index) string

	// mu is unlocked explicitly, not by defer: in the router build (no
	// inlining) every deferred Unlock is a wrapper function plus exit
	// code, and nothing these methods do under it can panic.
	mu       sync.Mutex
	st       state
	bootTime time.Time
	line     line
	hosts    []host
}

var _ platform.Platform = (*Sim)(nil)

// New creates a simulated device, resuming its state from DataDir. A
// state file from an earlier run continues that simulated boot (an agent
// restart is no reboot); without one the device boots for the first time.
func New(opts Options) (*Sim, error) {
	s := &Sim{clk: opts.Clock, id: withDefaults(opts.Identity), seed: opts.Seed}
	if s.clk == nil {
		s.clk = clock.Real()
	}
	if s.seed == 0 {
		h := fnv.New64a()
		h.Write([]byte(s.id.SerialNumber))
		s.seed = h.Sum64()
	}
	s.props = newProps(s.seed)
	if opts.DataDir != "" {
		s.file = stateFile(opts.DataDir)
	}
	st, ok, err := readState(s.file)
	if err != nil {
		return nil, err
	}
	if ok {
		s.st = st
	} else {
		s.st = state{Settings: map[string]string{}}
		s.newBoot()
		if err := s.save(); err != nil {
			return nil, err
		}
	}
	s.startBoot()
	return s, nil
}

// withDefaults fills the identity fields left empty.
func withDefaults(id model.Identity) model.Identity {
	set := func(f *string, v string) {
		if *f == "" {
			*f = v
		}
	}
	set(&id.Manufacturer, "Gatewarden")
	set(&id.ManufacturerOUI, "02A0C5")
	set(&id.ModelName, "GW-SIM-1")
	set(&id.Description, "Gatewarden simulated DSL gateway")
	set(&id.ProductClass, "GW-SIM")
	set(&id.SerialNumber, "SIM0000001")
	set(&id.HardwareVersion, "sim-1.0")
	set(&id.SoftwareVersion, "1.0.0")
	return id
}

// Name implements platform.Platform.
func (s *Sim) Name() string { return "sim" }

// Identity implements platform.Platform.
func (s *Sim) Identity() model.Identity { return s.id }

// BootID implements platform.Platform: the simulated boot's id.
func (s *Sim) BootID() (string, error) {
	s.mu.Lock()
	id := s.st.BootID
	s.mu.Unlock()
	return id, nil
}

// Reboot implements platform.Platform: a new simulated boot starts now
// (new boot id, uptime and counters from zero). The caller restarts the
// agent.
func (s *Sim) Reboot(context.Context) error {
	s.mu.Lock()
	s.newBoot()
	err := s.save()
	if err == nil {
		s.startBoot()
	}
	s.mu.Unlock()
	return err
}

// FactoryReset implements platform.Platform: the sim's settings go back
// to their defaults and the device reboots.
func (s *Sim) FactoryReset(context.Context) error {
	s.mu.Lock()
	s.st.Settings = map[string]string{}
	s.newBoot()
	err := s.save()
	if err == nil {
		s.startBoot()
	}
	s.mu.Unlock()
	return err
}

// newBoot records a new simulated boot. Called with s.mu held (or before
// s is shared).
func (s *Sim) newBoot() {
	s.st.Boots++
	r := rand.New(rand.NewPCG(s.seed, s.st.Boots))
	s.st.BootID = fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", r.Uint32(), r.Uint32()&0xffff, 0x4000|r.Uint32()&0x0fff, 0x8000|r.Uint32()&0x3fff, r.Uint64()&0xffffffffffff)
	s.st.BootTime = s.clk.Now().UTC()
}

// startBoot sets up the volatile state of the current boot.
func (s *Sim) startBoot() {
	s.bootTime = s.st.BootTime
	s.line = newLine(s.seed, s.st.Boots, s.bootTime)
	s.hosts = s.props.defaultHosts(s.bootTime)
}

// uptime returns the seconds since the simulated boot.
func (s *Sim) uptime() uint64 {
	d := s.clk.Now().Sub(s.bootTime)
	if d < 0 {
		return 0
	}
	return uint64(d / time.Second)
}
