package diag

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"time"
)

// probe is an ICMP socket aimed at a resolved destination.
type probe struct {
	dst, src net.IP
	c        *icmpConn
	stop     func() bool
}

// openProbe resolves host, finds the route's source address and opens an
// ICMP socket of the destination's family, marked and bound as asked
// (raw: a traceroute needs the ICMP errors only raw sockets see). The
// socket closes when ctx ends: that is how a cancelled test stops waiting.
func openProbe(ctx context.Context, host, proto string, dscp int, device string, raw bool) (probe, error) {
	var p probe
	var err error
	if p.dst, err = resolve(ctx, host, proto); err != nil {
		return p, err
	}
	if p.src, err = sourceFor(p.dst); err != nil {
		return p, err
	}
	if p.c, err = openICMP(p.dst.To4() == nil, raw); err != nil {
		return p, &Error{State: StateInternal, Err: err}
	}
	if err := p.c.setDSCP(dscp); err != nil {
		p.c.pc.Close()
		return p, &Error{State: StateInternal, Err: err}
	}
	if err := p.c.bindDevice(device); err != nil {
		p.c.pc.Close()
		return p, &Error{State: StateInternal, Err: err}
	}
	p.stop = context.AfterFunc(ctx, func() { p.c.pc.Close() })
	return p, nil
}

func (p probe) close() {
	p.stop()
	p.c.pc.Close()
}

// exchange sends one echo and reads until its answer arrives or timeout
// passes (ok false; a failed send is no answer either): the echo reply
// or, with icmpErrors, an ICMP error quoting the echo. A ping socket's
// kernel rewrites the id, so there only the sequence number is compared.
// Ping and TraceRoute share it; errors are the context's once it ended,
// else *Error values.
func (p probe) exchange(ctx context.Context, e echo, buf []byte, timeout time.Duration, icmpErrors bool) (from net.IP, r reply, rtt time.Duration, ok bool, err error) {
	c := p.c
	sent := time.Now()
	if _, err := c.pc.WriteTo(marshalEcho(c.v6, e), c.addr(p.dst)); err != nil {
		return nil, reply{}, 0, false, ctx.Err()
	}
	err = c.pc.SetReadDeadline(sent.Add(timeout))
	if err != nil {
		err = fmt.Errorf("diag: read deadline: %w", err)
	}
	for err == nil {
		n, addr, rerr := c.pc.ReadFrom(buf)
		if errors.Is(rerr, os.ErrDeadlineExceeded) {
			return nil, reply{}, 0, false, nil
		}
		if rerr != nil {
			err = fmt.Errorf("diag: reading ICMP: %w", rerr)
			break
		}
		got, perr := parseReply(c.v6, buf[:n])
		if perr != nil || got.seq != e.seq || (c.raw && got.id != e.id) || !(got.kind == replyEcho || icmpErrors && got.kind != replyOther) {
			continue
		}
		return sourceIP(addr), got, time.Since(sent), true, nil
	}
	if ctx.Err() != nil {
		return nil, reply{}, 0, false, ctx.Err()
	}
	return nil, reply{}, 0, false, &Error{State: StateInternal, Err: err}
}
