package mqttclient

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/eclipse/paho.mqtt.golang/packets"
)

// drainTimeout bounds the wait for the broker to close after DISCONNECT.
const drainTimeout = time.Second

// Client is one live connection. Its methods are safe for concurrent use.
type Client struct {
	o    Options
	conn net.Conn
	br   *bufio.Reader
	t0   time.Time // origin of the monotonic stamps below

	// wmu serialises writes; closing, under it, stops them once
	// DISCONNECT is out.
	wmu       sync.Mutex
	closing   atomic.Bool
	lastWrite atomic.Int64 // since t0
	lastRead  atomic.Int64
	pingSent  atomic.Int64 // since t0 + 1; 0 when no PINGREQ is outstanding

	mu      sync.Mutex
	err     error // why the connection ended; set once
	ended   bool  // no new waiters or keepalive runs
	waiters map[uint16]chan packets.ControlPacket
	nextID  uint16
	ka      *time.Timer
	kaRuns  sync.WaitGroup

	done chan struct{}
}

// Connect dials the broker, sends CONNECT and waits for its CONNACK. A
// refusal is a *RefusedError. ctx bounds the attempt, as does
// ConnectTimeout.
func Connect(ctx context.Context, o Options) (*Client, error) {
	if err := o.fill(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, o.ConnectTimeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", o.Addr)
	if err != nil {
		return nil, fmt.Errorf("mqtt: dial %s: %w", o.Addr, err)
	}
	if o.TLS != nil {
		cfg := o.TLS
		if cfg.ServerName == "" {
			host, _, err := net.SplitHostPort(o.Addr)
			if err != nil {
				conn.Close()
				return nil, fmt.Errorf("mqtt: broker address: %w", err)
			}
			cfg = cfg.Clone()
			cfg.ServerName = host
		}
		tc := tls.Client(conn, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return nil, fmt.Errorf("mqtt: TLS handshake with %s: %w", o.Addr, err)
		}
		conn = tc
	}
	c, err := start(ctx, conn, o)
	if err != nil {
		return nil, fmt.Errorf("mqtt: connect to %s: %w", o.Addr, err)
	}
	return c, nil
}

// start runs the MQTT handshake on an established stream and, once the
// broker accepted it, the reader and the keepalive. It closes conn on
// failure. o must be filled.
func start(ctx context.Context, conn net.Conn, o Options) (*Client, error) {
	c := &Client{o: o, conn: conn, br: bufio.NewReader(conn), t0: time.Now(),
		waiters: map[uint16]chan packets.ControlPacket{}, done: make(chan struct{})}
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	// An ended ctx (the agent stopping) interrupts the handshake at once.
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	err := c.handshake()
	if !stop() || err != nil {
		conn.Close()
		var refused *RefusedError
		if err == nil || ctx.Err() != nil && !errors.As(err, &refused) {
			// The context cut the handshake short: say so.
			return nil, ctx.Err()
		}
		return nil, err
	}
	conn.SetDeadline(time.Time{})
	if o.KeepAlive > 0 {
		c.ka = time.AfterFunc(o.KeepAlive, c.keepalive)
	}
	go c.readLoop()
	return c, nil
}

func (c *Client) handshake() error {
	p := &packets.ConnectPacket{FixedHeader: packets.FixedHeader{MessageType: packets.Connect}}
	p.ProtocolName, p.ProtocolVersion = "MQTT", c.o.ProtocolLevel
	if c.o.ProtocolLevel == 3 {
		p.ProtocolName = "MQIsdp"
	}
	p.CleanSession = true
	p.Keepalive = uint16((c.o.KeepAlive + time.Second - 1) / time.Second)
	p.ClientIdentifier = c.o.ClientID
	if w := c.o.Will; w != nil {
		p.WillFlag, p.WillTopic, p.WillMessage, p.WillQos, p.WillRetain = true, w.Topic, w.Payload, w.QoS, w.Retained
	}
	if c.o.Username != "" {
		p.UsernameFlag, p.Username = true, c.o.Username
		if c.o.Password != "" {
			p.PasswordFlag, p.Password = true, []byte(c.o.Password)
		}
	}
	if err := p.Write(c.conn); err != nil {
		return fmt.Errorf("sending CONNECT: %w", err)
	}
	f, err := readFrame(c.br, c.o.MaxPacket)
	if err != nil {
		return fmt.Errorf("waiting for CONNACK: %w", noEOF(err))
	}
	if f.kind != packets.Connack {
		return protocolErr("%s instead of CONNACK", packetName(f.kind))
	}
	cp, err := decode(f)
	if err != nil {
		return err
	}
	ack := cp.(*packets.ConnackPacket)
	if ack.ReturnCode != packets.Accepted {
		return &RefusedError{Code: ack.ReturnCode}
	}
	return nil
}

// Done is closed once the connection has ended and every goroutine of
// the client has finished.
func (c *Client) Done() <-chan struct{} { return c.done }

// Err is why the connection ended (ErrClosed when this side ended it),
// or nil while it is up.
func (c *Client) Err() error {
	c.mu.Lock()
	v := c.err
	c.mu.Unlock()
	return v
}

// Close drops the connection without DISCONNECT, so the broker publishes
// the will, and waits for the client's goroutines to end.
func (c *Client) Close() error {
	c.fail(ErrClosed)
	<-c.done
	return nil
}

// Disconnect says goodbye (DISCONNECT: the broker discards the will),
// closes the connection and waits for the client's goroutines to end.
func (c *Client) Disconnect() error {
	c.wmu.Lock()
	if c.closing.Load() {
		c.wmu.Unlock()
		<-c.done
		return ErrClosed
	}
	c.closing.Store(true)
	// The reason is set first: the broker closing its side as it should
	// must not read as a lost connection.
	c.mu.Lock()
	if c.err == nil {
		c.err = ErrClosed
	}
	c.mu.Unlock()
	err := c.writeLocked(&packets.DisconnectPacket{FixedHeader: packets.FixedHeader{MessageType: packets.Disconnect}})
	if err == nil {
		// Half-close and let the reader drain until the broker closes:
		// closing with unread data would reset the connection and could
		// lose the DISCONNECT, firing the will.
		c.conn.SetReadDeadline(time.Now().Add(min(c.o.WriteTimeout, drainTimeout)))
		if cw, ok := c.conn.(interface{ CloseWrite() error }); ok {
			cw.CloseWrite()
		}
	}
	c.wmu.Unlock()
	<-c.done
	if err != nil {
		return fmt.Errorf("mqtt: sending DISCONNECT: %w", err)
	}
	return nil
}

// fail records why the connection ends (the first reason wins) and
// closes it, which ends the reader and with it everything else.
func (c *Client) fail(err error) {
	c.mu.Lock()
	if c.err == nil {
		c.err = err
	}
	c.mu.Unlock()
	c.conn.Close()
}

// since is the monotonic time since the connection started.
func (c *Client) since() int64 { return int64(time.Since(c.t0)) }
