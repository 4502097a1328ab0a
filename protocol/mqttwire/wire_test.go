package mqttwire

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"
)

var testNow = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

func testKey(t testing.TB, seed byte) ed25519.PrivateKey {
	t.Helper()
	s := make([]byte, ed25519.SeedSize)
	for i := range s {
		s[i] = seed
	}
	return ed25519.NewKeyFromSeed(s)
}

func TestTopics(t *testing.T) {
	dev := "00D09E-Router-SN%2F01"
	for _, kind := range []string{KindConnReq, KindPush, KindGroups, KindAck, KindTelemetry, KindState} {
		name := DeviceTopic(dev, kind)
		tp, err := ParseTopic(name)
		if err != nil {
			t.Fatalf("ParseTopic(%q): %v", name, err)
		}
		if tp.Device != dev || tp.Kind != kind || tp.String() != name || tp.Target() != "d/"+dev {
			t.Fatalf("ParseTopic(%q) = %+v", name, tp)
		}
	}
	g, err := ParseTopic(GroupPushTopic("pilot:1"))
	if err != nil || g.Group != "pilot:1" || g.Target() != "g/pilot:1" || g.FromAgent() {
		t.Fatalf("group topic: %+v %v", g, err)
	}
	f, err := ParseTopic(FleetPushTopic)
	if err != nil || f.Target() != "fleet" || f.String() != FleetPushTopic {
		t.Fatalf("fleet topic: %+v %v", f, err)
	}
	for _, bad := range []string{
		"", "gw/v1/", "gw/v2/d/x/cr", "gw/v1/d/x/cr/extra", "gw/v1/d//cr", "gw/v1/d/+/ack",
		"gw/v1/d/#", "gw/v1/g/pilot/ack", "gw/v1/g/bad group/push", "gw/v1/x/a/push", "gw/v1/d/a b/cr",
		"gw/v1/fleet/ack", "gw/v1/d/x/unknown",
	} {
		if _, err := ParseTopic(bad); !errors.Is(err, ErrTopic) {
			t.Errorf("ParseTopic(%q) = %v, want ErrTopic", bad, err)
		}
	}
	subs := DeviceSubscriptions(dev)
	if len(subs) != 4 || subs[3] != FleetPushTopic {
		t.Fatalf("subscriptions %v", subs)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("DeviceTopic accepted a wildcard")
		}
	}()
	DeviceTopic("a/+", KindAck)
}

func TestMessagesRoundTrip(t *testing.T) {
	ts := Millis(testNow)
	cr, err := ConnectionRequest{ID: "q1", Time: ts}.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if got, err := DecodeConnectionRequest(cr); err != nil || got.ID != "q1" || got.Time != ts {
		t.Fatalf("connection request: %+v %v", got, err)
	}
	gb, err := Groups{ID: "g1", Time: ts}.Encode()
	if err != nil || !strings.Contains(string(gb), `"groups":[]`) {
		t.Fatalf("groups: %s %v", gb, err)
	}
	ack := Ack{ID: "b1", Time: ts, Version: "m:x@1-abcdef", Status: AckFault, Fault: &Fault{Code: 9007, Message: "bad value"}}
	ab, err := ack.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if got, err := DecodeAck(ab); err != nil || got.Fault.Code != 9007 || got.Status != AckFault {
		t.Fatalf("ack: %+v %v", got, err)
	}
	tel := Telemetry{Time: ts, Values: map[string]string{"Device.DeviceInfo.UpTime": "42"}}
	tb, err := tel.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if got, err := DecodeTelemetry(tb); err != nil || got.Values["Device.DeviceInfo.UpTime"] != "42" {
		t.Fatalf("telemetry: %+v %v", got, err)
	}
	sb, err := State{Online: true, Time: ts}.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if got, err := DecodeState(sb); err != nil || !got.Online {
		t.Fatalf("state: %+v %v", got, err)
	}
}

