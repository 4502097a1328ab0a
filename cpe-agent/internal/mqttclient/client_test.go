package mqttclient

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/eclipse/paho.mqtt.golang/packets"
)

// inbox collects delivered messages.
type inbox struct {
	mu   sync.Mutex
	msgs []string // topic=payload
	cond chan struct{}
}

func newInbox() *inbox { return &inbox{cond: make(chan struct{})} }

func (in *inbox) handle(topic string, payload []byte) {
	in.mu.Lock()
	in.msgs = append(in.msgs, topic+"="+string(payload))
	close(in.cond)
	in.cond = make(chan struct{})
	in.mu.Unlock()
}

// wait returns the messages once there are n of them.
func (in *inbox) wait(t *testing.T, n int) []string {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		in.mu.Lock()
		msgs, cond := append([]string(nil), in.msgs...), in.cond
		in.mu.Unlock()
		if len(msgs) >= n {
			return msgs
		}
		select {
		case <-cond:
		case <-deadline:
			t.Fatalf("%d messages, want %d: %q", len(msgs), n, msgs)
		}
	}
}

func brokerOptions(addr, id string, in *inbox) Options {
	return Options{Addr: addr, ClientID: id, Username: testUser, Password: testPass, KeepAlive: 30 * time.Second,
		Handle: in.handle}
}

func mustConnect(t *testing.T, o Options) *Client {
	t.Helper()
	c, err := Connect(context.Background(), o)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	return c
}

func TestPublishQoS0And1(t *testing.T) {
	b := startMochi(t)
	for _, level := range []byte{3, 4} {
		o := brokerOptions(b.plain, "pub", newInbox())
		o.ProtocolLevel = level
		c := mustConnect(t, o)
		ctx := context.Background()
		if err := c.Publish(ctx, "up/1", []byte{0, 1, 0xff}, 1, true); err != nil {
			t.Fatalf("level %d: QoS 1 publish: %v", level, err)
		}
		if err := c.Publish(ctx, "up/0", []byte("zero"), 0, false); err != nil {
			t.Fatalf("level %d: QoS 0 publish: %v", level, err)
		}
		m := b.waitFor("up/1")
		if !bytes.Equal(m.Payload, []byte{0, 1, 0xff}) || !m.FixedHeader.Retain {
			t.Errorf("level %d: broker got %x retained=%v", level, m.Payload, m.FixedHeader.Retain)
		}
		b.waitFor("up/0")
		if err := c.Disconnect(); err != nil {
			t.Errorf("level %d: disconnect: %v", level, err)
		}
		if !errors.Is(c.Err(), ErrClosed) {
			t.Errorf("level %d: Err after Disconnect: %v", level, c.Err())
		}
		noLeaks(t, c)
		b.waitGone("pub")
	}
	if err := (&Client{}).Publish(context.Background(), "x", nil, 2, false); err == nil {
		t.Error("QoS 2 publish accepted")
	}
}

func TestSubscribeReceiveAndUnsubscribe(t *testing.T) {
	b := startMochi(t)
	in := newInbox()
	c := mustConnect(t, brokerOptions(b.plain, "sub", in))
	defer noLeaks(t, c)
	defer c.Close()
	ctx := context.Background()
	granted, err := c.Subscribe(ctx, 1, "down/q1", "down/denied", "down/q0")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(granted, []byte{1, 0x80, 1}) {
		t.Fatalf("granted %x, want 01 80 01 (the ACL refuses down/denied)", granted)
	}
	b.publish("down/q1", []byte("one"), 1)
	b.publish("down/q0", []byte("zero"), 0)
	b.publish("down/denied", []byte("no"), 1)
	got := in.wait(t, 2)
	if got[0] != "down/q1=one" || got[1] != "down/q0=zero" {
		t.Fatalf("received %q", got)
	}
	if err := c.Unsubscribe(ctx, "down/q1"); err != nil {
		t.Fatal(err)
	}
	b.publish("down/q1", []byte("late"), 1)
	b.publish("down/q0", []byte("marker"), 1)
	got = in.wait(t, 3)
	if len(got) != 3 || got[2] != "down/q0=marker" {
		t.Fatalf("after unsubscribe received %q, want only the marker", got)
	}
}

func TestRefusedByBroker(t *testing.T) {
	b := startMochi(t)
	o := brokerOptions(b.plain, "bad", newInbox())
	o.Password = "wrong"
	_, err := Connect(context.Background(), o)
	var re *RefusedError
	// mochi answers bad credentials of an MQTT 3 client with "not
	// authorised" (5).
	if !errors.As(err, &re) || re.Code != packets.ErrRefusedNotAuthorised || !errors.Is(err, packets.ErrorRefusedNotAuthorised) {
		t.Fatalf("wrong password: %v, want a refusal with code 5", err)
	}
	if n := clientGoroutines(); n != 0 {
		t.Errorf("%d client goroutines after a refused connect", n)
	}
}

