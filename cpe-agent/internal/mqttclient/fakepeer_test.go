package mqttclient

import (
	"bufio"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/eclipse/paho.mqtt.golang/packets"
)

// fakePeer is a TCP server on loopback that runs script on the first
// connection it accepts, for the behaviours a real broker will not show
// (silence, refusals with every code, protocol violations).
type fakePeer struct {
	addr    string
	connect chan *packets.ConnectPacket
}

func startFakePeer(t *testing.T, script func(conn net.Conn, r *bufio.Reader)) *fakePeer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &fakePeer{addr: ln.Addr().String(), connect: make(chan *packets.ConnectPacket, 1)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		r := bufio.NewReader(conn)
		cp, err := packets.ReadPacket(r)
		if err != nil {
			return
		}
		if c, ok := cp.(*packets.ConnectPacket); ok {
			p.connect <- c
		}
		script(conn, r)
	}()
	t.Cleanup(func() { ln.Close(); <-done })
	return p
}

// connack writes a CONNACK with code.
func connack(conn net.Conn, code byte) {
	ca := packets.NewControlPacket(packets.Connack).(*packets.ConnackPacket)
	ca.ReturnCode = code
	ca.Write(conn)
}

// drain reads and throws away what the client sends, until it closes.
func drain(r *bufio.Reader) {
	for {
		if _, err := packets.ReadPacket(r); err != nil {
			return
		}
	}
}

func publishPacket(topic string, payload []byte, qos byte, id uint16) *packets.PublishPacket {
	p := packets.NewControlPacket(packets.Publish).(*packets.PublishPacket)
	p.TopicName, p.Payload, p.Qos, p.MessageID = topic, payload, qos, id
	return p
}

// clientGoroutines counts the goroutines running the client's code.
func clientGoroutines() int {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	n := 0
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "mqttclient.(*Client)") {
			n++
		}
	}
	return n
}

// noLeaks fails the test when a goroutine of the client is still running
// shortly after Done: the reader ends right after closing it.
func noLeaks(t *testing.T, c *Client) {
	t.Helper()
	select {
	case <-c.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the client did not end")
	}
	deadline := time.Now().Add(2 * time.Second)
	for clientGoroutines() > 0 {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("client goroutines left after Done:\n%s", buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(5 * time.Millisecond)
	}
}
