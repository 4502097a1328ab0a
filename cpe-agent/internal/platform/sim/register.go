package sim

import (
	"context"

	"gatewarden/cpe-agent/internal/model"
)

// Register implements platform.Platform: it binds the simulated router's
// parameters. The ManagementServer and identity parameters are bound by
// platform.Registry.
func (s *Sim) Register(r *model.Registry) error {
	s.tree = r.Handle()
	s.settings = map[string]func(model.Index) string{}
	s.registerDeviceInfo(r)
	s.registerEthernet(r)
	s.registerDSL(r)
	s.registerWiFi(r)
	s.registerIP(r)
	s.registerHosts(r)
	return r.Err()
}

// Small adapters from the sim's plain functions to bindings. They are
// kept out of line for the reason model.GetUint is: each builds a closure,
// whose code inlining would copy into every parameter's registration.

//go:noinline
func counter(fn func(ix model.Index) uint64) model.Binding {
	return model.GetUint(func(_ context.Context, ix model.Index) (uint64, error) { return fn(ix), nil })
}

//go:noinline
func signed(fn func(ix model.Index) int64) model.Binding {
	return model.GetInt(func(_ context.Context, ix model.Index) (int64, error) { return fn(ix), nil })
}

//go:noinline
func text(fn func(ix model.Index) string) model.Binding {
	return model.Get(func(_ context.Context, ix model.Index) (string, error) { return fn(ix), nil })
}

// simParam is a read-only parameter the sim computes: text or count
// reads it. The register functions bind them from tables in a loop; a
// registration call per parameter, each with its own closure, cost the
// router binary ~150 bytes a parameter.
type simParam struct {
	name  string
	text  func(s *Sim, ix model.Index) string
	count func(s *Sim, ix model.Index) uint64
}

// params binds ps under prefix.
func (s *Sim) params(r *model.Registry, prefix string, ps []simParam) {
	for i := range ps {
		p := &ps[i]
		if p.count != nil {
			r.Param(prefix+p.name, counter(func(ix model.Index) uint64 { return p.count(s, ix) }))
		} else {
			r.Param(prefix+p.name, text(func(ix model.Index) string { return p.text(s, ix) }))
		}
	}
}

// Getters many tables share.

// nameOf reads as the instance's key (eth0, wl0, dsl0...).
func nameOf(_ *Sim, ix model.Index) string { return ix.LastKey() }

func uptimeOf(s *Sim, _ model.Index) uint64 { return s.uptime() }

func showtimeOf(s *Sim, _ model.Index) uint64 { return s.showtimeSeconds() }

// keys returns a Lister with a fixed set of instances.
//
//go:noinline
func keys(k ...string) model.Lister {
	return func(context.Context, model.Index) ([]string, error) { return k, nil }
}

// consts binds fixed values under prefix; kv alternates names and values.
func consts(r *model.Registry, prefix string, kv []string) {
	for i := 0; i+1 < len(kv); i += 2 {
		r.Param(prefix+kv[i], model.Const(kv[i+1]))
	}
}

// zeros binds counters that stay at zero on the simulated router.
func zeros(r *model.Registry, prefix string, names ...string) {
	for _, n := range names {
		r.Param(prefix+n, counter(zeroCount))
	}
}

func zeroCount(model.Index) uint64 { return 0 }

func upDown(up bool) string {
	if up {
		return "Up"
	}
	return "Down"
}

func (s *Sim) registerDeviceInfo(r *model.Registry) {
	s.params(r, "Device.DeviceInfo.", deviceInfoParams[:])
}

const totalKiB = 262_144

var deviceInfoParams = [...]simParam{
	{name: "UpTime", count: uptimeOf},
	{name: "MemoryStatus.Total", count: func(*Sim, model.Index) uint64 { return totalKiB }},
	{name: "MemoryStatus.Free", count: func(s *Sim, _ model.Index) uint64 {
		// Free memory breathes with a period of a few hours.
		up := s.uptime()
		return totalKiB - 96_000 - (up/60)%4096*8
	}},
	{name: "ProcessStatus.CPUUsage", count: func(s *Sim, _ model.Index) uint64 { return 3 + (s.uptime()/60*7)%23 }},
}
