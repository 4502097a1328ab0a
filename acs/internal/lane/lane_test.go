package lane

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"gatewarden/acs/internal/broker"
	"gatewarden/acs/internal/provision"
	"gatewarden/acs/internal/store"
	boltstore "gatewarden/acs/internal/store/bbolt"
	"gatewarden/protocol/mqttwire"
)

var ctx = context.Background()

type env struct {
	t      *testing.T
	dir    string
	st     *boltstore.Store
	pw     *broker.Passwords
	broker *broker.Embedded
	url    string
	key    ed25519.PrivateKey
}

func newEnv(t *testing.T) *env {
	t.Helper()
	dir := t.TempDir()
	st, err := boltstore.Open(filepath.Join(dir, "acs.db"), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	pw := broker.NewPasswords([]byte("test fleet secret"))
	b, err := broker.NewEmbedded(broker.EmbeddedConfig{Addr: "127.0.0.1:0", Passwords: pw, Devices: st})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	key, err := LoadOrCreatePushKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, dir: dir, st: st, pw: pw, broker: b, url: "tcp://" + b.Addr().String(), key: key}
}

func (e *env) device(id string, tags ...string) {
	e.t.Helper()
	_, err := e.st.RecordInform(ctx, store.Inform{Device: store.Device{ID: id, OUI: "00D09E", ProductClass: "GW", SerialNumber: id, Root: "Device."}})
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.st.UpdateDevice(ctx, id, func(d *store.Device) error { d.Tags = tags; return nil }); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) lane(stragglers time.Duration) *Lane {
	e.t.Helper()
	l, err := New(Config{
		Transport: e.broker, Store: e.st, PushKey: e.key, StragglerAfter: stragglers, FlushEvery: 20 * time.Millisecond,
		Compile: func(expr string) (func(*store.Device, func(string) (store.Param, bool)) bool, error) {
			f, err := provision.Compile(expr)
			if err != nil {
				return nil, err
			}
			return f.Match, nil
		},
	})
	if err != nil {
		e.t.Fatal(err)
	}
	if err := l.Start(ctx); err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(l.Close)
	return l
}

func (e *env) agent(id, paramKey string) *testAgent {
	return startAgent(e.t, e.url, id, e.pw.Password(id), e.key.Public().(ed25519.PublicKey), paramKey)
}

