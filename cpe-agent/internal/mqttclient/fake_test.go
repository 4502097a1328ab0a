package mqttclient

import (
	"bufio"
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eclipse/paho.mqtt.golang/packets"
)

func TestConnectPacket(t *testing.T) {
	for _, level := range []byte{3, 4} {
		p := startFakePeer(t, func(conn net.Conn, r *bufio.Reader) { connack(conn, 0); drain(r) })
		c, err := Connect(context.Background(), Options{Addr: p.addr, ClientID: "cid", Username: "u", Password: "p",
			ProtocolLevel: level, KeepAlive: 1500 * time.Millisecond,
			Will:   &Will{Topic: "w", Payload: []byte{0, 0xff}, QoS: 1, Retained: true},
			Handle: func(string, []byte) {}})
		if err != nil {
			t.Fatal(err)
		}
		cp := <-p.connect
		name := map[byte]string{3: "MQIsdp", 4: "MQTT"}[level]
		if cp.ProtocolName != name || cp.ProtocolVersion != level || !cp.CleanSession || cp.Keepalive != 2 ||
			cp.ClientIdentifier != "cid" || cp.Username != "u" || string(cp.Password) != "p" || !cp.UsernameFlag || !cp.PasswordFlag ||
			!cp.WillFlag || cp.WillTopic != "w" || string(cp.WillMessage) != "\x00\xff" || cp.WillQos != 1 || !cp.WillRetain {
			t.Errorf("level %d: CONNECT %v", level, cp)
		}
		c.Close()
		noLeaks(t, c)
	}
}

func TestConnackCodes(t *testing.T) {
	for code, want := range map[byte]error{
		1: packets.ErrorRefusedBadProtocolVersion,
		2: packets.ErrorRefusedIDRejected,
		3: packets.ErrorRefusedServerUnavailable,
		4: packets.ErrorRefusedBadUsernameOrPassword,
		5: packets.ErrorRefusedNotAuthorised,
		6: nil,
	} {
		p := startFakePeer(t, func(conn net.Conn, r *bufio.Reader) { connack(conn, code); drain(r) })
		_, err := Connect(context.Background(), Options{Addr: p.addr, Handle: func(string, []byte) {}})
		var re *RefusedError
		if !errors.As(err, &re) || re.Code != code {
			t.Errorf("code %d: %v", code, err)
			continue
		}
		if want != nil && !errors.Is(err, want) {
			t.Errorf("code %d: %v is not %v", code, err, want)
		}
		if want == nil && errors.Unwrap(re) != nil {
			t.Errorf("code %d unwraps to %v", code, errors.Unwrap(re))
		}
	}
	// Anything but a CONNACK first is a violation.
	p := startFakePeer(t, func(conn net.Conn, r *bufio.Reader) {
		packets.NewControlPacket(packets.Pingresp).Write(conn)
		drain(r)
	})
	if _, err := Connect(context.Background(), Options{Addr: p.addr, Handle: func(string, []byte) {}}); !errors.Is(err, ErrProtocol) {
		t.Errorf("PINGRESP for CONNACK: %v", err)
	}
}

// TestSilentPeer: a broker that accepted the connection and then went
// quiet is found dead by the keepalive.
func TestSilentPeer(t *testing.T) {
	pings := make(chan struct{}, 10)
	p := startFakePeer(t, func(conn net.Conn, r *bufio.Reader) {
		connack(conn, 0)
		for {
			cp, err := packets.ReadPacket(r)
			if err != nil {
				return
			}
			if _, ok := cp.(*packets.PingreqPacket); ok {
				pings <- struct{}{}
			}
		}
	})
	start := time.Now()
	c, err := Connect(context.Background(), Options{Addr: p.addr, KeepAlive: 100 * time.Millisecond,
		PingTimeout: 200 * time.Millisecond, Handle: func(string, []byte) {}})
	if err != nil {
		t.Fatal(err)
	}
	noLeaks(t, c)
	if !errors.Is(c.Err(), ErrPingTimeout) {
		t.Errorf("ended with %v, want ErrPingTimeout", c.Err())
	}
	if d := time.Since(start); d < 300*time.Millisecond || d > 3*time.Second {
		t.Errorf("found dead after %s, want about 300ms", d)
	}
	if len(pings) != 1 {
		t.Errorf("%d PINGREQs, want 1", len(pings))
	}
}