func TestTLS(t *testing.T) {
	b := startMochi(t)
	o := brokerOptions(b.tl, "tls", newInbox())
	o.TLS = &tls.Config{RootCAs: b.ca, MinVersion: tls.VersionTLS12}
	c := mustConnect(t, o)
	if err := c.Publish(context.Background(), "tls/hello", []byte("x"), 1, false); err != nil {
		t.Fatal(err)
	}
	c.Disconnect()
	noLeaks(t, c)

	// The certificate names broker.test too: a ServerName given wins
	// over the address.
	o.TLS = &tls.Config{RootCAs: b.ca, ServerName: "broker.test"}
	c = mustConnect(t, o)
	c.Close()
	noLeaks(t, c)

	for name, cfg := range map[string]*tls.Config{
		"system roots":     {},
		"wrong ServerName": {RootCAs: b.ca, ServerName: "other.test"},
	} {
		o.TLS = cfg
		if _, err := Connect(context.Background(), o); err == nil {
			t.Errorf("%s: connected", name)
		}
	}
}

func TestWillOnAbruptClose(t *testing.T) {
	b := startMochi(t)
	o := brokerOptions(b.plain, "will", newInbox())
	will := []byte{0xde, 0xad, 0, 0xbe, 0xef}
	o.Will = &Will{Topic: "will/abrupt", Payload: will, QoS: 1, Retained: true}
	c := mustConnect(t, o)
	c.Close()
	if !errors.Is(c.Err(), ErrClosed) {
		t.Errorf("Err after Close: %v", c.Err())
	}
	noLeaks(t, c)
	m := b.waitFor("will/abrupt")
	if !bytes.Equal(m.Payload, will) || !m.FixedHeader.Retain || m.FixedHeader.Qos != 1 {
		t.Errorf("will %x retained=%v qos=%d", m.Payload, m.FixedHeader.Retain, m.FixedHeader.Qos)
	}
	if err := c.Publish(context.Background(), "x", nil, 1, false); !errors.Is(err, ErrClosed) {
		t.Errorf("publish after close: %v", err)
	}
	if _, err := c.Subscribe(context.Background(), 1, "x"); !errors.Is(err, ErrClosed) {
		t.Errorf("subscribe after close: %v", err)
	}
}

func TestCleanDisconnectSuppressesWill(t *testing.T) {
	b := startMochi(t)
	o := brokerOptions(b.plain, "clean", newInbox())
	o.Will = &Will{Topic: "will/clean", Payload: []byte("gone"), QoS: 1, Retained: true}
	c := mustConnect(t, o)
	if err := c.Disconnect(); err != nil {
		t.Fatal(err)
	}
	noLeaks(t, c)
	b.waitGone("clean")
	if n := b.count("will/clean"); n != 0 {
		t.Errorf("the will went out after a clean disconnect")
	}
	if err := c.Disconnect(); !errors.Is(err, ErrClosed) {
		t.Errorf("second disconnect: %v", err)
	}
}

func TestKeepAliveWithLiveBroker(t *testing.T) {
	b := startMochi(t)
	o := brokerOptions(b.plain, "ka", newInbox())
	o.KeepAlive, o.PingTimeout = 100*time.Millisecond, 500*time.Millisecond
	c := mustConnect(t, o)
	time.Sleep(600 * time.Millisecond)
	if err := c.Err(); err != nil {
		t.Fatalf("connection ended while the broker answered pings: %v", err)
	}
	if c.lastRead.Load() == 0 {
		t.Error("nothing came back from the broker: no PINGRESP")
	}
	c.Disconnect()
	noLeaks(t, c)
}

func TestConnectContextCancelled(t *testing.T) {
	// A peer that accepts and never answers CONNECT: the context ends
	// the wait.
	p := startFakePeer(t, func(_ net.Conn, r *bufio.Reader) { drain(r) })
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(100 * time.Millisecond); cancel() }()
	start := time.Now()
	_, err := Connect(ctx, Options{Addr: p.addr, Handle: func(string, []byte) {}})
	if err == nil || time.Since(start) > 3*time.Second {
		t.Fatalf("connect to a silent peer: %v after %s", err, time.Since(start))
	}
	// And the timeout does too.
	p = startFakePeer(t, func(_ net.Conn, r *bufio.Reader) { drain(r) })
	_, err = Connect(context.Background(), Options{Addr: p.addr, ConnectTimeout: 150 * time.Millisecond, Handle: func(string, []byte) {}})
	if err == nil {
		t.Fatal("connect to a silent peer succeeded")
	}
}
