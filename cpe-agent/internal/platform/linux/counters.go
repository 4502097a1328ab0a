//go:build linux

package linux

import (
	"math"
	"sync"
)

// counters turns the raw traffic counters the kernel shows into the
// monotonic ones TR-181 wants. Most drivers keep 64-bit counters, but
// some (32-bit MIPS switch MIBs, old Wi-Fi drivers) wrap at 2^32; the
// agent extends those across the wrap, provided it reads them at least
// once per wrap (at 1 Gbit/s a byte counter wraps every 34 s; the
// value-change poll and the ACS's reads are usually enough, and a missed
// wrap shows as a smaller increase, never as a drop).
type counters struct {
	mu sync.Mutex
	m  map[string]*counterState
}

type counterState struct{ last, total uint64 }

// extend records raw for key (interface index, name and counter, so a
// recreated interface starts afresh) and returns the extended value.
func (c *counters) extend(key string, raw uint64) uint64 {
	// Unlocked by hand: a defer costs ~150 bytes of router code.
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string]*counterState{}
	}
	s, ok := c.m[key]
	if !ok {
		c.m[key] = &counterState{last: raw, total: raw}
		c.mu.Unlock()
		return raw
	}
	switch {
	case raw >= s.last:
		s.total += raw - s.last
	case s.last <= math.MaxUint32 && s.last >= 1<<31:
		// A 32-bit counter that was in its upper half and is now below
		// its last value wrapped.
		s.total += raw + (1 << 32) - s.last
	default:
		// The counter restarted (driver reset, interface re-created
		// under the same index): TR-181 counters restart with it.
		s.total = raw
	}
	s.last = raw
	total := s.total
	c.mu.Unlock()
	return total
}
