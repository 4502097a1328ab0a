package mqttclient

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/eclipse/paho.mqtt.golang/packets"
)

// Publish sends a message. QoS 0 returns once it is written; QoS 1 once
// the broker's PUBACK arrived (or ctx, AckTimeout or the connection
// ended first).
func (c *Client) Publish(ctx context.Context, topic string, payload []byte, qos byte, retained bool) error {
	if qos > 1 {
		return errors.New("mqtt: publish supports QoS 0 and 1")
	}
	if topic == "" {
		return errors.New("mqtt: publish needs a topic")
	}
	p := &packets.PublishPacket{FixedHeader: packets.FixedHeader{MessageType: packets.Publish}}
	p.TopicName, p.Payload, p.Qos, p.Retain = topic, payload, qos, retained
	if qos == 0 {
		return c.write(p)
	}
	_, err := c.request(ctx, "PUBLISH", func(id uint16) packets.ControlPacket { p.MessageID = id; return p })
	return err
}

// Subscribe subscribes to filters, each at qos (0 or 1), and returns
// the QoS the broker granted each, in order: 0x80 marks a refusal.
func (c *Client) Subscribe(ctx context.Context, qos byte, filters ...string) ([]byte, error) {
	if qos > 1 {
		return nil, errors.New("mqtt: subscribe supports QoS 0 and 1")
	}
	if len(filters) == 0 {
		return nil, nil
	}
	p := &packets.SubscribePacket{FixedHeader: packets.FixedHeader{MessageType: packets.Subscribe, Qos: 1}}
	p.Topics = filters
	p.Qoss = make([]byte, len(filters))
	for i := range p.Qoss {
		p.Qoss[i] = qos
	}
	ack, err := c.request(ctx, "SUBSCRIBE", func(id uint16) packets.ControlPacket { p.MessageID = id; return p })
	if err != nil {
		return nil, err
	}
	sa, ok := ack.(*packets.SubackPacket)
	if !ok || len(sa.ReturnCodes) != len(filters) {
		err := protocolErr("SUBSCRIBE answered by %T", ack)
		if ok {
			err = protocolErr("SUBACK with %d codes for %d filters", len(sa.ReturnCodes), len(filters))
		}
		c.fail(err)
		return nil, err
	}
	return sa.ReturnCodes, nil
}

// Unsubscribe ends the subscriptions to filters.
func (c *Client) Unsubscribe(ctx context.Context, filters ...string) error {
	if len(filters) == 0 {
		return nil
	}
	p := &packets.UnsubscribePacket{FixedHeader: packets.FixedHeader{MessageType: packets.Unsubscribe, Qos: 1}}
	p.Topics = filters
	ack, err := c.request(ctx, "UNSUBSCRIBE", func(id uint16) packets.ControlPacket { p.MessageID = id; return p })
	if err != nil {
		return err
	}
	if _, ok := ack.(*packets.UnsubackPacket); !ok {
		err := protocolErr("UNSUBSCRIBE answered by %T", ack)
		c.fail(err)
		return err
	}
	return nil
}

// request sends the packet build makes with a fresh packet identifier
// and waits for the broker's answer to that identifier.
func (c *Client) request(ctx context.Context, name string, build func(id uint16) packets.ControlPacket) (packets.ControlPacket, error) {
	c.mu.Lock()
	if c.ended || c.err != nil {
		c.mu.Unlock()
		return nil, c.closedErr()
	}
	id := c.freeID()
	w := make(chan packets.ControlPacket, 1)
	c.waiters[id] = w
	c.mu.Unlock()
	p := build(id)
	if err := c.write(p); err != nil {
		c.drop(id)
		return nil, fmt.Errorf("mqtt: sending %s: %w", name, err)
	}
	t := time.NewTimer(c.o.AckTimeout)
	defer t.Stop()
	select {
	case ack, ok := <-w:
		if !ok {
			return nil, c.closedErr()
		}
		if p, isPub := p.(*packets.PublishPacket); isPub {
			if _, isAck := ack.(*packets.PubackPacket); !isAck {
				err := protocolErr("PUBLISH %d answered by %T", p.MessageID, ack)
				c.fail(err)
				return nil, err
			}
		}
		return ack, nil
	case <-ctx.Done():
		c.drop(id)
		return nil, ctx.Err()
	case <-t.C:
		c.drop(id)
		return nil, ErrAckTimeout
	case <-c.done:
		return nil, c.closedErr()
	}
}

// freeID is the next packet identifier not in use (never 0); c.mu held.
func (c *Client) freeID() uint16 {
	for {
		c.nextID++
		if _, used := c.waiters[c.nextID]; !used && c.nextID != 0 {
			return c.nextID
		}
	}
}

func (c *Client) drop(id uint16) {
	c.mu.Lock()
	delete(c.waiters, id)
	c.mu.Unlock()
}

// closedErr wraps why the connection ended for an operation it cut off.
func (c *Client) closedErr() error {
	err := c.Err()
	if err == nil || errors.Is(err, ErrClosed) {
		return ErrClosed
	}
	return fmt.Errorf("%w: %w", ErrClosed, err)
}
