package diag

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// ICMP message types this package sends or interprets, for IPv4 (RFC 792)
// and IPv6 (RFC 4443).
const (
	icmp4EchoReply    = 0
	icmp4Unreachable  = 3
	icmp4Echo         = 8
	icmp4TimeExceeded = 11

	icmp6Unreachable  = 1
	icmp6TimeExceeded = 3
	icmp6Echo         = 128
	icmp6EchoReply    = 129
)

// echo is an ICMP echo request or reply.
type echo struct {
	id, seq uint16
	data    []byte
}

// marshalEcho builds an echo request. The checksum is filled in for IPv4;
// for IPv6 the kernel computes it (it covers a pseudo-header the socket
// does not let us see).
func marshalEcho(v6 bool, e echo) []byte {
	b := make([]byte, 8+len(e.data))
	b[0] = icmp4Echo
	if v6 {
		b[0] = icmp6Echo
	}
	binary.BigEndian.PutUint16(b[4:], e.id)
	binary.BigEndian.PutUint16(b[6:], e.seq)
	copy(b[8:], e.data)
	if !v6 {
		binary.BigEndian.PutUint16(b[2:], checksum(b))
	}
	return b
}

// checksum is the Internet checksum (RFC 1071).
func checksum(b []byte) uint16 {
	var s uint32
	for i := 0; i+1 < len(b); i += 2 {
		s += uint32(b[i])<<8 | uint32(b[i+1])
	}
	if len(b)%2 == 1 {
		s += uint32(b[len(b)-1]) << 8
	}
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	return ^uint16(s)
}

// replyKind is what an incoming ICMP message means to a probe.
type replyKind int

const (
	replyOther        replyKind = iota
	replyEcho                   // the destination answered
	replyTimeExceeded           // a router on the way dropped the probe
	replyUnreachable            // a router or the host refused it
)

// reply is an incoming ICMP message reduced to what a probe needs: its
// kind and the echo it answers (for errors, the echo quoted inside).
type reply struct {
	kind    replyKind
	code    uint8
	id, seq uint16
}

var errShortICMP = errors.New("diag: ICMP message too short")

// parseReply reads an ICMP message as delivered by the socket (without
// the outer IP header). Errors quote the offending packet's IP header and
// at least the first 8 bytes of its payload, which hold our id and seq.
func parseReply(v6 bool, b []byte) (reply, error) {
	if len(b) < 8 {
		return reply{}, errShortICMP
	}
	typ, code := b[0], b[1]
	var r reply
	r.code = code
	switch {
	case !v6 && typ == icmp4EchoReply, v6 && typ == icmp6EchoReply:
		r.kind = replyEcho
		r.id = binary.BigEndian.Uint16(b[4:])
		r.seq = binary.BigEndian.Uint16(b[6:])
		return r, nil
	case !v6 && typ == icmp4TimeExceeded, v6 && typ == icmp6TimeExceeded:
		r.kind = replyTimeExceeded
	case !v6 && typ == icmp4Unreachable, v6 && typ == icmp6Unreachable:
		r.kind = replyUnreachable
	default:
		return reply{kind: replyOther}, nil
	}
	inner, err := quotedPayload(v6, b[8:])
	if err != nil {
		return reply{}, err
	}
	wantEcho := byte(icmp4Echo)
	if v6 {
		wantEcho = icmp6Echo
	}
	if inner[0] != wantEcho {
		// An error about some other packet of this host.
		return reply{kind: replyOther}, nil
	}
	r.id = binary.BigEndian.Uint16(inner[4:])
	r.seq = binary.BigEndian.Uint16(inner[6:])
	return r, nil
}

// quotedPayload skips the IP header an ICMP error quotes and returns the
// first 8 bytes of the quoted packet's payload, which must be ICMP.
func quotedPayload(v6 bool, b []byte) ([]byte, error) {
	if v6 {
		const hdr = 40
		if len(b) < hdr+8 {
			return nil, errShortICMP
		}
		if b[0]>>4 != 6 {
			return nil, fmt.Errorf("diag: quoted packet is IPv%d, want IPv6", b[0]>>4)
		}
		if b[6] != 58 { // next header: ICMPv6 (extension headers are not expected on our probes)
			return nil, fmt.Errorf("diag: quoted packet carries protocol %d, not ICMPv6", b[6])
		}
		return b[hdr : hdr+8], nil
	}
	if len(b) < 20 {
		return nil, errShortICMP
	}
	if b[0]>>4 != 4 {
		return nil, fmt.Errorf("diag: quoted packet is IPv%d, want IPv4", b[0]>>4)
	}
	ihl := int(b[0]&0x0f) * 4
	if ihl < 20 || len(b) < ihl+8 {
		return nil, errShortICMP
	}
	if b[9] != 1 {
		return nil, fmt.Errorf("diag: quoted packet carries protocol %d, not ICMP", b[9])
	}
	return b[ihl : ihl+8], nil
}
