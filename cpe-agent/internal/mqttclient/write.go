package mqttclient

import (
	"time"

	"github.com/eclipse/paho.mqtt.golang/packets"
)

// write sends one packet; a failed or timed-out write ends the
// connection, since the stream may hold half a packet.
func (c *Client) write(p packets.ControlPacket) error {
	err := ErrClosed
	c.wmu.Lock()
	if !c.closing.Load() {
		err = c.writeLocked(p)
	}
	c.wmu.Unlock()
	return err
}

func (c *Client) writeLocked(p packets.ControlPacket) error {
	c.conn.SetWriteDeadline(time.Now().Add(c.o.WriteTimeout))
	if err := p.Write(c.conn); err != nil {
		c.fail(err)
		return err
	}
	c.lastWrite.Store(c.since())
	return nil
}

// stopping reports whether DISCONNECT went out.
func (c *Client) stopping() bool { return c.closing.Load() }
