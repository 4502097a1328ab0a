package connreq

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gatewarden/cpe-agent/internal/model"
	"gatewarden/protocol/cwmp"
	"gatewarden/protocol/mqttwire"
)

const (
	laneDev  = "0090F5-SIM-LANE000001"
	lanePass = "lane-secret"
)

// fakeApplier stands in for the tree: it applies a list all or nothing
// (a name under Device.Bad. fails the whole list with 9003/9007) and
// keeps the ParameterKey.
type fakeApplier struct {
	mu      sync.Mutex
	key     string
	values  map[string]string
	applied int
}

func (f *fakeApplier) SetParameterValues(_ context.Context, list []cwmp.ParameterValueStruct, key string) (int32, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, pv := range list {
		if strings.HasPrefix(pv.Name, "Device.Bad.") {
			fault := cwmp.NewFault(cwmp.FaultInvalidArguments, "")
			fault.SetParameterValuesFault = []cwmp.SetParameterValuesFault{{ParameterName: pv.Name, FaultCode: cwmp.FaultInvalidParameterValue, FaultString: "no such value"}}
			return 0, fault
		}
	}
	if f.values == nil {
		f.values = map[string]string{}
	}
	for _, pv := range list {
		f.values[pv.Name] = pv.Value
	}
	f.key = key
	f.applied++
	return 0, nil
}

func (f *fakeApplier) Value(_ context.Context, path string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if path == model.ParameterKeyPath {
		return f.key, nil
	}
	return f.values[path], nil
}

func (f *fakeApplier) snapshot() (string, map[string]string, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	m := map[string]string{}
	for k, v := range f.values {
		m[k] = v
	}
	return f.key, m, f.applied
}

type laneRig struct {
	t       *testing.T
	broker  *testBroker
	lane    *Lane
	apply   *fakeApplier
	priv    ed25519.PrivateKey
	keyFile string
	crs     atomic.Int32
	cancel  context.CancelFunc
	done    chan error
}

