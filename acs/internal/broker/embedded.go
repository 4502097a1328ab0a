package broker

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"

	"gatewarden/protocol/mqttwire"
)

// EmbeddedConfig configures the in-process broker.
type EmbeddedConfig struct {
	// Addr is the plain listener (":1883"); empty: none.
	Addr string
	// TLSAddr and TLS add a TLS listener (":8883"); both or neither.
	TLSAddr string
	TLS     *tls.Config
	// Passwords and Devices authenticate devices; both required.
	Passwords *Passwords
	Devices   DeviceSource
	// MaxClients bounds connected clients; beyond it CONNECT is refused
	// (server unavailable). Default 100000.
	MaxClients int64
	// Denied, when set, counts refused connections by reason.
	Denied func(reason string)
	Logger *slog.Logger
}

// Per-client sizing. mochi's defaults (8,192 pending writes, 2 KiB read
// and write buffers) cost tens of KB per idle client before any message;
// an agent receives a few small messages an hour, so a short queue is
// plenty, and a client that falls 64 messages behind is dropping them
// (mochi counts it) rather than holding memory. The package doc has the
// measured figures.
const (
	clientWritesPending = 64
	clientReadBuffer    = 512
	clientWriteBuffer   = 512
	// maxInflight bounds QoS>0 messages stored per client.
	maxInflight = 64
	// sessionExpiry: a persistent session of a device gone for an hour is
	// dropped; the ACS reconciles it at its next Inform anyway.
	sessionExpiry = 3600
)

// Embedded is the in-process broker with the lane's access rules.
type Embedded struct {
	srv    *mqtt.Server
	log    *slog.Logger
	plain  *listener
	tlsLn  *listener
	subID  atomic.Int32
	mu     sync.Mutex
	closed bool
}

var _ Transport = (*Embedded)(nil)

// NewEmbedded binds the listeners and starts serving.
func NewEmbedded(cfg EmbeddedConfig) (*Embedded, error) {
	if cfg.Passwords == nil || cfg.Devices == nil {
		return nil, errors.New("embedded broker: Passwords and Devices are required")
	}
	if (cfg.TLSAddr == "") != (cfg.TLS == nil) {
		return nil, errors.New("embedded broker: TLSAddr and TLS go together")
	}
	if cfg.MaxClients <= 0 {
		cfg.MaxClients = 100000
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	caps := mqtt.NewDefaultServerCapabilities()
	caps.MaximumClients = cfg.MaxClients
	caps.MaximumClientWritesPending = clientWritesPending
	caps.MaximumInflight = maxInflight
	caps.ReceiveMaximum = maxInflight
	caps.MaximumPacketSize = mqttwire.MaxPayload + 1024 // payload plus topic and header
	caps.MaximumSessionExpiryInterval = sessionExpiry
	caps.MaximumMessageExpiryInterval = 24 * 3600
	caps.TopicAliasMaximum = 0
	caps.SharedSubAvailable = 0
	caps.MaximumQos = 1
	srv := mqtt.New(&mqtt.Options{
		Capabilities:             caps,
		ClientNetReadBufferSize:  clientReadBuffer,
		ClientNetWriteBufferSize: clientWriteBuffer,
		InlineClient:             true,
		Logger:                   log.With("component", "mochi"),
		SysTopicResendInterval:   3600,
	})
	hook := &accessHook{passwords: cfg.Passwords, devices: cfg.Devices, log: log, denied: cfg.Denied}
	if err := srv.AddHook(hook, nil); err != nil {
		return nil, fmt.Errorf("embedded broker: %w", err)
	}
	e := &Embedded{srv: srv, log: log}
	if cfg.Addr != "" {
		ln, err := newListener("mqtt", cfg.Addr, nil)
		if err != nil {
			return nil, fmt.Errorf("MQTT listener: %w", err)
		}
		e.plain = ln
	}
	if cfg.TLSAddr != "" {
		ln, err := newListener("mqtts", cfg.TLSAddr, cfg.TLS)
		if err != nil {
			e.closeListeners()
			return nil, fmt.Errorf("MQTT TLS listener: %w", err)
		}
		e.tlsLn = ln
	}
	for _, ln := range []*listener{e.plain, e.tlsLn} {
		if ln == nil {
			continue
		}
		if err := srv.AddListener(ln); err != nil {
			e.closeListeners()
			return nil, fmt.Errorf("embedded broker: %w", err)
		}
	}
	if err := srv.Serve(); err != nil {
		e.closeListeners()
		return nil, fmt.Errorf("embedded broker: %w", err)
	}
	return e, nil
}

func (e *Embedded) closeListeners() {
	for _, ln := range []*listener{e.plain, e.tlsLn} {
		if ln != nil {
			ln.Close(nil)
		}
	}
}

// Addr is the plain listener's address (nil without one).
func (e *Embedded) Addr() net.Addr {
	if e.plain == nil {
		return nil
	}
	return e.plain.ln.Addr()
}

// TLSAddr is the TLS listener's address (nil without one).
func (e *Embedded) TLSAddr() net.Addr {
	if e.tlsLn == nil {
		return nil
	}
	return e.tlsLn.ln.Addr()
}

// Clients is the number of connected clients (the ACS's own excluded).
func (e *Embedded) Clients() int64 {
	return atomic.LoadInt64(&e.srv.Info.ClientsConnected)
}

// Publish hands the message to the broker, which delivers it to every
// matching subscriber (and keeps it when retained).
func (e *Embedded) Publish(_ context.Context, topic string, payload []byte, qos byte, retain bool) error {
	if err := e.srv.Publish(topic, payload, retain, qos); err != nil {
		return fmt.Errorf("publish to %s: %w", topic, err)
	}
	return nil
}

// Subscribe delivers matching messages to h on the publisher's goroutine
// (for a device's message: its connection's read loop, which is the
// back-pressure the device feels).
func (e *Embedded) Subscribe(_ context.Context, filter string, _ byte, h Handler) error {
	id := int(e.subID.Add(1))
	err := e.srv.Subscribe(filter, id, func(_ *mqtt.Client, _ packets.Subscription, pk packets.Packet) {
		h(pk.TopicName, pk.Payload)
	})
	if err != nil {
		return fmt.Errorf("subscribe %s: %w", filter, err)
	}
	return nil
}

// AllowDevice does nothing: the access hook reads the store at each check.
func (e *Embedded) AllowDevice(context.Context, string, []string) error { return nil }

// Close stops the listeners and disconnects every client.
func (e *Embedded) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil
	}
	e.closed = true
	return e.srv.Close()
}