func (e *env) preset(name, filter string) store.Preset {
	e.t.Helper()
	p := store.Preset{Name: name, Filter: filter, Values: []store.PresetValue{
		{Name: "Device.WiFi.SSID.1.SSID", Value: "gatewarden"},
		{Name: "Device.ManagementServer.PeriodicInformInterval", Value: "3600", Type: "unsignedInt"},
		{Name: "InternetGatewayDevice.Ignored.X", Value: "1"},
	}}
	if err := e.st.PutPreset(ctx, &p); err != nil {
		e.t.Fatal(err)
	}
	return p
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestGroupPushAcked(t *testing.T) {
	e := newEnv(t)
	e.device("A1", "pilot")
	e.device("A2", "pilot", "x")
	e.device("B1", "other")
	l := e.lane(time.Hour)
	a1, a2, b1 := e.agent("A1", ""), e.agent("A2", ""), e.agent("B1", "")
	eventually(t, "presence", func() bool { return l.Online("A1") && l.Online("A2") && l.Online("B1") })
	eventually(t, "group lists", func() bool { return a1.inGroup("pilot") && a2.inGroup("pilot") && b1.inGroup("other") })
	e.preset("wifi", `tag = "pilot"`)

	sp, err := l.PushPreset(ctx, "wifi", "pilot", "admin")
	if err != nil {
		t.Fatal(err)
	}
	if len(sp.Values) != 2 || sp.Total() != 2 || len(sp.Version) > 32 {
		t.Fatalf("push %+v", sp)
	}
	eventually(t, "acks", func() bool {
		p, err := e.st.Push(ctx, sp.ID)
		return err == nil && p.Counts[store.DeliveryApplied] == 2
	})
	for _, a := range []*testAgent{a1, a2} {
		applied, rejected, key, vals := a.state()
		if applied != 1 || rejected != 0 || key != sp.Version || vals["Device.WiFi.SSID.1.SSID"] != "gatewarden" {
			t.Fatalf("agent %s: applied %d rejected %d key %q values %v", a.id, applied, rejected, key, vals)
		}
	}
	if applied, _, _, _ := b1.state(); applied != 0 {
		t.Fatal("a device outside the group applied the push")
	}
	// The cache holds the pushed values: the Inform-time diff is empty.
	ps, err := e.st.Params(ctx, "A1", "Device.WiFi.")
	if err != nil || len(ps) != 1 || ps[0].Value != "gatewarden" {
		t.Fatalf("cache after ack: %+v %v", ps, err)
	}

	// A tampered copy and a replayed copy change nothing anywhere.
	b := mqttwire.NewBundle("g/pilot", "m:evil", []mqttwire.Value{{Name: "Device.WiFi.SSID.1.SSID", Value: "evil"}}, time.Now())
	if err := b.Sign(e.key); err != nil {
		t.Fatal(err)
	}
	b.Values[0].Value = "tampered"
	msg, _ := b.Encode()
	if err := e.broker.Publish(ctx, mqttwire.GroupPushTopic("pilot"), msg, 1, false); err != nil {
		t.Fatal(err)
	}
	eventually(t, "rejections", func() bool {
		_, r1, _, _ := a1.state()
		_, r2, _, _ := a2.state()
		return r1 == 1 && r2 == 1
	})
	for _, a := range []*testAgent{a1, a2} {
		applied, _, key, vals := a.state()
		if applied != 1 || key != sp.Version || vals["Device.WiFi.SSID.1.SSID"] != "gatewarden" {
			t.Fatalf("agent %s changed by a tampered bundle", a.id)
		}
	}
}

func TestPushRefusedOutsideFilter(t *testing.T) {
	e := newEnv(t)
	e.device("A1", "pilot")
	e.device("A2", "pilot")
	l := e.lane(time.Hour)
	e.preset("only-a1", `id = "A1"`)
	if _, err := l.PushPreset(ctx, "only-a1", "pilot", "admin"); !errors.Is(err, ErrOutsideFilter) {
		t.Fatalf("push beyond the filter: %v", err)
	}
	if _, err := l.PushPreset(ctx, "only-a1", "nobody", "admin"); !errors.Is(err, ErrNoGroup) {
		t.Fatalf("push to an empty group: %v", err)
	}
	if ps, _ := e.st.ListPushes(ctx, "", 10); len(ps) != 0 {
		t.Fatalf("refused pushes were recorded: %+v", ps)
	}
}

// TestResumeAfterCrash is the ACS half of acceptance 5: a push recorded
// with pending deliveries (the ACS died after publishing, before the
// acks) is re-published by the next ACS; the device that had applied it
// answers "unchanged" without applying again, the other applies it once.
func TestResumeAfterCrash(t *testing.T) {
	e := newEnv(t)
	e.device("A1", "pilot")
	e.device("A2", "pilot")
	p := e.preset("wifi", `tag = "pilot"`)
	version := bundleVersion(&p, bundleValues(&p))
	sp := store.Push{Preset: "wifi", PresetVersion: p.Version, Group: "pilot", Version: version, Values: presetValues(bundleValues(&p))}
	if err := e.st.CreatePush(ctx, &sp); err != nil {
		t.Fatal(err)
	}
	if err := e.st.AddDeliveries(ctx, sp.ID, []string{"A1", "A2"}); err != nil {
		t.Fatal(err)
	}
	// A1 applied it before the crash; its ack never got recorded.
	a1, a2 := e.agent("A1", version), e.agent("A2", "")
	for _, g := range []*testAgent{a1, a2} {
		g.cl.Subscribe(mqttwire.GroupPushTopic("pilot"), 1, g.onMessage).WaitTimeout(5 * time.Second)
	}
	l := e.lane(time.Hour) // the restarted ACS
	eventually(t, "settled", func() bool {
		got, err := e.st.Push(ctx, sp.ID)
		return err == nil && got.Counts[store.DeliveryPending] == 0
	})
	got, _ := e.st.Push(ctx, sp.ID)
	if got.Counts[store.DeliveryUnchanged] != 1 || got.Counts[store.DeliveryApplied] != 1 {
		t.Fatalf("counts %v", got.Counts)
	}
	if n, _, _, _ := a1.state(); n != 0 {
		t.Fatalf("A1 applied the push again (%d)", n)
	}
	if n, _, k, _ := a2.state(); n != 1 || k != version {
		t.Fatalf("A2 applied %d times, key %q", n, k)
	}
	_ = l
}

func TestAtInformConverges(t *testing.T) {
	e := newEnv(t)
	e.device("A1", "pilot")
	e.device("A2", "pilot")
	e.device("A3", "pilot")
	l := e.lane(time.Hour)
	p := e.preset("wifi", `tag = "pilot"`)
	// Nobody is online: the publish reaches no one.
	sp, err := l.PushPreset(ctx, "wifi", "pilot", "admin")
	if err != nil {
		t.Fatal(err)
	}
	// A1 informs with the bundle's version (it applied, the ack was lost).
	d1 := store.Device{ID: "A1", ParameterKey: sp.Version}
	if err := l.AtInform(ctx, &d1); err != nil {
		t.Fatal(err)
	}
	// A2's cache got the values over CWMP (the preset reconciliation).
	var ps []store.Param
	for _, v := range p.Values {
		ps = append(ps, store.Param{Name: v.Name, Value: v.Value})
	}
	if err := e.st.SaveParams(ctx, "A2", ps); err != nil {
		t.Fatal(err)
	}
	d2 := store.Device{ID: "A2", ParameterKey: "p:other"}
	if err := l.AtInform(ctx, &d2); err != nil {
		t.Fatal(err)
	}
	// A3 has neither: it stays pending.
	d3 := store.Device{ID: "A3", ParameterKey: ""}
	if err := l.AtInform(ctx, &d3); err != nil {
		t.Fatal(err)
	}
	got, _ := e.st.Push(ctx, sp.ID)
	if got.Counts[store.DeliveryConverged] != 2 || got.Counts[store.DeliveryPending] != 1 {
		t.Fatalf("counts %v", got.Counts)
	}
	c1, _ := e.st.Params(ctx, "A1", "Device.WiFi.")
	if len(c1) != 1 || c1[0].Value != "gatewarden" {
		t.Fatalf("A1 cache %+v", c1)
	}
}

func TestStragglersGetTheirOwnCopy(t *testing.T) {
	e := newEnv(t)
	e.device("A1", "pilot")
	l := e.lane(200 * time.Millisecond)
	e.preset("wifi", `tag = "pilot"`)
	// The agent ignores group lists: it never subscribes to the group.
	a := startAgent(t, e.url, "A1", e.pw.Password("A1"), e.key.Public().(ed25519.PublicKey), "")
	a.mu.Lock()
	a.groups["pilot"] = true // pretend it is subscribed, so it does not
	a.mu.Unlock()
	eventually(t, "presence", func() bool { return l.Online("A1") })
	sp, err := l.PushPreset(ctx, "wifi", "pilot", "admin")
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "straggler applied", func() bool {
		got, err := e.st.Push(ctx, sp.ID)
		return err == nil && got.Counts[store.DeliveryApplied] == 1
	})
}

