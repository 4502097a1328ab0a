package connreq

import (
	"context"
	"crypto/ed25519"
	"testing"
	"time"

	"gatewarden/cpe-agent/internal/clock"
	"gatewarden/protocol/mqttwire"
)

// fuzzKey is fixed so seeds signed with it stay valid across runs.
var fuzzKey = ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))

// FuzzLaneMessage feeds arbitrary messages to the lane's handlers, as a
// hostile broker could: nothing panics, and nothing is applied or
// rotated unless the message verifies with the trusted key.
func FuzzLaneMessage(f *testing.F) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	sign := func(p mqttwire.Push) []byte {
		if err := p.Sign(fuzzKey); err != nil {
			f.Fatal(err)
		}
		b, err := p.Encode()
		if err != nil {
			f.Fatal(err)
		}
		return b
	}
	const dev = "0090F5-SIM-FUZZ1"
	good := sign(mqttwire.Push{Kind: mqttwire.PushBundle, ID: "b1", Time: mqttwire.Millis(now), Target: "d/" + dev,
		Version: "v1", Values: []mqttwire.Value{{Name: "Device.X", Value: "1", Type: "string"}}})
	f.Add(uint8(0), good)
	f.Add(uint8(1), good)
	f.Add(uint8(0), sign(mqttwire.Push{Kind: mqttwire.PushKeyRotation, ID: "k1", Time: mqttwire.Millis(now), Target: "fleet",
		NewKey: make([]byte, ed25519.PublicKeySize)}))
	f.Add(uint8(2), []byte(`{"id":"c1","ts":1767323045000}`))
	f.Add(uint8(3), []byte(`{"id":"g1","ts":1767323045000,"groups":["a","b"]}`))
	f.Add(uint8(0), []byte(`{"kind":"bundle","id":"x","ts":1,"target":"fleet","kid":"00","sig":"AA=="}`))
	f.Add(uint8(4), []byte("\xff\x00"))
	topics := []string{
		mqttwire.DeviceTopic(dev, mqttwire.KindPush),
		mqttwire.GroupPushTopic("pilot"),
		mqttwire.DeviceTopic(dev, mqttwire.KindConnReq),
		mqttwire.DeviceTopic(dev, mqttwire.KindGroups),
		mqttwire.FleetPushTopic,
	}
	pub := fuzzKey.Public().(ed25519.PublicKey)
	f.Fuzz(func(t *testing.T, sel uint8, payload []byte) {
		key, err := LoadPushKey(pub, "")
		if err != nil {
			t.Fatal(err)
		}
		apply := &fakeApplier{}
		l, err := NewLane(LaneOptions{
			DeviceID: dev,
			Settings: func(context.Context) (MQTTSettings, error) { return MQTTSettings{}, nil },
			Key:      key, Trigger: func() {}, Apply: apply,
			Clock: clock.NewFake(now), Logger: testLog(),
		})
		if err != nil {
			t.Fatal(err)
		}
		var acks int
		l.ackFn = func(context.Context, Message) error { acks++; return nil }
		topic := topics[int(sel)%len(topics)]
		l.handle(topic, payload)
		for len(l.work) > 0 {
			in := <-l.work
			l.push(context.Background(), in.topic, in.payload)
		}
		p, derr := mqttwire.DecodePush(payload)
		verified := derr == nil && p.Verify(pub) == nil
		if _, _, n := apply.snapshot(); n > 0 && !verified {
			t.Fatalf("applied an unverified message on %s: %q", topic, payload)
		}
		if string(key.Current()) != string(pub) && !verified {
			t.Fatalf("rotated on an unverified message: %q", payload)
		}
		if acks > 0 && !verified {
			t.Fatalf("acked an unverified message: %q", payload)
		}
	})
}
