package diag

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"time"
)

// PingSpec is one IPPing test.
type PingSpec struct {
	_        [0]func() // not comparable: spares the binary an equality function
	Host     string
	Proto    string // "Any" (or ""), "IPv4", "IPv6"
	Count    int    // echoes to send (NumberOfRepetitions)
	Timeout  time.Duration
	Size     int // bytes of echo data (DataBlockSize)
	DSCP     int
	Device   string        // network device to send from; "" lets routing decide
	Interval time.Duration // between echoes; 0 is one second
}

// PingResult is what IPPing reports.
type PingResult struct {
	Address, Source   net.IP
	Success, Failure  uint32
	Min, Max, Average time.Duration // zero when nothing answered
	RoundTrips        []time.Duration
}

// Ping sends Count echoes to Host, one at a time, each waiting up to
// Timeout for its reply.
// Errors are *Error values naming the DiagnosticsState to report.
func Ping(ctx context.Context, spec PingSpec) (PingResult, error) {
	if spec.Count <= 0 || spec.Timeout <= 0 || spec.Size < 0 || spec.Size > 65507 {
		return PingResult{}, &Error{State: StateOther, Err: fmt.Errorf("bad ping parameters: count %d, timeout %v, size %d", spec.Count, spec.Timeout, spec.Size)}
	}
	if spec.Interval <= 0 {
		spec.Interval = time.Second
	}
	pr, err := openProbe(ctx, spec.Host, spec.Proto, spec.DSCP, spec.Device, false)
	res := PingResult{Address: pr.dst, Source: pr.src}
	if err != nil {
		return res, err
	}
	defer pr.close()

	id := uint16(rand.Uint32())
	data := make([]byte, spec.Size)
	for i := range data {
		data[i] = byte(i)
	}
	buf := make([]byte, 1500+spec.Size)
	for i := 0; i < spec.Count; i++ {
		if i > 0 {
			select {
			case <-ctx.Done():
				return res, ctx.Err()
			case <-time.After(spec.Interval):
			}
		}
		_, _, rtt, ok, err := pr.exchange(ctx, echo{id: id, seq: uint16(i + 1), data: data}, buf, spec.Timeout, false)
		if err != nil {
			return res, err
		}
		if !ok {
			res.Failure++
			continue
		}
		res.Success++
		res.RoundTrips = append(res.RoundTrips, rtt)
		if res.Min == 0 || rtt < res.Min {
			res.Min = rtt
		}
		if rtt > res.Max {
			res.Max = rtt
		}
	}
	res.Average = mean(res.RoundTrips)
	return res, nil
}
