package diag

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"os"
	"time"
)

// PingSpec is one IPPing test.
type PingSpec struct {
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
		return PingResult{}, &Error{State: StateOther, Err: errorf("bad ping parameters: count %d, timeout %v, size %d", spec.Count, spec.Timeout, spec.Size)}
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
	c, dst, v6 := pr.c, pr.dst, pr.c.v6

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
		seq := uint16(i + 1)
		sent := time.Now()
		if _, err := c.pc.WriteTo(marshalEcho(v6, echo{id: id, seq: seq, data: data}), c.addr(dst)); err != nil {
			if ctx.Err() != nil {
				return res, ctx.Err()
			}
			res.Failure++
			continue
		}
		rtt, ok, err := awaitEcho(c, buf, id, seq, sent, spec.Timeout)
		if err != nil {
			if ctx.Err() != nil {
				return res, ctx.Err()
			}
			return res, &Error{State: StateInternal, Err: err}
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
	if res.Success > 0 {
		var sum time.Duration
		for _, r := range res.RoundTrips {
			sum += r
		}
		res.Average = sum / time.Duration(res.Success)
	}
	return res, nil
}

// awaitEcho reads until the reply to (id, seq) arrives or the deadline
// passes (ok false). A ping socket's kernel rewrites the id, so there
// only the sequence number is compared.
func awaitEcho(c *icmpConn, buf []byte, id, seq uint16, sent time.Time, timeout time.Duration) (rtt time.Duration, ok bool, err error) {
	if err := c.pc.SetReadDeadline(sent.Add(timeout)); err != nil {
		return 0, false, errorf("diag: read deadline: %w", err)
	}
	for {
		n, _, err := c.pc.ReadFrom(buf)
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				return 0, false, nil
			}
			return 0, false, errorf("diag: reading ICMP: %w", err)
		}
		r, perr := parseReply(c.v6, buf[:n])
		if perr != nil || r.kind != replyEcho || r.seq != seq || (c.raw && r.id != id) {
			continue
		}
		return time.Since(sent), true, nil
	}
}
