package mqttclient

import (
	"time"

	"github.com/eclipse/paho.mqtt.golang/packets"
)

// keepalive runs on the timer: it sends PINGREQ when nothing went out or
// came in for KeepAlive (the broker needs a packet from us, and silence
// from the broker is what a dead link looks like), and ends the
// connection when a PINGREQ stays unanswered for PingTimeout.
func (c *Client) keepalive() {
	c.mu.Lock()
	if c.ended {
		c.mu.Unlock()
		return
	}
	c.kaRuns.Add(1)
	c.mu.Unlock()
	c.keepaliveRun()
	c.kaRuns.Done()
}

// keepaliveRun is one run of keepalive, counted in kaRuns by its caller
// (without a defer, which costs the router build a wrapper function).
func (c *Client) keepaliveRun() {
	ka, pt := int64(c.o.KeepAlive), int64(c.o.PingTimeout)
	now := c.since()
	var next int64
	if sent := c.pingSent.Load(); sent != 0 {
		if now-(sent-1) >= pt {
			c.fail(ErrPingTimeout)
			return
		}
		next = sent - 1 + pt
	} else if w, r := c.lastWrite.Load(), c.lastRead.Load(); now-w >= ka || now-r >= ka {
		c.pingSent.Store(now + 1)
		if c.write(&packets.PingreqPacket{FixedHeader: packets.FixedHeader{MessageType: packets.Pingreq}}) != nil {
			// Either DISCONNECT went out and the reader is draining, or
			// the failed write ended the connection: nothing to re-arm.
			return
		}
		next = now + pt
	} else {
		next = min(w, r) + ka
	}
	c.mu.Lock()
	if !c.ended {
		c.ka.Reset(time.Duration(next - now))
	}
	c.mu.Unlock()
}
