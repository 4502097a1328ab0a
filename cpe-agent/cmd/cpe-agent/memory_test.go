package main

import (
	"runtime"
	"runtime/debug"
	"testing"

	"gatewarden/cpe-agent/agent"
)

// settings reads the collector's and scheduler's settings without
// changing them.
type settings struct {
	gcPercent int
	limit     int64
	procs     int
}

func current() settings {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return settings{p, debug.SetMemoryLimit(-1), runtime.GOMAXPROCS(0)}
}

func set(s settings) {
	debug.SetGCPercent(s.gcPercent)
	debug.SetMemoryLimit(s.limit)
	runtime.GOMAXPROCS(s.procs)
}

func TestMemorySettings(t *testing.T) {
	saved := current()
	t.Cleanup(func() { set(saved) })
	// What the runtime took from the environment before main: the settings
	// to keep when the environment names them.
	preset := settings{77, 1234567, 3}
	for _, c := range []struct {
		name string
		cfg  agent.Config
		env  map[string]string
		want settings
	}{
		{"defaults", agent.Config{}, nil, settings{defaultGCPercent, defaultMemoryLimit, defaultMaxProcs}},
		{"config", agent.Config{GCPercent: 80, MemoryLimit: 48 << 20}, nil, settings{80, 48 << 20, defaultMaxProcs}},
		{"environment", agent.Config{GCPercent: 80, MemoryLimit: 48 << 20},
			map[string]string{"GOGC": "off", "GOMEMLIMIT": "1GiB", "GOMAXPROCS": "3"}, preset},
		{"some environment", agent.Config{GCPercent: 80}, map[string]string{"GOMEMLIMIT": "1GiB"},
			settings{80, preset.limit, defaultMaxProcs}},
	} {
		t.Run(c.name, func(t *testing.T) {
			set(preset)
			applyMemorySettings(c.cfg, func(k string) string { return c.env[k] })
			if got := current(); got != c.want {
				t.Errorf("got %+v, want %+v", got, c.want)
			}
		})
	}
}
