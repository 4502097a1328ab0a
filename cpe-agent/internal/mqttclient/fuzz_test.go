package mqttclient

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"testing"
	"time"

	"github.com/eclipse/paho.mqtt.golang/packets"
)

// seedStreams are broker byte streams for the fuzz targets: each packet
// the client accepts, and some it must refuse.
func seedStreams(f *testing.F) [][]byte {
	var out [][]byte
	add := func(ps ...packets.ControlPacket) {
		var b bytes.Buffer
		for _, p := range ps {
			if err := p.Write(&b); err != nil {
				f.Fatal(err)
			}
		}
		out = append(out, b.Bytes())
	}
	puback := packets.NewControlPacket(packets.Puback).(*packets.PubackPacket)
	puback.MessageID = 1
	suback := packets.NewControlPacket(packets.Suback).(*packets.SubackPacket)
	suback.MessageID, suback.ReturnCodes = 1, []byte{1, 0x80}
	unsuback := packets.NewControlPacket(packets.Unsuback).(*packets.UnsubackPacket)
	unsuback.MessageID = 1
	add(publishPacket("a/b", []byte("hello"), 0, 0), publishPacket("a/c", []byte{0, 0xff}, 1, 9))
	add(puback, packets.NewControlPacket(packets.Pingresp))
	add(suback, unsuback)
	add(publishPacket("big", make([]byte, 300), 1, 3), publishPacket("after", nil, 1, 4))
	add(publishPacket("q2", []byte("x"), 2, 5))
	add(packets.NewControlPacket(packets.Connack))
	out = append(out, []byte{0x30, 0xff, 0xff, 0xff, 0x7f}, []byte{0x32, 0x80}, []byte{0xf0, 0x00}, []byte{})
	return out
}

// FuzzReadFrame: the framing the client owns (paho's ReadPacket would
// trust any announced length) never panics, never keeps more than max
// bytes of body, and returns exactly the announced packet.
func FuzzReadFrame(f *testing.F) {
	for _, s := range seedStreams(f) {
		f.Add(s)
	}
	const max = 256
	f.Fuzz(func(t *testing.T, data []byte) {
		r := bufio.NewReader(bytes.NewReader(data))
		for {
			fr, err := readFrame(r, max)
			if err != nil {
				return
			}
			if fr.raw == nil {
				if fr.kind != packets.Publish || fr.size <= max {
					t.Fatalf("skipped a %d-byte packet of type %d", fr.size, fr.kind)
				}
				continue
			}
			if fr.size > max || len(fr.raw) < fr.size+2 || len(fr.raw) > fr.size+5 || fr.raw[0] != fr.kind<<4|fr.flags {
				t.Fatalf("frame of %d bytes for remaining length %d", len(fr.raw), fr.size)
			}
			if cp, err := decode(fr); err == nil && cp == nil {
				t.Fatal("decode returned neither packet nor error")
			}
		}
	})
}

// FuzzDispatch: whatever a hostile broker sends after its CONNACK, the
// client neither panics nor hangs, delivers only PUBLISH payloads, and
// ends with a reason once the stream ends.
func FuzzDispatch(f *testing.F) {
	for _, s := range seedStreams(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cli, peer := net.Pipe()
		go io.Copy(io.Discard, peer)
		next := make(chan struct{})
		go func() {
			connack(peer, 0)
			<-next
			peer.Write(data)
			peer.Close()
		}()
		o := Options{Addr: "pipe", MaxPacket: 256, Handle: func(topic string, payload []byte) {
			if len(payload) > 256 {
				t.Errorf("a %d-byte payload passed MaxPacket", len(payload))
			}
		}}
		if err := o.fill(); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		c, err := start(ctx, cli, o)
		if err != nil {
			t.Fatal(err)
		}
		// An operation in flight, so acknowledgements find a waiter.
		c.mu.Lock()
		w := make(chan packets.ControlPacket, 1)
		c.waiters[1] = w
		c.mu.Unlock()
		close(next)
		select {
		case <-c.Done():
		case <-time.After(5 * time.Second):
			t.Fatal("the client outlived the stream")
		}
		if c.Err() == nil {
			t.Fatal("ended without a reason")
		}
	})
}
