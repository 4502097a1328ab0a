package mqttclient

import (
	"bufio"
	"encoding/binary"
	"errors"
	"io"

	"github.com/eclipse/paho.mqtt.golang/packets"
)

// frame is one inbound control packet: its fixed header and, unless it
// was too large to keep, its bytes.
type frame struct {
	kind, flags byte
	size        int    // remaining length
	raw         []byte // fixed header and body; nil when skipped
	// Of a skipped PUBLISH: what the acknowledgement and the report need.
	topic string
	id    uint16
}

// readFrame reads one control packet from r. paho's ReadPacket would
// allocate whatever remaining length the broker announces (up to 256
// MiB, fatal on a router), so the length is checked here first: a
// PUBLISH over max is read past, keeping only its topic and packet
// identifier, and any other oversized packet is an error.
func readFrame(r *bufio.Reader, max int) (frame, error) {
	var hdr [5]byte
	b0, err := r.ReadByte()
	if err != nil {
		return frame{}, err
	}
	hdr[0] = b0
	n, i := 0, 1
	for shift := 0; ; shift += 7 {
		b, err := r.ReadByte()
		if err != nil {
			return frame{}, noEOF(err)
		}
		hdr[i] = b
		i++
		n |= int(b&0x7f) << shift
		if b&0x80 == 0 {
			break
		}
		if i == len(hdr) {
			return frame{}, protocolErr("remaining length longer than 4 bytes")
		}
	}
	f := frame{kind: b0 >> 4, flags: b0 & 0x0f, size: n}
	if n <= max {
		f.raw = make([]byte, i+n)
		copy(f.raw, hdr[:i])
		if _, err := io.ReadFull(r, f.raw[i:]); err != nil {
			return frame{}, noEOF(err)
		}
		return f, nil
	}
	if f.kind != packets.Publish {
		return frame{}, protocolErr("%s of %d bytes, over the %d allowed", packetName(f.kind), n, max)
	}
	return f, skipPublish(r, &f)
}

// skipPublish reads past the body of an oversized PUBLISH.
func skipPublish(r *bufio.Reader, f *frame) error {
	var l [2]byte
	if _, err := io.ReadFull(r, l[:]); err != nil {
		return noEOF(err)
	}
	tl := int(binary.BigEndian.Uint16(l[:]))
	left := f.size - 2 - tl
	qos := (f.flags >> 1) & 3
	if qos > 0 {
		left -= 2
	}
	if left < 0 {
		return protocolErr("PUBLISH shorter than its topic")
	}
	topic := make([]byte, tl)
	if _, err := io.ReadFull(r, topic); err != nil {
		return noEOF(err)
	}
	f.topic = string(topic)
	if qos > 0 {
		if _, err := io.ReadFull(r, l[:]); err != nil {
			return noEOF(err)
		}
		f.id = binary.BigEndian.Uint16(l[:])
	}
	if _, err := r.Discard(left); err != nil {
		return noEOF(err)
	}
	return nil
}

// noEOF turns an EOF inside a packet into ErrUnexpectedEOF: only an EOF
// between packets is a clean end of the stream.
func noEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}
