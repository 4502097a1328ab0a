package session

import (
	"context"
	"time"

	"gatewarden/protocol/cwmp"
)

// periodic is the periodic-inform schedule (TR069-DIGEST §1.8): informs are
// due at ref + i·interval. With PeriodicInformTime unknown the phase is
// random, chosen once and kept while the interval stays the same, so
// devices that boot together spread over the interval.
type periodic struct {
	_        incomparable
	enabled  bool
	interval int64 // seconds
	ref      time.Time
	random   bool // ref is a random phase, not PeriodicInformTime
	next     time.Time
}

// load reads the parameters and recomputes the next boundary after now.
func (p *periodic) load(ctx context.Context, c *Client, now time.Time) {
	enabled := c.boolParam(ctx, paramPeriodicEnable, false)
	interval := int64(c.uintParam(ctx, paramPeriodicInterval, 1, ^uint32(0), 0))
	if !enabled || interval == 0 {
		*p = periodic{}
		return
	}
	var ref time.Time
	known := false
	if s, err := c.m.Value(ctx, paramPeriodicTime); err == nil {
		dt := cwmp.DateTime(s)
		if t, err := dt.Time(); err == nil && s != "" && !dt.IsUnknown() {
			ref, known = t, true
		}
	}
	if !known {
		if p.enabled && p.random && p.interval == interval {
			ref = p.ref
		} else {
			ref = now.Add(time.Duration(c.opts.Rand() * float64(interval) * float64(time.Second)))
		}
	}
	*p = periodic{enabled: true, interval: interval, ref: ref, random: !known}
	p.next = nextBoundary(ref, now, interval)
}

// due reports whether a periodic inform is due at now, and if so moves
// on to the next boundary after now (missed boundaries collapse into one).
func (p *periodic) due(now time.Time) bool {
	if !p.enabled || now.Before(p.next) {
		return false
	}
	p.next = nextBoundary(p.ref, now, p.interval)
	return true
}

// nextBoundary returns the first ref + i·interval strictly after now, for
// any integer i (ref may lie in the future). Whole seconds: the interval is
// in seconds, and integer arithmetic stays exact for any date.
func nextBoundary(ref, now time.Time, interval int64) time.Time {
	r, n := ref.Unix(), now.Unix()
	k := floorDiv(n-r, interval) + 1
	return time.Unix(r+k*interval, 0).In(now.Location())
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}
