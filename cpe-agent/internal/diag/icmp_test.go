package diag

import (
	"encoding/binary"
	"testing"
)

func TestChecksumOfEchoVerifies(t *testing.T) {
	b := marshalEcho(false, echo{id: 0x1234, seq: 7, data: []byte("gatewarden")})
	// A message carrying its own checksum sums to zero.
	if c := checksum(b); c != 0 {
		t.Fatalf("checksum over the message = %#04x, want 0", c)
	}
	if b[0] != icmp4Echo || binary.BigEndian.Uint16(b[4:]) != 0x1234 || binary.BigEndian.Uint16(b[6:]) != 7 {
		t.Fatalf("header = % x", b[:8])
	}
	// RFC 1071's worked example: 0001 f203 f4f5 f6f7 sums to ddf2, so
	// the checksum is its complement.
	if c := checksum([]byte{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7}); c != ^uint16(0xddf2) {
		t.Fatalf("RFC 1071 example: %#04x", c)
	}
}

func TestParseEchoReply(t *testing.T) {
	for _, v6 := range []bool{false, true} {
		b := marshalEcho(v6, echo{id: 9, seq: 3, data: []byte{1, 2}})
		b[0] = icmp4EchoReply
		if v6 {
			b[0] = icmp6EchoReply
		}
		r, err := parseReply(v6, b)
		if err != nil || r.kind != replyEcho || r.id != 9 || r.seq != 3 {
			t.Fatalf("v6=%v: %+v, %v", v6, r, err)
		}
		// Our own request, looped back on a raw socket, is not a reply.
		b = marshalEcho(v6, echo{id: 9, seq: 3})
		if r, _ := parseReply(v6, b); r.kind != replyOther {
			t.Fatalf("v6=%v: a request parsed as %v", v6, r.kind)
		}
	}
}

// timeExceeded4 builds what a router sends back: the ICMP header, then
// the dropped packet's IPv4 header (with ihl words) and its first bytes.
func timeExceeded4(ihl int, quoted []byte) []byte {
	ip := make([]byte, ihl*4)
	ip[0] = 0x40 | byte(ihl)
	ip[9] = 1
	b := append([]byte{icmp4TimeExceeded, 0, 0, 0, 0, 0, 0, 0}, ip...)
	return append(b, quoted...)
}

func TestParseTimeExceededQuotesTheProbe(t *testing.T) {
	probe := marshalEcho(false, echo{id: 0xbeef, seq: 12, data: make([]byte, 30)})
	for _, ihl := range []int{5, 6, 15} { // IP options move the quoted payload
		r, err := parseReply(false, timeExceeded4(ihl, probe))
		if err != nil || r.kind != replyTimeExceeded || r.id != 0xbeef || r.seq != 12 {
			t.Fatalf("ihl %d: %+v, %v", ihl, r, err)
		}
	}
	// Unreachable keeps its code (3 = port, 1 = host ...).
	b := timeExceeded4(5, probe)
	b[0], b[1] = icmp4Unreachable, 1
	if r, err := parseReply(false, b); err != nil || r.kind != replyUnreachable || r.code != 1 || r.seq != 12 {
		t.Fatalf("unreachable: %+v, %v", r, err)
	}
	// Truncated quotes are errors, not panics.
	full := timeExceeded4(5, probe)
	for n := 0; n < 8+20+8; n++ {
		if _, err := parseReply(false, full[:n]); err == nil {
			t.Fatalf("%d bytes parsed without error", n)
		}
	}
	// An error about a UDP packet is somebody else's.
	b = timeExceeded4(5, probe)
	b[8+9] = 17
	if _, err := parseReply(false, b); err == nil {
		t.Fatal("a quoted UDP packet was taken for ours")
	}
}

func TestParseTimeExceededV6(t *testing.T) {
	probe := marshalEcho(true, echo{id: 0x0102, seq: 5})
	ip := make([]byte, 40)
	ip[0], ip[6] = 0x60, 58
	b := append([]byte{icmp6TimeExceeded, 0, 0, 0, 0, 0, 0, 0}, ip...)
	b = append(b, probe...)
	r, err := parseReply(true, b)
	if err != nil || r.kind != replyTimeExceeded || r.id != 0x0102 || r.seq != 5 {
		t.Fatalf("%+v, %v", r, err)
	}
}

func FuzzParseReply(f *testing.F) {
	probe := marshalEcho(false, echo{id: 1, seq: 2, data: []byte("x")})
	f.Add(false, probe)
	f.Add(false, timeExceeded4(5, probe))
	f.Add(false, timeExceeded4(15, probe))
	f.Add(true, marshalEcho(true, echo{id: 1, seq: 2}))
	f.Add(true, []byte{icmp6TimeExceeded, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, v6 bool, b []byte) {
		r, err := parseReply(v6, b)
		if err != nil {
			return
		}
		// What parses as an answer about an echo names an id and seq that
		// sit in the message where the protocol puts them.
		if r.kind == replyEcho && (binary.BigEndian.Uint16(b[4:]) != r.id || binary.BigEndian.Uint16(b[6:]) != r.seq) {
			t.Fatalf("echo reply id/seq %d/%d not read from the header", r.id, r.seq)
		}
		if len(b) < 8 {
			t.Fatalf("%d bytes parsed", len(b))
		}
	})
}
