package main

import (
	"bufio"
	"bytes"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
)

// GC defaults of `acs serve`. The ACS's live heap is small and does not
// grow with the fleet (no whole-fleet cache), while every session
// allocates: at Go's default GOGC=100 the collector runs after every few
// megabytes of garbage, and it took 8-20% of the CPU of an idle periodic
// session in the benchmarks. GOGC=400 lets the heap grow to five times
// the live data between collections; the soft memory limit, three
// quarters of the memory the process may use (the cgroup's memory.max,
// else MemTotal), makes the collector work harder before that headroom
// could become a problem. The GOGC and GOMEMLIMIT environment variables
// override each.
const (
	defaultGCPercent = 400
	// memoryLimitShare of the available memory is the soft limit.
	memoryLimitShare = 0.75
)

// tuneGC applies the defaults the environment does not override.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		if avail := availableMemory(); avail > 0 {
			debug.SetMemoryLimit(int64(float64(avail) * memoryLimitShare))
		}
	}
}

// availableMemory is the cgroup v2 limit of this process when it has one,
// else the machine's memory; 0 when neither can be read.
func availableMemory() int64 {
	if b, err := os.ReadFile("/sys/fs/cgroup/memory.max"); err == nil {
		if v, err := strconv.ParseInt(string(bytes.TrimSpace(b)), 10, 64); err == nil && v > 0 {
			return v
		}
	}
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// MemTotal:       16384000 kB
		rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:")
		if !ok {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		if err != nil || kb <= 0 {
			return 0
		}
		return kb << 10
	}
	return 0
}