func TestPresenceWillAndTelemetry(t *testing.T) {
	e := newEnv(t)
	e.device("A1")
	l := e.lane(time.Hour)
	a := e.agent("A1", "")
	eventually(t, "online", func() bool { return l.Online("A1") })
	for i := range 3 {
		msg, _ := mqttwire.Telemetry{Time: mqttwire.Millis(time.Now().Add(time.Duration(i) * time.Millisecond)),
			Values: map[string]string{"Device.DeviceInfo.UpTime": fmt.Sprint(100 + i)}}.Encode()
		a.cl.Publish(mqttwire.DeviceTopic("A1", mqttwire.KindTelemetry), 0, false, msg).WaitTimeout(5 * time.Second)
	}
	// Junk is counted and dropped, not stored.
	a.cl.Publish(mqttwire.DeviceTopic("A1", mqttwire.KindTelemetry), 0, false, []byte("junk")).WaitTimeout(5 * time.Second)
	eventually(t, "telemetry stored", func() bool {
		s, err := l.Telemetry(ctx, "A1", time.Time{}, 10)
		return err == nil && len(s) == 3
	})
	// A connection request reaches the agent.
	if err := l.RequestConnection(ctx, "A1"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "connection request", func() bool { a.mu.Lock(); defer a.mu.Unlock(); return a.crs == 1 })
	// The connection dies without DISCONNECT: the broker publishes the
	// will, and the device is offline.
	a.conn.Close()
	eventually(t, "offline by the will", func() bool { return !l.Online("A1") })
	b := e.agent("A1", "")
	eventually(t, "online again", func() bool { return l.Online("A1") })
	off, _ := mqttwire.State{Online: false, Time: mqttwire.Millis(time.Now().Add(time.Second))}.Encode()
	b.cl.Publish(mqttwire.DeviceTopic("A1", mqttwire.KindState), 1, true, off).WaitTimeout(5 * time.Second)
	eventually(t, "offline", func() bool { return !l.Online("A1") })
	// An older "online" (a late duplicate) does not override it.
	old, _ := mqttwire.State{Online: true, Time: mqttwire.Millis(time.Now().Add(-time.Hour))}.Encode()
	b.cl.Publish(mqttwire.DeviceTopic("A1", mqttwire.KindState), 1, true, old).WaitTimeout(5 * time.Second)
	time.Sleep(100 * time.Millisecond)
	if l.Online("A1") {
		t.Fatal("an older state overrode a newer one")
	}
}

