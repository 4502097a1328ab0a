package diag

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"time"
)

// TraceSpec is one TraceRoute test.
type TraceSpec struct {
	_       [0]func() // not comparable: spares the binary an equality function
	Host    string
	Proto   string
	Tries   int // probes per hop (NumberOfTries, 1 to 3)
	Timeout time.Duration
	Size    int
	DSCP    int
	MaxHops int
	Device  string
}

// Hop is one router on the way (or the destination, last).
type Hop struct {
	Address   net.IP // nil when no probe of this hop was answered
	ErrorCode uint32 // ICMP code of an unreachable answer; 0 otherwise
	// RoundTrips of the answered probes, in order.
	RoundTrips []time.Duration
}

// TraceResult is what TraceRoute reports.
type TraceResult struct {
	Address, Source net.IP
	Hops            []Hop
	// ResponseTime is the mean round trip to the destination.
	ResponseTime time.Duration
}

// TraceRoute sends ICMP echoes with growing hop limits until the
// destination answers, an unreachable message stops the trace, or
// MaxHops is passed (Error_MaxHopCountExceeded, with the hops found). It
// needs a raw socket: the Time Exceeded answers reach only those.
func TraceRoute(ctx context.Context, spec TraceSpec) (TraceResult, error) {
	if spec.Tries < 1 || spec.Tries > 3 || spec.Timeout <= 0 || spec.MaxHops < 1 || spec.MaxHops > 64 || spec.Size < 0 || spec.Size > 65507 {
		return TraceResult{}, &Error{State: StateOther, Err: fmt.Errorf("bad traceroute parameters: tries %d, timeout %v, max hops %d, size %d", spec.Tries, spec.Timeout, spec.MaxHops, spec.Size)}
	}
	pr, err := openProbe(ctx, spec.Host, spec.Proto, spec.DSCP, spec.Device, true)
	res := TraceResult{Address: pr.dst, Source: pr.src}
	if err != nil {
		return res, err
	}
	defer pr.close()
	c, dst := pr.c, pr.dst

	id := uint16(rand.Uint32())
	data := make([]byte, spec.Size)
	buf := make([]byte, 1500+spec.Size)
	seq := uint16(0)
	for ttl := 1; ttl <= spec.MaxHops; ttl++ {
		if err := c.setHopLimit(ttl); err != nil {
			return res, &Error{State: StateInternal, Err: err}
		}
		var hop Hop
		reached, stopped := false, false
		for try := 0; try < spec.Tries; try++ {
			seq++
			from, r, rtt, ok, err := pr.exchange(ctx, echo{id: id, seq: seq, data: data}, buf, spec.Timeout, true)
			if err != nil {
				return res, err
			}
			if !ok {
				continue
			}
			hop.Address = from
			hop.RoundTrips = append(hop.RoundTrips, rtt)
			switch r.kind {
			case replyEcho:
				reached = true
			case replyUnreachable:
				hop.ErrorCode = uint32(r.code)
				stopped = true
			}
		}
		res.Hops = append(res.Hops, hop)
		if reached {
			res.ResponseTime = mean(hop.RoundTrips)
			return res, nil
		}
		if stopped {
			return res, &Error{State: stateNoRoute, Err: fmt.Errorf("%s answered unreachable (code %d)", hop.Address, hop.ErrorCode)}
		}
	}
	return res, &Error{State: stateMaxHops, Err: fmt.Errorf("%s not reached within %d hops", dst, spec.MaxHops)}
}

func mean(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	var s time.Duration
	for _, d := range ds {
		s += d
	}
	return s / time.Duration(len(ds))
}
