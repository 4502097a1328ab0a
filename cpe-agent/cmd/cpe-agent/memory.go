package main

import (
	"runtime"
	"runtime/debug"

	"gatewarden/cpe-agent/agent"
)

// Memory defaults for small routers, measured with BenchmarkIdleSessions
// (cpe-agent/agent). The agent's live heap is well under 1 MiB (the TR-181
// schema is built lazily), so the runtime's own defaults are what set its
// footprint:
//
//   - GOGC=100 lets the heap reach 4 MiB before the first collection (the
//     floor is GOGC × 4 MiB / 100), and the runtime keeps much of what it
//     grew to. GOGC=25 lowers the floor to 1 MiB; a collection of so small
//     a heap is cheap, and comes every few sessions.
//   - One P (GOMAXPROCS=1): each P keeps its own spans of every size class
//     and its own stack cache, and each extra OS thread a signal stack and a
//     system stack; together about 0.7 MiB for nothing, as the agent runs one
//     session at a time. It also keeps the agent off the cores that forward
//     traffic.
//   - The 16 MiB soft limit is a backstop for a burst (a GetParameterValues
//     of the whole tree, a large download's bookkeeping) on a 64-128 MB
//     router; it does not drive collection in normal operation. Set much
//     lower than what the agent needs, it makes the collector run without
//     end.
//
// gc_percent and memory_limit in the config file override the first and
// the last; GOGC, GOMEMLIMIT and GOMAXPROCS in the environment override
// everything.
const (
	defaultGCPercent   = 25
	defaultMemoryLimit = 16 << 20
	defaultMaxProcs    = 1
)

// applyMemorySettings sets the collector and the scheduler from cfg and the
// defaults where the environment (looked up through getenv) does not
// already set them.
func applyMemorySettings(cfg agent.Config, getenv func(string) string) {
	if getenv("GOGC") == "" {
		p := cfg.GCPercent
		if p == 0 {
			p = defaultGCPercent
		}
		debug.SetGCPercent(p)
	}
	if getenv("GOMEMLIMIT") == "" {
		limit := cfg.MemoryLimit
		if limit == 0 {
			limit = defaultMemoryLimit
		}
		debug.SetMemoryLimit(limit)
	}
	if getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(defaultMaxProcs)
	}
}
