package connreq

import (
	"bytes"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/listeners"
	"github.com/mochi-mqtt/server/v2/packets"
)

// testBroker is an embedded mochi broker on loopback that knows one
// username/password, refuses the group "denied" (mochi answers the
// SUBSCRIBE with 0x80), and records everything published.
type testBroker struct {
	t    *testing.T
	srv  *mochi.Server
	addr *net.TCPAddr

	mu   sync.Mutex
	msgs []published
	cond chan struct{} // closed and replaced at each message
}

type published struct {
	topic    string
	payload  []byte
	retained bool
}

type brokerAuth struct {
	mochi.HookBase
	user, pass string
}

func (h *brokerAuth) ID() string { return "test-auth" }
func (h *brokerAuth) Provides(b byte) bool {
	return b == mochi.OnConnectAuthenticate || b == mochi.OnACLCheck
}
func (h *brokerAuth) OnConnectAuthenticate(cl *mochi.Client, pk packets.Packet) bool {
	return string(pk.Connect.Username) == h.user && bytes.Equal(pk.Connect.Password, []byte(h.pass))
}
func (h *brokerAuth) OnACLCheck(cl *mochi.Client, topic string, write bool) bool {
	return !strings.Contains(topic, "/g/denied/")
}

// startBroker runs a broker on a loopback port the kernel picked (or on
// addr, to restart one where it was) until the test ends.
func startBroker(t *testing.T, user, pass string, addr string) *testBroker {
	t.Helper()
	if addr == "" {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr = ln.Addr().String()
		ln.Close()
	}
	b := &testBroker{t: t, cond: make(chan struct{})}
	b.srv = mochi.New(&mochi.Options{
		InlineClient: true,
		Logger:       slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err := b.srv.AddHook(&brokerAuth{user: user, pass: pass}, nil); err != nil {
		t.Fatal(err)
	}
	if err := b.srv.AddListener(listeners.NewTCP(listeners.Config{ID: "t", Address: addr})); err != nil {
		t.Fatal(err)
	}
	if err := b.srv.Subscribe("#", 1, func(_ *mochi.Client, _ packets.Subscription, pk packets.Packet) {
		b.mu.Lock()
		b.msgs = append(b.msgs, published{topic: pk.TopicName, payload: bytes.Clone(pk.Payload), retained: pk.FixedHeader.Retain})
		close(b.cond)
		b.cond = make(chan struct{})
		b.mu.Unlock()
	}); err != nil {
		t.Fatal(err)
	}
	go func() { _ = b.srv.Serve() }()
	b.addr, _ = net.ResolveTCPAddr("tcp", addr)
	// Serve binds in the background: wait until it accepts.
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("broker on %s: %v", addr, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Cleanup(func() { b.srv.Close() })
	return b
}

// publish sends a message from the broker's inline client (the ACS's
// role).
func (b *testBroker) publish(topic string, payload []byte, retained bool) {
	b.t.Helper()
	if err := b.srv.Publish(topic, payload, retained, 1); err != nil {
		b.t.Fatalf("publish %s: %v", topic, err)
	}
}

// waitFor waits until a message on topic satisfies match and returns it.
func (b *testBroker) waitFor(topic string, within time.Duration, match func([]byte) bool) []byte {
	b.t.Helper()
	return b.waitFrom(0, topic, within, match)
}

// mark is the position of the next message, for waitFrom.
func (b *testBroker) mark() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.msgs)
}

// waitFrom is waitFor over the messages from position seen on.
func (b *testBroker) waitFrom(seen int, topic string, within time.Duration, match func([]byte) bool) []byte {
	b.t.Helper()
	deadline := time.After(within)
	for {
		b.mu.Lock()
		msgs, cond := b.msgs[seen:], b.cond
		seen = len(b.msgs)
		b.mu.Unlock()
		for _, m := range msgs {
			if m.topic == topic && (match == nil || match(m.payload)) {
				return m.payload
			}
		}
		select {
		case <-cond:
		case <-deadline:
			b.t.Fatalf("no matching message on %s within %s", topic, within)
			return nil
		}
	}
}

// count is how many messages arrived on topic so far.
func (b *testBroker) count(topic string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, m := range b.msgs {
		if m.topic == topic {
			n++
		}
	}
	return n
}

// dropClient cuts a client's connection from the broker's side, as a
// network failure would (the will is published).
func (b *testBroker) dropClient(id string) {
	b.t.Helper()
	cl, ok := b.srv.Clients.Get(id)
	if !ok {
		b.t.Fatalf("no client %q on the broker", id)
	}
	cl.Stop(io.ErrUnexpectedEOF)
}