func TestMessagesInvalid(t *testing.T) {
	ts := Millis(testNow)
	bad := []struct {
		name string
		err  error
	}{
		{"cr bad id", func() error { _, err := ConnectionRequest{ID: "a b", Time: ts}.Encode(); return err }()},
		{"cr zero ts", func() error { _, err := ConnectionRequest{ID: "a", Time: 0}.Encode(); return err }()},
		{"groups bad", func() error { _, err := Groups{ID: "a", Time: ts, Groups: []string{"x/y"}}.Encode(); return err }()},
		{"ack fault without code", func() error { _, err := Ack{ID: "a", Time: ts, Version: "v", Status: AckFault}.Encode(); return err }()},
		{"ack applied with fault", func() error {
			_, err := Ack{ID: "a", Time: ts, Version: "v", Status: AckApplied, Fault: &Fault{Code: 9002}}.Encode()
			return err
		}()},
		{"ack status", func() error { _, err := Ack{ID: "a", Time: ts, Version: "v", Status: "ok"}.Encode(); return err }()},
		{"ack long version", func() error {
			_, err := Ack{ID: "a", Time: ts, Version: strings.Repeat("v", 33), Status: AckApplied}.Encode()
			return err
		}()},
		{"telemetry empty", func() error { _, err := Telemetry{Time: ts}.Encode(); return err }()},
		{"telemetry object path", func() error {
			_, err := Telemetry{Time: ts, Values: map[string]string{"Device.": "1"}}.Encode()
			return err
		}()},
		{"trailing data", func() error { _, err := DecodeState([]byte(`{"online":true,"ts":1764000000000} {}`)); return err }()},
		{"not json", func() error { _, err := DecodeAck([]byte(`nope`)); return err }()},
		{"too big", func() error { _, err := DecodeState(make([]byte, MaxPayload+1)); return err }()},
	}
	for _, c := range bad {
		if !errors.Is(c.err, ErrPayload) {
			t.Errorf("%s: %v, want ErrPayload", c.name, c.err)
		}
	}
}