// A device offline during a push gets it on its own topic as soon as it
// comes online, and applies it once.
func TestPendingSentOnReconnect(t *testing.T) {
	e := newEnv(t)
	e.device("A1", "pilot")
	l := e.lane(time.Hour)
	e.preset("wifi", `tag = "pilot"`)
	sp, err := l.PushPreset(ctx, "wifi", "pilot", "admin")
	if err != nil {
		t.Fatal(err)
	}
	a := e.agent("A1", "")
	eventually(t, "applied after reconnect", func() bool {
		got, err := e.st.Push(ctx, sp.ID)
		return err == nil && got.Counts[store.DeliveryApplied] == 1
	})
	if n, _, k, _ := a.state(); n != 1 || k != sp.Version {
		t.Fatalf("applied %d, key %q", n, k)
	}
}

// A rotated push key reaches agents as a retained message signed by the
// old key; bundles signed by the new key are accepted after it.
func TestPushKeyRotation(t *testing.T) {
	e := newEnv(t)
	e.device("A1", "pilot")
	oldPub := e.key.Public().(ed25519.PublicKey)
	newPub, err := PrepareRotation(e.dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := PrepareRotation(e.dir); err == nil {
		t.Fatal("a second pending rotation was accepted")
	}
	key, rotation, err := LoadPushKeys(e.dir, time.Now())
	if err != nil || rotation == nil || !key.Public().(ed25519.PublicKey).Equal(newPub) {
		t.Fatalf("LoadPushKeys: %v", err)
	}
	// Taken over once: the next start keeps the new key and the message.
	key2, rotation2, err := LoadPushKeys(e.dir, time.Now())
	if err != nil || !key2.Equal(key) || string(rotation2) != string(rotation) {
		t.Fatalf("second LoadPushKeys: %v", err)
	}
	pem, err := PublicPushKey(e.dir)
	if err != nil {
		t.Fatal(err)
	}
	if pub, err := mqttwire.ParsePublicKey(pem); err != nil || !pub.Equal(newPub) {
		t.Fatalf("exported key is not the new one: %v", err)
	}
	e.key = key
	l, err := New(Config{Transport: e.broker, Store: e.st, PushKey: key, Rotation: rotation, StragglerAfter: time.Hour,
		Compile: func(expr string) (func(*store.Device, func(string) (store.Param, bool)) bool, error) {
			f, err := provision.Compile(expr)
			if err != nil {
				return nil, err
			}
			return f.Match, nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	// The agent still trusts the old key, and connects after the start.
	a := startAgent(t, e.url, "A1", e.pw.Password("A1"), oldPub, "")
	eventually(t, "rotation", func() bool { a.mu.Lock(); defer a.mu.Unlock(); return a.rotations == 1 })
	eventually(t, "group list", func() bool { return a.inGroup("pilot") })
	e.preset("wifi", `tag = "pilot"`)
	sp, err := l.PushPreset(ctx, "wifi", "pilot", "admin")
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "applied under the new key", func() bool {
		got, err := e.st.Push(ctx, sp.ID)
		return err == nil && got.Counts[store.DeliveryApplied] == 1
	})
}

// A tag added while the device is connected reaches its group list at
// its next Inform.
func TestGroupsRefreshedAtInform(t *testing.T) {
	e := newEnv(t)
	e.device("A1")
	l := e.lane(time.Hour)
	a := e.agent("A1", "")
	eventually(t, "online", func() bool { return l.Online("A1") })
	d, err := e.st.UpdateDevice(ctx, "A1", func(d *store.Device) error { d.Tags = []string{"late"}; return nil })
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	if a.inGroup("late") {
		t.Fatal("group list sent before any trigger")
	}
	if err := l.AtInform(ctx, &d); err != nil {
		t.Fatal(err)
	}
	eventually(t, "group list at Inform", func() bool { return a.inGroup("late") })
}
