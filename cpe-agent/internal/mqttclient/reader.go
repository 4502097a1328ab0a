package mqttclient

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/eclipse/paho.mqtt.golang/packets"
)

// readLoop is the connection's one goroutine: it reads and dispatches
// until the stream breaks, then winds the client down.
func (c *Client) readLoop() {
	err := c.readAll()
	if errors.Is(err, io.EOF) {
		err = errors.New("mqtt: the broker closed the connection")
	}
	c.fail(err)
	c.mu.Lock()
	c.ended = true
	if c.ka != nil {
		c.ka.Stop()
	}
	waiters := c.waiters
	c.waiters = nil
	c.mu.Unlock()
	// A keepalive run already under way ends quickly: the connection is
	// closed, so its write fails at once.
	c.kaRuns.Wait()
	for _, w := range waiters {
		close(w)
	}
	close(c.done)
}

func (c *Client) readAll() error {
	for {
		f, err := readFrame(c.br, c.o.MaxPacket)
		if err != nil {
			return err
		}
		c.lastRead.Store(c.since())
		if err := c.dispatch(f); err != nil {
			return err
		}
	}
}

// decode turns a frame read whole into paho's packet. The fixed header is
// already parsed (readFrame), and only what a broker may send a client is
// built here: paho's ReadPacket and NewControlPacket switch over every
// packet type and so link all fourteen, with their writers, readers and
// String methods (about 5 KB of router code), though the client never
// sees PUBREC, PUBREL or PUBCOMP (it publishes at QoS 1 at most).
// f must have been read whole (f.raw set), as dispatch makes sure.
func decode(f frame) (packets.ControlPacket, error) {
	fh := packets.FixedHeader{
		MessageType:     f.kind,
		Dup:             f.flags&0x08 != 0,
		Qos:             (f.flags >> 1) & 0x03,
		Retain:          f.flags&0x01 != 0,
		RemainingLength: f.size,
	}
	var cp packets.ControlPacket
	switch f.kind {
	case packets.Connack:
		cp = &packets.ConnackPacket{FixedHeader: fh}
	case packets.Publish:
		cp = &packets.PublishPacket{FixedHeader: fh}
	case packets.Puback:
		cp = &packets.PubackPacket{FixedHeader: fh}
	case packets.Suback:
		cp = &packets.SubackPacket{FixedHeader: fh}
	case packets.Unsuback:
		cp = &packets.UnsubackPacket{FixedHeader: fh}
	case packets.Pingresp:
		cp = &packets.PingrespPacket{FixedHeader: fh}
	default:
		return nil, protocolErr("unexpected %s from the broker", packetName(f.kind))
	}
	if err := cp.Unpack(bytes.NewBuffer(f.raw[len(f.raw)-f.size:])); err != nil {
		return nil, protocolErr("%s: %v", packetName(f.kind), err)
	}
	return cp, nil
}

// dispatch acts on one inbound packet; an error ends the connection.
func (c *Client) dispatch(f frame) error {
	switch f.kind {
	case packets.Publish:
		if f.raw == nil {
			return c.skipped(f)
		}
	case packets.Puback, packets.Suback, packets.Unsuback, packets.Pingresp:
	default:
		// Not even parsed: nothing else may come from a broker now.
		return protocolErr("unexpected %s from the broker", packetName(f.kind))
	}
	cp, err := decode(f)
	if err != nil {
		return err
	}
	switch p := cp.(type) {
	case *packets.PublishPacket:
		return c.inbound(p)
	case *packets.PingrespPacket:
		c.pingSent.Store(0)
		return nil
	case *packets.PubackPacket:
		c.answer(p.MessageID, p)
		return nil
	case *packets.SubackPacket:
		c.answer(p.MessageID, p)
		return nil
	case *packets.UnsubackPacket:
		c.answer(p.MessageID, p)
		return nil
	}
	return protocolErr("unexpected %s from the broker", packetName(f.kind))
}

func packetName(kind byte) string {
	if n, ok := packets.PacketNames[kind]; ok {
		return n
	}
	return fmt.Sprintf("packet type %d", kind)
}

// inbound hands a message to Handle and then acknowledges it, so a QoS 1
// message the agent crashed over is delivered again.
func (c *Client) inbound(p *packets.PublishPacket) error {
	if err := checkInboundQoS(p.Qos); err != nil {
		return err
	}
	if c.stopping() {
		// After DISCONNECT nothing may be acknowledged; a clean session
		// forgets the message anyway.
		return nil
	}
	c.o.Handle(p.TopicName, p.Payload)
	if p.Qos == 1 {
		return c.puback(p.MessageID)
	}
	return nil
}

// skipped acknowledges a PUBLISH too large to keep and reports it.
func (c *Client) skipped(f frame) error {
	qos := (f.flags >> 1) & 3
	if err := checkInboundQoS(qos); err != nil {
		return err
	}
	if c.o.Oversized != nil {
		c.o.Oversized(f.topic, f.size)
	}
	if qos == 1 && !c.stopping() {
		return c.puback(f.id)
	}
	return nil
}

func checkInboundQoS(q byte) error {
	if q > 1 {
		// Subscriptions ask for QoS 1 at most, and a broker must not
		// exceed the granted QoS.
		return protocolErr("PUBLISH with QoS %d", q)
	}
	return nil
}

func (c *Client) puback(id uint16) error {
	ack := &packets.PubackPacket{FixedHeader: packets.FixedHeader{MessageType: packets.Puback}}
	ack.MessageID = id
	err := c.write(ack)
	if errors.Is(err, ErrClosed) {
		return nil
	}
	return err
}

// answer passes an acknowledgement to whoever waits for it; one for an
// operation that already timed out is dropped.
func (c *Client) answer(id uint16, p packets.ControlPacket) {
	c.mu.Lock()
	w := c.waiters[id]
	delete(c.waiters, id)
	c.mu.Unlock()
	if w != nil {
		w <- p
	}
}