func testLog() *slog.Logger {
	if os.Getenv("MQTT_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func newLaneRig(t *testing.T, mutate func(*LaneOptions)) *laneRig {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	r := &laneRig{t: t, apply: &fakeApplier{}, priv: priv, keyFile: filepath.Join(t.TempDir(), "push-key")}
	r.broker = startBroker(t, laneDev, lanePass, "")
	key, err := LoadPushKey(pub, r.keyFile)
	if err != nil {
		t.Fatal(err)
	}
	opts := LaneOptions{
		DeviceID: laneDev,
		Settings: func(context.Context) (MQTTSettings, error) {
			return MQTTSettings{Enable: true, Host: "127.0.0.1", Port: uint16(r.broker.addr.Port),
				ClientID: laneDev, Username: laneDev, Password: lanePass,
				KeepAlive: 30 * time.Second, RetryMin: 50 * time.Millisecond, RetryMultiplier: 2000, RetryMax: time.Second}, nil
		},
		Key:     key,
		Trigger: func() { r.crs.Add(1) },
		Apply:   r.apply,
		Logger:  testLog(),
	}
	if mutate != nil {
		mutate(&opts)
	}
	r.lane, err = NewLane(opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel, r.done = cancel, make(chan error, 1)
	go func() { r.done <- r.lane.Run(ctx) }()
	t.Cleanup(r.stop)
	r.waitConnected()
	return r
}

func (r *laneRig) stop() {
	if r.cancel == nil {
		return
	}
	r.cancel()
	r.cancel = nil
	select {
	case err := <-r.done:
		if err != nil {
			r.t.Errorf("lane: %v", err)
		}
	case <-time.After(10 * time.Second):
		r.t.Error("lane did not stop")
	}
}

func (r *laneRig) waitConnected() {
	r.t.Helper()
	waitUntil(r.t, 10*time.Second, "lane connected", func() bool { return r.lane.MQTT().Status() == StatusConnected })
}

func waitUntil(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, within)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (r *laneRig) bundle(target, version string, values ...mqttwire.Value) mqttwire.Push {
	r.t.Helper()
	p := mqttwire.Push{Kind: mqttwire.PushBundle, ID: mqttwire.NewID(), Time: mqttwire.Millis(time.Now()),
		Target: target, Version: version, Values: values}
	if err := p.Sign(r.priv); err != nil {
		r.t.Fatal(err)
	}
	return p
}

func encode(t *testing.T, p mqttwire.Push) []byte {
	t.Helper()
	b, err := p.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// ackFor waits for the ack of push id.
func (r *laneRig) ackFor(id string) mqttwire.Ack {
	r.t.Helper()
	var ack mqttwire.Ack
	r.broker.waitFor(mqttwire.DeviceTopic(laneDev, mqttwire.KindAck), 5*time.Second, func(b []byte) bool {
		a, err := mqttwire.DecodeAck(b)
		if err == nil && a.ID == id {
			ack = a
			return true
		}
		return false
	})
	return ack
}

func (r *laneRig) groupsMsg(groups ...string) []byte {
	b, err := mqttwire.Groups{ID: mqttwire.NewID(), Time: mqttwire.Millis(time.Now()), Groups: groups}.Encode()
	if err != nil {
		r.t.Fatal(err)
	}
	return b
}

func subscribed(l *Lane, topic string) bool {
	for _, s := range l.MQTT().Subscribed() {
		if s == topic {
			return true
		}
	}
	return false
}

func TestLaneOnlineStateAndSubscriptions(t *testing.T) {
	r := newLaneRig(t, nil)
	state := mqttwire.DeviceTopic(laneDev, mqttwire.KindState)
	b := r.broker.waitFor(state, 5*time.Second, nil)
	if s, err := mqttwire.DecodeState(b); err != nil || !s.Online {
		t.Fatalf("first state message %s (%v), want online", b, err)
	}
	for _, topic := range mqttwire.DeviceSubscriptions(laneDev) {
		if !subscribed(r.lane, topic) {
			t.Errorf("not subscribed to %s", topic)
		}
	}
	// The ACS's retained group list: subscribe to the listed groups'
	// push topics, and drop a group no longer listed.
	groups := mqttwire.DeviceTopic(laneDev, mqttwire.KindGroups)
	r.broker.publish(groups, r.groupsMsg("pilot", "north", "denied"), true)
	waitUntil(t, 5*time.Second, "group subscriptions", func() bool {
		return subscribed(r.lane, mqttwire.GroupPushTopic("pilot")) && subscribed(r.lane, mqttwire.GroupPushTopic("north"))
	})
	// The broker refused one (granted 0x80): not counted as subscribed.
	if subscribed(r.lane, mqttwire.GroupPushTopic("denied")) {
		t.Error("a subscription the broker refused counts as subscribed")
	}
	r.broker.publish(groups, r.groupsMsg("north"), true)
	waitUntil(t, 5*time.Second, "unsubscribed from pilot", func() bool {
		return !subscribed(r.lane, mqttwire.GroupPushTopic("pilot")) && subscribed(r.lane, mqttwire.GroupPushTopic("north"))
	})
	if g := r.lane.Groups(); len(g) != 1 || g[0] != "north" {
		t.Errorf("Groups() = %v, want [north]", g)
	}
	// An older list arriving late (a retained copy overtaken by a live
	// one) does not undo the newer one.
	old, err := mqttwire.Groups{ID: "old", Time: mqttwire.Millis(time.Now().Add(-time.Minute)), Groups: []string{"pilot"}}.Encode()
	if err != nil {
		t.Fatal(err)
	}
	r.broker.publish(groups, old, false)
	r.broker.publish(mqttwire.DeviceTopic(laneDev, mqttwire.KindConnReq), crMsg(t, "after-old", time.Now()), false)
	waitUntil(t, 5*time.Second, "the message after the old list", func() bool { return r.crs.Load() == 1 })
	if g := r.lane.Groups(); len(g) != 1 || g[0] != "north" {
		t.Errorf("an older group list replaced the newer: Groups() = %v", g)
	}

	// A graceful stop leaves the retained state offline (a clean
	// disconnect suppresses the will, so the lane says it itself).
	r.stop()
	b = r.broker.waitFor(state, 5*time.Second, func(b []byte) bool {
		s, err := mqttwire.DecodeState(b)
		return err == nil && !s.Online
	})
	if r.lane.MQTT().Status() != StatusDisabled {
		t.Errorf("status after stop %q", r.lane.MQTT().Status())
	}
	_ = b
}

func TestLaneWillAndReconnect(t *testing.T) {
	r := newLaneRig(t, nil)
	state := mqttwire.DeviceTopic(laneDev, mqttwire.KindState)
	r.broker.waitFor(state, 5*time.Second, nil)
	groups := mqttwire.DeviceTopic(laneDev, mqttwire.KindGroups)
	r.broker.publish(groups, r.groupsMsg("pilot"), true)
	waitUntil(t, 5*time.Second, "group subscription", func() bool { return subscribed(r.lane, mqttwire.GroupPushTopic("pilot")) })
	mark := r.broker.mark()
	r.broker.dropClient(laneDev)
	// The broker publishes the will: offline, retained.
	r.broker.waitFrom(mark, state, 5*time.Second, func(b []byte) bool {
		s, err := mqttwire.DecodeState(b)
		return err == nil && !s.Online
	})
	// The lane comes back by itself after its backoff, online again, with
	// its group subscription restored from the retained list.
	r.broker.waitFrom(mark, state, 10*time.Second, func(b []byte) bool {
		s, err := mqttwire.DecodeState(b)
		return err == nil && s.Online
	})
	waitUntil(t, 5*time.Second, "group subscription after reconnect", func() bool {
		return subscribed(r.lane, mqttwire.GroupPushTopic("pilot"))
	})
	// And it works: a connection request gets through.
	r.broker.publish(mqttwire.DeviceTopic(laneDev, mqttwire.KindConnReq), crMsg(t, mqttwire.NewID(), time.Now()), false)
	waitUntil(t, 5*time.Second, "connection request after reconnect", func() bool { return r.crs.Load() == 1 })
}

func crMsg(t *testing.T, id string, at time.Time) []byte {
	t.Helper()
	b, err := mqttwire.ConnectionRequest{ID: id, Time: mqttwire.Millis(at)}.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestLaneConnectionRequest(t *testing.T) {
	r := newLaneRig(t, nil)
	topic := mqttwire.DeviceTopic(laneDev, mqttwire.KindConnReq)
	start := time.Now()
	msg := crMsg(t, "cr-1", time.Now())
	r.broker.publish(topic, msg, false)
	waitUntil(t, 5*time.Second, "trigger", func() bool { return r.crs.Load() == 1 })
	if d := time.Since(start); d > time.Second {
		t.Errorf("trigger %s after the publish, want under 1 s", d)
	}
	// A replay, a stale request, one from the future and garbage do not
	// trigger; a new one does.
	r.broker.publish(topic, msg, false)
	r.broker.publish(topic, crMsg(t, "cr-stale", time.Now().Add(-time.Hour)), false)
	r.broker.publish(topic, crMsg(t, "cr-future", time.Now().Add(time.Hour)), false)
	r.broker.publish(topic, []byte(`{"id":"x"`), false)
	r.broker.publish(topic, crMsg(t, "cr-2", time.Now()), false)
	waitUntil(t, 5*time.Second, "second trigger", func() bool { return r.crs.Load() >= 2 })
	time.Sleep(100 * time.Millisecond)
	if n := r.crs.Load(); n != 2 {
		t.Errorf("%d triggers, want 2 (replayed, stale, future and garbage requests refused)", n)
	}
}

func TestLanePush(t *testing.T) {
	r := newLaneRig(t, nil)
	groups := mqttwire.DeviceTopic(laneDev, mqttwire.KindGroups)
	r.broker.publish(groups, r.groupsMsg("pilot"), true)
	gtopic := mqttwire.GroupPushTopic("pilot")
	waitUntil(t, 5*time.Second, "group subscription", func() bool { return subscribed(r.lane, gtopic) })
	ssid := mqttwire.Value{Name: "Device.WiFi.SSID.1.SSID", Value: "home", Type: "string"}

	// Applied, ParameterKey = version, acked "applied".
	p := r.bundle("g/pilot", "wifi@1", ssid)
	r.broker.publish(gtopic, encode(t, p), false)
	if a := r.ackFor(p.ID); a.Status != mqttwire.AckApplied || a.Version != "wifi@1" {
		t.Fatalf("ack %+v, want applied wifi@1", a)
	}
	key, vals, n := r.apply.snapshot()
	if key != "wifi@1" || vals[ssid.Name] != "home" || n != 1 {
		t.Fatalf("after the push: key %q, values %v, %d applications", key, vals, n)
	}

	// A replay of the same message: nothing applied, no ack.
	acks := mqttwire.DeviceTopic(laneDev, mqttwire.KindAck)
	before := r.broker.count(acks)
	r.broker.publish(gtopic, encode(t, p), false)

	// Tampered: the value changed after signing. Refused, never acked.
	tampered := r.bundle("g/pilot", "wifi@2", ssid)
	tampered.Values[0].Value = "evil"
	r.broker.publish(gtopic, encode(t, tampered), false)

	// Signed by another key: refused, never acked.
	_, other, _ := ed25519.GenerateKey(nil)
	forged := mqttwire.Push{Kind: mqttwire.PushBundle, ID: mqttwire.NewID(), Time: mqttwire.Millis(time.Now()),
		Target: "g/pilot", Version: "wifi@3", Values: []mqttwire.Value{{Name: ssid.Name, Value: "evil"}}}
	if err := forged.Sign(other); err != nil {
		t.Fatal(err)
	}
	r.broker.publish(gtopic, encode(t, forged), false)

	// Genuine but addressed to another group: rejected.
	wrong := r.bundle("g/south", "wifi@4", mqttwire.Value{Name: ssid.Name, Value: "evil"})
	r.broker.publish(gtopic, encode(t, wrong), false)
	if a := r.ackFor(wrong.ID); a.Status != mqttwire.AckRejected {
		t.Errorf("wrong target: ack %+v, want rejected", a)
	}
	// Genuine but stale: rejected.
	stale := r.bundle("g/pilot", "wifi@5", mqttwire.Value{Name: ssid.Name, Value: "evil"})
	stale.Time = mqttwire.Millis(time.Now().Add(-time.Hour))
	if err := stale.Sign(r.priv); err != nil {
		t.Fatal(err)
	}
	r.broker.publish(gtopic, encode(t, stale), false)
	if a := r.ackFor(stale.ID); a.Status != mqttwire.AckRejected {
		t.Errorf("stale: ack %+v, want rejected", a)
	}
	if got := r.broker.count(acks) - before; got != 2 {
		t.Errorf("%d acks after the refused pushes, want 2 (wrong target, stale; none for replay, tampered, forged)", got)
	}
	if key, vals, n := r.apply.snapshot(); key != "wifi@1" || vals[ssid.Name] != "home" || n != 1 {
		t.Errorf("refused pushes changed something: key %q, values %v, %d applications", key, vals, n)
	}

	// The same version again under a new id (the ACS after a crash):
	// "unchanged", not applied twice.
	again := r.bundle("g/pilot", "wifi@1", ssid)
	r.broker.publish(gtopic, encode(t, again), false)
	if a := r.ackFor(again.ID); a.Status != mqttwire.AckUnchanged {
		t.Errorf("same version: ack %+v, want unchanged", a)
	}
	// A bundle SetParameterValues refuses: fault with the parameter's
	// code, nothing applied.
	bad := r.bundle("d/"+laneDev, "bad@1", mqttwire.Value{Name: ssid.Name, Value: "x"}, mqttwire.Value{Name: "Device.Bad.Thing", Value: "1"})
	r.broker.publish(mqttwire.DeviceTopic(laneDev, mqttwire.KindPush), encode(t, bad), false)
	a := r.ackFor(bad.ID)
	if a.Status != mqttwire.AckFault || a.Fault == nil || a.Fault.Code != int(cwmp.FaultInvalidParameterValue) || !strings.Contains(a.Fault.Message, "Device.Bad.Thing") {
		t.Errorf("refused bundle: ack %+v, want fault 9007 naming Device.Bad.Thing", a)
	}
	if key, vals, n := r.apply.snapshot(); key != "wifi@1" || vals[ssid.Name] != "home" || n != 1 {
		t.Errorf("a faulted push changed something: key %q, values %v, %d applications", key, vals, n)
	}
}

func TestLaneKeyRotation(t *testing.T) {
	r := newLaneRig(t, nil)
	acks := mqttwire.DeviceTopic(laneDev, mqttwire.KindAck)
	newPub, newPriv, _ := ed25519.GenerateKey(nil)
	oldPriv := r.priv
	rot := mqttwire.Push{Kind: mqttwire.PushKeyRotation, ID: mqttwire.NewID(), Time: mqttwire.Millis(time.Now()),
		Target: "fleet", NewKey: newPub}
	if err := rot.Sign(oldPriv); err != nil {
		t.Fatal(err)
	}
	// A rotation signed by a key the device does not trust is ignored.
	_, strangerPriv, _ := ed25519.GenerateKey(nil)
	evilPub, _, _ := ed25519.GenerateKey(nil)
	evil := mqttwire.Push{Kind: mqttwire.PushKeyRotation, ID: mqttwire.NewID(), Time: mqttwire.Millis(time.Now()),
		Target: "fleet", NewKey: evilPub}
	if err := evil.Sign(strangerPriv); err != nil {
		t.Fatal(err)
	}
	r.broker.publish(mqttwire.FleetPushTopic, encode(t, evil), false)
	r.broker.publish(mqttwire.FleetPushTopic, encode(t, rot), true)
	waitUntil(t, 5*time.Second, "rotation", func() bool { return string(r.lane.opts.Key.Current()) == string(newPub) })

	// Bundles signed by the old key are refused now; the new key works.
	dev := mqttwire.DeviceTopic(laneDev, mqttwire.KindPush)
	old := r.bundle("d/"+laneDev, "v@old", mqttwire.Value{Name: "Device.X", Value: "old"})
	r.broker.publish(dev, encode(t, old), false)
	r.priv = newPriv
	fresh := r.bundle("d/"+laneDev, "v@new", mqttwire.Value{Name: "Device.X", Value: "new"})
	r.broker.publish(dev, encode(t, fresh), false)
	if a := r.ackFor(fresh.ID); a.Status != mqttwire.AckApplied {
		t.Fatalf("bundle signed by the new key: ack %+v", a)
	}
	if n := r.broker.count(acks); n != 1 {
		t.Errorf("%d acks, want 1 (the old key's bundle is refused unacked)", n)
	}
	if key, _, _ := r.apply.snapshot(); key != "v@new" {
		t.Errorf("ParameterKey %q, want v@new", key)
	}

	// Durable: a restart of the agent trusts the new key, as long as the
	// package still brings the anchor the rotation replaced.
	oldPub := oldPriv.Public().(ed25519.PublicKey)
	k, err := LoadPushKey(oldPub, r.keyFile)
	if err != nil || string(k.Current()) != string(newPub) {
		t.Errorf("reloaded key: %v, want the rotated key", err)
	}
	renewed, _, _ := ed25519.GenerateKey(nil)
	k, err = LoadPushKey(renewed, r.keyFile)
	if err != nil || string(k.Current()) != string(renewed) {
		t.Errorf("a new anchor from the package must win over a rotation of the old one: %v", err)
	}
	if err := os.WriteFile(r.keyFile, []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadPushKey(oldPub, r.keyFile); err == nil {
		t.Error("a damaged rotation file loaded without error")
	}
}

func TestLaneNoKeyRefusesPushes(t *testing.T) {
	r := newLaneRig(t, func(o *LaneOptions) { o.Key = nil })
	p := r.bundle("d/"+laneDev, "v1", mqttwire.Value{Name: "Device.X", Value: "1"})
	r.broker.publish(mqttwire.DeviceTopic(laneDev, mqttwire.KindPush), encode(t, p), false)
	// A connection request after it shows the push was processed first
	// (one delivery goroutine, in order) ... and the apply loop has had
	// its turn by the time the ack would have gone out.
	r.broker.publish(mqttwire.DeviceTopic(laneDev, mqttwire.KindConnReq), crMsg(t, "cr-after", time.Now()), false)
	waitUntil(t, 5*time.Second, "trigger", func() bool { return r.crs.Load() == 1 })
	time.Sleep(200 * time.Millisecond)
	if _, _, n := r.apply.snapshot(); n != 0 {
		t.Errorf("a push was applied without a trusted key")
	}
	if n := r.broker.count(mqttwire.DeviceTopic(laneDev, mqttwire.KindAck)); n != 0 {
		t.Errorf("%d acks without a trusted key, want 0", n)
	}
}

func TestLaneTelemetry(t *testing.T) {
	var n atomic.Int32
	r := newLaneRig(t, func(o *LaneOptions) {
		o.TelemetryInterval = 50 * time.Millisecond
		o.Telemetry = func(context.Context) (map[string]string, error) {
			n.Add(1)
			return map[string]string{"Device.DeviceInfo.UpTime": "42"}, nil
		}
	})
	topic := mqttwire.DeviceTopic(laneDev, mqttwire.KindTelemetry)
	b := r.broker.waitFor(topic, 5*time.Second, nil)
	tm, err := mqttwire.DecodeTelemetry(b)
	if err != nil || tm.Values["Device.DeviceInfo.UpTime"] != "42" {
		t.Fatalf("telemetry %s: %v", b, err)
	}
	waitUntil(t, 5*time.Second, "three samples", func() bool { return r.broker.count(topic) >= 3 })
}

func TestLaneBadCredentials(t *testing.T) {
	broker := startBroker(t, laneDev, lanePass, "")
	var attempts atomic.Int32
	lane, err := NewLane(LaneOptions{
		DeviceID: laneDev,
		Settings: func(context.Context) (MQTTSettings, error) {
			attempts.Add(1)
			return MQTTSettings{Enable: true, Host: "127.0.0.1", Port: uint16(broker.addr.Port),
				ClientID: laneDev, Username: laneDev, Password: "wrong",
				RetryMin: 20 * time.Millisecond, RetryMultiplier: 1000, RetryMax: 20 * time.Millisecond}, nil
		},
		Trigger: func() {},
		Apply:   &fakeApplier{},
		Logger:  testLog(),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { lane.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	waitUntil(t, 10*time.Second, "three refused attempts", func() bool { return lane.MQTT().ConnectionErrors() >= 3 })
	// Between attempts the status says why: the broker refused the
	// credentials, a configuration problem.
	waitUntil(t, 5*time.Second, "status "+StatusMisconfigured, func() bool { return lane.MQTT().Status() == StatusMisconfigured })
}

func TestLaneIdleWithoutPassword(t *testing.T) {
	var pass atomic.Value
	pass.Store("")
	broker := startBroker(t, laneDev, lanePass, "")
	lane, err := NewLane(LaneOptions{
		DeviceID: laneDev,
		Settings: func(context.Context) (MQTTSettings, error) {
			return MQTTSettings{Enable: true, Host: "127.0.0.1", Port: uint16(broker.addr.Port),
				ClientID: laneDev, Username: laneDev, Password: pass.Load().(string)}, nil
		},
		Trigger: func() {},
		Apply:   &fakeApplier{},
		Logger:  testLog(),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { lane.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	waitUntil(t, 5*time.Second, "misconfigured", func() bool { return lane.MQTT().Status() == StatusMisconfigured })
	if n := lane.MQTT().ConnectionErrors(); n != 0 {
		t.Errorf("%d connection attempts without a password, want none", n)
	}
	// The ACS sets the password: the lane connects at once.
	pass.Store(lanePass)
	lane.Reconfigure()
	waitUntil(t, 5*time.Second, "connected", func() bool { return lane.MQTT().Status() == StatusConnected })
}

func TestBackoff(t *testing.T) {
	s := MQTTSettings{RetryMin: 5 * time.Second, RetryMultiplier: 2000, RetryMax: 60 * time.Second}
	for _, c := range []struct {
		n      int
		lo, hi time.Duration
	}{
		{1, 5 * time.Second, 10 * time.Second},
		{2, 10 * time.Second, 20 * time.Second},
		{3, 20 * time.Second, 40 * time.Second},
		{4, 40 * time.Second, 60 * time.Second},
		{9, 60 * time.Second, 60 * time.Second},
	} {
		if got := backoff(&s, c.n, 0); got != c.lo {
			t.Errorf("retry %d at r=0: %s, want %s", c.n, got, c.lo)
		}
		if got := backoff(&s, c.n, 0.999999); got < c.hi-time.Millisecond || got > c.hi {
			t.Errorf("retry %d at r→1: %s, want about %s", c.n, got, c.hi)
		}
	}
	// The defaults are TR-181's: 5 s, ×2.
	if got := backoff(&MQTTSettings{}, 1, 0.5); got != 7500*time.Millisecond {
		t.Errorf("default first retry at r=0.5: %s, want 7.5s", got)
	}
}

func TestPushFault(t *testing.T) {
	f := pushFault(cwmp.NewFault(cwmp.FaultInternalError, "boom"))
	if f.Code != int(cwmp.FaultInternalError) || f.Message != "boom" {
		t.Errorf("plain fault: %+v", f)
	}
	f = pushFault(io.EOF)
	if f.Code != int(cwmp.FaultInternalError) {
		t.Errorf("non-fault error: %+v", f)
	}
	b, _ := json.Marshal(f)
	if strings.Contains(string(b), "EOF") {
		t.Errorf("an internal error's text leaked into the ack: %s", b)
	}
}

// TestLaneReconfigureSameSettings: several kicks for one change (one
// SetParameterValues sets username and password) reconnect at most once,
// and kicks that change nothing keep the connection; each connection's
// state time is later than the one before, so the ACS can order them.
func TestLaneReconfigureSameSettings(t *testing.T) {
	var pass atomic.Value
	pass.Store(lanePass)
	broker := startBroker(t, laneDev, lanePass, "")
	lane, err := NewLane(LaneOptions{
		DeviceID: laneDev,
		Settings: func(context.Context) (MQTTSettings, error) {
			return MQTTSettings{Enable: true, Host: "127.0.0.1", Port: uint16(broker.addr.Port),
				ClientID: laneDev, Username: laneDev, Password: pass.Load().(string)}, nil
		},
		Trigger: func() {},
		Apply:   &fakeApplier{},
		Logger:  testLog(),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { lane.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	state := mqttwire.DeviceTopic(laneDev, mqttwire.KindState)
	broker.waitFor(state, 5*time.Second, nil)
	first := lane.MQTT().Established()
	for range 5 {
		lane.Reconfigure()
		time.Sleep(20 * time.Millisecond)
	}
	if got := lane.MQTT().Established(); !got.Equal(first) || broker.count(state) != 1 {
		t.Fatalf("kicks without a change reconnected: connection %s → %s, %d state messages", first, got, broker.count(state))
	}
	// A real change reconnects: offline (this connection's time), then
	// online with a later time.
	mark := broker.mark()
	pass.Store("rotated") // the broker refuses it; the offline goes out first
	lane.Reconfigure()
	broker.waitFrom(mark, state, 5*time.Second, func(b []byte) bool {
		s, err := mqttwire.DecodeState(b)
		return err == nil && !s.Online
	})
	pass.Store(lanePass)
	lane.Reconfigure()
	broker.waitFrom(mark, state, 5*time.Second, func(b []byte) bool {
		s, err := mqttwire.DecodeState(b)
		return err == nil && s.Online
	})
	var times []int64
	broker.mu.Lock()
	for _, m := range broker.msgs[mark:] {
		if m.topic == state {
			s, _ := mqttwire.DecodeState(m.payload)
			times = append(times, s.Time)
		}
	}
	broker.mu.Unlock()
	if len(times) < 2 || times[0] != mqttwire.Millis(first) || times[len(times)-1] <= times[0] {
		t.Errorf("state times after a reconnect %v (first connection at %d), want offline at the first, online later", times, mqttwire.Millis(first))
	}
}
