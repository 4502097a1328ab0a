package mqttclient

import (
	"crypto/tls"
	"errors"
	"time"
)

// Will is the message the broker publishes when the connection ends
// without a DISCONNECT.
type Will struct {
	Topic    string
	Payload  []byte
	QoS      byte
	Retained bool
}

// Options configures one connection. Addr is required.
type Options struct {
	// Addr is the broker's host:port.
	Addr string
	// TLS, when set, makes it MQTT over TLS; an empty ServerName is
	// taken from Addr.
	TLS      *tls.Config
	ClientID string
	Username string
	Password string // sent only with a Username (MQTT 3.1.1 requires it)
	// ProtocolLevel is 3 (MQTT 3.1) or 4 (3.1.1); 0 means 4.
	ProtocolLevel byte
	// KeepAlive is how long the link may stay silent before a PINGREQ;
	// the broker hears it rounded up to whole seconds (pinging earlier
	// than announced is allowed). 0 turns keepalive and dead-broker
	// detection off.
	KeepAlive time.Duration
	// PingTimeout is how long a PINGREQ may go unanswered before the
	// connection counts as dead; default 10 s.
	PingTimeout time.Duration
	// ConnectTimeout bounds dial, TLS handshake and CONNACK; default 10 s.
	ConnectTimeout time.Duration
	// WriteTimeout bounds every write; default 10 s.
	WriteTimeout time.Duration
	// AckTimeout bounds the wait for PUBACK, SUBACK and UNSUBACK (the
	// caller's context may end it earlier); default 10 s.
	AckTimeout time.Duration
	// MaxPacket bounds an inbound packet; a larger PUBLISH is skipped
	// (and acknowledged, so the broker does not send it again), anything
	// larger ends the connection. Default 1 MiB.
	MaxPacket int
	Will      *Will
	// Handle receives each inbound message on the reader goroutine, one
	// at a time in arrival order; a QoS 1 message is acknowledged after
	// Handle returns. Handle must not wait for the broker (for a Publish
	// on this connection, say): nothing is read while it runs.
	Handle func(topic string, payload []byte)
	// Oversized, if set, hears of each skipped PUBLISH.
	Oversized func(topic string, size int)
}

const (
	defaultTimeout   = 10 * time.Second
	defaultMaxPacket = 1 << 20
	// maxKeepAlive is the largest the 16-bit CONNECT field holds.
	maxKeepAlive = 65535 * time.Second
)

func (o *Options) fill() error {
	switch {
	case o.Addr == "":
		return errors.New("mqtt: no broker address")
	case o.Handle == nil:
		return errors.New("mqtt: no message handler")
	case o.Password != "" && o.Username == "":
		return errors.New("mqtt: a password needs a username")
	case o.ProtocolLevel != 0 && o.ProtocolLevel != 3 && o.ProtocolLevel != 4:
		return errors.New("mqtt: protocol level must be 3 or 4")
	case o.Will != nil && (o.Will.QoS > 2 || o.Will.Topic == ""):
		return errors.New("mqtt: the will needs a topic and a QoS of 0-2")
	}
	if o.ProtocolLevel == 0 {
		o.ProtocolLevel = 4
	}
	if o.KeepAlive < 0 {
		o.KeepAlive = 0
	}
	if o.KeepAlive > maxKeepAlive {
		o.KeepAlive = maxKeepAlive
	}
	for _, d := range []*time.Duration{&o.PingTimeout, &o.ConnectTimeout, &o.WriteTimeout, &o.AckTimeout} {
		if *d <= 0 {
			*d = defaultTimeout
		}
	}
	if o.MaxPacket <= 0 {
		o.MaxPacket = defaultMaxPacket
	}
	return nil
}