func signedBundle(t *testing.T, priv ed25519.PrivateKey, target string) Push {
	t.Helper()
	p := NewBundle(target, "m:wifi@3-a1b2c3", []Value{
		{Name: "Device.WiFi.SSID.1.SSID", Value: "home", Type: "string"},
		{Name: "Device.WiFi.Radio.1.Channel", Value: "6"},
	}, testNow)
	if err := p.Sign(priv); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPushSignVerify(t *testing.T) {
	priv := testKey(t, 1)
	pub := priv.Public().(ed25519.PublicKey)
	p := signedBundle(t, priv, "g/pilot")
	b, err := p.Encode()
	if err != nil {
		t.Fatal(err)
	}
	topic := GroupPushTopic("pilot")
	var g ReplayGuard
	got, err := AcceptPush(topic, b, pub, &g, testNow.Add(time.Second))
	if err != nil {
		t.Fatalf("AcceptPush: %v", err)
	}
	if got.Version != p.Version || len(got.Values) != 2 {
		t.Fatalf("decoded %+v", got)
	}
	// The same message again is a replay.
	if _, err := AcceptPush(topic, b, pub, &g, testNow.Add(time.Second)); !errors.Is(err, ErrReplay) {
		t.Fatalf("replay: %v", err)
	}
	// Into another group: wrong target.
	if _, err := AcceptPush(GroupPushTopic("other"), b, pub, &ReplayGuard{}, testNow); !errors.Is(err, ErrPayload) {
		t.Fatalf("wrong group: %v", err)
	}
	// Too old.
	if _, err := AcceptPush(topic, b, pub, &ReplayGuard{}, testNow.Add(time.Hour)); !errors.Is(err, ErrStale) {
		t.Fatalf("stale: %v", err)
	}
	// Another key.
	other := testKey(t, 2).Public().(ed25519.PublicKey)
	if _, err := AcceptPush(topic, b, other, &ReplayGuard{}, testNow); !errors.Is(err, ErrSignature) {
		t.Fatalf("other key: %v", err)
	}
	// Every single-field tamper breaks the signature.
	tampers := []func(p *Push){
		func(p *Push) { p.Values[0].Value = "evil" },
		func(p *Push) { p.Values[1].Type = "string" },
		func(p *Push) { p.Values[0].Name, p.Values[1].Name = p.Values[1].Name, p.Values[0].Name },
		func(p *Push) { p.Version = "m:wifi@4-a1b2c3" },
		func(p *Push) { p.Time++ },
		func(p *Push) { p.ID = "other" },
		func(p *Push) { p.Target = "g/other" },
		func(p *Push) { p.Values = p.Values[:1] },
		func(p *Push) { p.Sig[0] ^= 1 },
	}
	for i, tamper := range tampers {
		q := p
		q.Values = append([]Value(nil), p.Values...)
		q.Sig = append([]byte(nil), p.Sig...)
		tamper(&q)
		if err := q.Verify(pub); !errors.Is(err, ErrSignature) {
			t.Errorf("tamper %d verified: %v", i, err)
		}
	}
}

func TestSigningBytesUnambiguous(t *testing.T) {
	// Moving bytes between adjacent fields must change the encoding.
	a := Push{Kind: PushBundle, ID: "ab", Time: 1, Target: "g/x", Version: "v", Values: []Value{{Name: "A.b", Value: "cd"}}}
	b := a
	b.Values = []Value{{Name: "A.bc", Value: "d"}}
	if string(a.SigningBytes()) == string(b.SigningBytes()) {
		t.Fatal("field boundary not encoded")
	}
}

func TestKeyRotation(t *testing.T) {
	oldKey, newKey := testKey(t, 1), testKey(t, 3)
	oldPub, newPub := oldKey.Public().(ed25519.PublicKey), newKey.Public().(ed25519.PublicKey)
	r := NewKeyRotation(newPub, testNow)
	if err := r.Sign(oldKey); err != nil {
		t.Fatal(err)
	}
	b, err := r.Encode()
	if err != nil {
		t.Fatal(err)
	}
	// Retained: accepted long after, without the replay guard.
	g := &ReplayGuard{}
	got, err := AcceptPush(FleetPushTopic, b, oldPub, g, testNow.Add(30*24*time.Hour))
	if err != nil {
		t.Fatalf("rotation: %v", err)
	}
	if string(got.NewKey) != string(newPub) {
		t.Fatal("new key lost")
	}
	// Once the agent trusts the new key the rotation no longer verifies.
	if _, err := AcceptPush(FleetPushTopic, b, newPub, g, testNow); !errors.Is(err, ErrSignature) {
		t.Fatalf("rotation under the new key: %v", err)
	}
	// A rotation signed by an untrusted key is refused.
	evil := NewKeyRotation(testKey(t, 9).Public().(ed25519.PublicKey), testNow)
	if err := evil.Sign(testKey(t, 9)); err != nil {
		t.Fatal(err)
	}
	eb, _ := evil.Encode()
	if _, err := AcceptPush(FleetPushTopic, eb, oldPub, g, testNow); !errors.Is(err, ErrSignature) {
		t.Fatalf("self-signed rotation: %v", err)
	}
}

func TestReplayGuardWindow(t *testing.T) {
	g := ReplayGuard{Window: 2}
	ts := Millis(testNow)
	for _, id := range []string{"a", "b", "c"} {
		if err := g.Check(id, ts, testNow); err != nil {
			t.Fatal(err)
		}
	}
	if err := g.Check("c", ts, testNow); !errors.Is(err, ErrReplay) {
		t.Fatalf("c: %v", err)
	}
	// "a" left the window of 2; the age check is what stops it later.
	if err := g.Check("a", ts, testNow); err != nil {
		t.Fatalf("a after eviction: %v", err)
	}
	if err := g.Check("z", ts, testNow.Add(-time.Hour)); !errors.Is(err, ErrFuture) {
		t.Fatalf("future: %v", err)
	}
	if err := g.Check("y", Millis(testNow.Add(-DefaultMaxAge-time.Second)), testNow); !errors.Is(err, ErrStale) {
		t.Fatalf("stale: %v", err)
	}
	// A refused message is not recorded.
	if err := g.Check("y", ts, testNow); err != nil {
		t.Fatalf("y fresh: %v", err)
	}
}

func TestKeyEncodings(t *testing.T) {
	priv := testKey(t, 5)
	pub := priv.Public().(ed25519.PublicKey)
	pemPub, err := MarshalPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParsePublicKey(pemPub)
	if err != nil || !got.Equal(pub) {
		t.Fatalf("PEM: %v", err)
	}
	pemPriv, err := MarshalPrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParsePrivateKey(pemPriv)
	if err != nil || !back.Equal(priv) {
		t.Fatalf("private PEM: %v", err)
	}
	for _, raw := range []string{hex.EncodeToString(pub), base64.StdEncoding.EncodeToString(pub) + "\n"} {
		if got, err := ParsePublicKey([]byte(raw)); err != nil || !got.Equal(pub) {
			t.Fatalf("ParsePublicKey(%q): %v", raw, err)
		}
	}
	if _, err := ParsePublicKey([]byte("short")); err == nil {
		t.Fatal("accepted garbage")
	}
}