// TestPubackAfterHandlerInOrder: a QoS 1 message is acknowledged only
// once the handler returned, and messages reach it in arrival order.
func TestPubackAfterHandlerInOrder(t *testing.T) {
	type ack struct {
		id      uint16
		handled int32 // messages the handler had finished when it came
	}
	var handled atomic.Int32
	var got []string
	acks := make(chan ack, 10)
	p := startFakePeer(t, func(conn net.Conn, r *bufio.Reader) {
		connack(conn, 0)
		for i := uint16(1); i <= 3; i++ {
			publishPacket("in", []byte{byte('0' + i)}, 1, i).Write(conn)
		}
		publishPacket("in", []byte("q0"), 0, 0).Write(conn)
		for {
			cp, err := packets.ReadPacket(r)
			if err != nil {
				return
			}
			if pa, ok := cp.(*packets.PubackPacket); ok {
				acks <- ack{pa.MessageID, handled.Load()}
			}
		}
	})
	c, err := Connect(context.Background(), Options{Addr: p.addr, Handle: func(topic string, b []byte) {
		time.Sleep(20 * time.Millisecond)
		got = append(got, string(b))
		handled.Add(1)
	}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range int32(3) {
		a := <-acks
		if a.id != uint16(i+1) || a.handled < i+1 {
			t.Errorf("PUBACK %d came with %d messages handled, want PUBACK %d after its handler", a.id, a.handled, i+1)
		}
	}
	waitCond(t, "four messages", func() bool { return handled.Load() == 4 })
	c.Close()
	noLeaks(t, c)
	if strings.Join(got, ",") != "1,2,3,q0" {
		t.Errorf("delivered %q, want 1,2,3,q0", got)
	}
	if len(acks) != 0 {
		t.Errorf("%d PUBACKs too many (QoS 0 needs none)", len(acks))
	}
}

// TestProtocolViolations: what a broker must never send ends the
// connection with ErrProtocol.
func TestProtocolViolations(t *testing.T) {
	for name, send := range map[string]func(net.Conn){
		"QoS 2 PUBLISH":   func(c net.Conn) { publishPacket("x", nil, 2, 1).Write(c) },
		"QoS 3 PUBLISH":   func(c net.Conn) { c.Write([]byte{0x36, 5, 0, 1, 'x', 0, 1}) },
		"second CONNACK":  func(c net.Conn) { connack(c, 0) },
		"PUBREL":          func(c net.Conn) { packets.NewControlPacket(packets.Pubrel).Write(c) },
		"PINGREQ":         func(c net.Conn) { packets.NewControlPacket(packets.Pingreq).Write(c) },
		"packet type 15":  func(c net.Conn) { c.Write([]byte{0xf0, 0}) },
		"5-byte length":   func(c net.Conn) { c.Write([]byte{0x30, 0xff, 0xff, 0xff, 0xff, 0x01}) },
		"huge SUBACK":     func(c net.Conn) { c.Write([]byte{0x90, 0xff, 0xff, 0xff, 0x7f}) },
		"short PUBLISH 1": func(c net.Conn) { c.Write([]byte{0x32, 3, 0, 1, 'x'}) },
	} {
		p := startFakePeer(t, func(conn net.Conn, r *bufio.Reader) { connack(conn, 0); send(conn); drain(r) })
		c, err := Connect(context.Background(), Options{Addr: p.addr, Handle: func(string, []byte) {}})
		if err != nil {
			t.Fatal(err)
		}
		noLeaks(t, c)
		if !errors.Is(c.Err(), ErrProtocol) {
			t.Errorf("%s: ended with %v, want a protocol violation", name, c.Err())
		}
	}
}

func TestBrokerClosesConnection(t *testing.T) {
	p := startFakePeer(t, func(conn net.Conn, _ *bufio.Reader) { connack(conn, 0) })
	c, err := Connect(context.Background(), Options{Addr: p.addr, Handle: func(string, []byte) {}})
	if err != nil {
		t.Fatal(err)
	}
	noLeaks(t, c)
	if err := c.Err(); err == nil || errors.Is(err, ErrClosed) || !strings.Contains(err.Error(), "closed the connection") {
		t.Errorf("ended with %v, want the broker's close as the reason", err)
	}
}

func TestAckTimeout(t *testing.T) {
	p := startFakePeer(t, func(conn net.Conn, r *bufio.Reader) { connack(conn, 0); drain(r) })
	c, err := Connect(context.Background(), Options{Addr: p.addr, AckTimeout: 100 * time.Millisecond, Handle: func(string, []byte) {}})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Publish(context.Background(), "t", []byte("x"), 1, false); !errors.Is(err, ErrAckTimeout) {
		t.Errorf("unacknowledged publish: %v", err)
	}
	c.o.AckTimeout = time.Minute // the context's deadline comes first
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := c.Subscribe(ctx, 1, "t"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("unanswered subscribe: %v", err)
	}
	if c.Err() != nil {
		t.Errorf("a missing ack ended the connection: %v", c.Err())
	}
	c.mu.Lock()
	left := len(c.waiters)
	c.mu.Unlock()
	if left != 0 {
		t.Errorf("%d waiters left behind by timed-out operations", left)
	}
	c.Close()
	noLeaks(t, c)
}

// TestStalledBroker: a broker that stops reading cannot hang a writer;
// the write deadline ends the connection.
func TestStalledBroker(t *testing.T) {
	hold := make(chan struct{})
	p := startFakePeer(t, func(conn net.Conn, _ *bufio.Reader) { connack(conn, 0); <-hold })
	defer close(hold)
	c, err := Connect(context.Background(), Options{Addr: p.addr, WriteTimeout: 200 * time.Millisecond, Handle: func(string, []byte) {}})
	if err != nil {
		t.Fatal(err)
	}
	big := make([]byte, 1<<20)
	start := time.Now()
	for i := 0; err == nil && i < 200; i++ {
		err = c.Publish(context.Background(), "bulk", big, 0, false)
	}
	if err == nil || time.Since(start) > 10*time.Second {
		t.Fatalf("writes to a broker that reads nothing: %v after %s", err, time.Since(start))
	}
	noLeaks(t, c)
	var ne net.Error
	if !errors.As(c.Err(), &ne) || !ne.Timeout() {
		t.Errorf("ended with %v, want the write timeout", c.Err())
	}
}

// TestOversizedPublish: a message over MaxPacket is skipped but
// acknowledged, and the connection carries on.
func TestOversizedPublish(t *testing.T) {
	acks := make(chan uint16, 4)
	p := startFakePeer(t, func(conn net.Conn, r *bufio.Reader) {
		connack(conn, 0)
		publishPacket("big", make([]byte, 5000), 1, 7).Write(conn)
		publishPacket("big0", make([]byte, 5000), 0, 0).Write(conn)
		publishPacket("small", []byte("ok"), 1, 8).Write(conn)
		for {
			cp, err := packets.ReadPacket(r)
			if err != nil {
				return
			}
			if pa, ok := cp.(*packets.PubackPacket); ok {
				acks <- pa.MessageID
			}
		}
	})
	in := newInbox()
	var skipped []string
	c, err := Connect(context.Background(), Options{Addr: p.addr, MaxPacket: 1024, Handle: in.handle,
		Oversized: func(topic string, size int) { skipped = append(skipped, topic+":"+strconv.Itoa(size)) }})
	if err != nil {
		t.Fatal(err)
	}
	if got := in.wait(t, 1); got[0] != "small=ok" {
		t.Errorf("delivered %q", got)
	}
	if a, b := <-acks, <-acks; a != 7 || b != 8 {
		t.Errorf("PUBACKs %d, %d; want 7, 8", a, b)
	}
	c.Close()
	noLeaks(t, c)
	if strings.Join(skipped, ",") != "big:5007,big0:5006" {
		t.Errorf("skipped %q", skipped)
	}
}

// TestLostWhileWaiting: an operation waiting for its ack learns why the
// connection ended.
func TestLostWhileWaiting(t *testing.T) {
	p := startFakePeer(t, func(conn net.Conn, r *bufio.Reader) {
		connack(conn, 0)
		packets.ReadPacket(r) // the PUBLISH, never acknowledged
	})
	c, err := Connect(context.Background(), Options{Addr: p.addr, Handle: func(string, []byte) {}})
	if err != nil {
		t.Fatal(err)
	}
	err = c.Publish(context.Background(), "t", []byte("x"), 1, false)
	if !errors.Is(err, ErrClosed) || !strings.Contains(err.Error(), "closed the connection") {
		t.Errorf("publish cut off by the broker: %v", err)
	}
	noLeaks(t, c)
}
