package agent_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"io"
	"log/slog"
	"net"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/listeners"
	"github.com/mochi-mqtt/server/v2/packets"

	"gatewarden/cpe-agent/agent"
	"gatewarden/protocol/cwmp"
	"gatewarden/protocol/datamodel"
	"gatewarden/protocol/mqttwire"
)

// mqttBroker is a mochi broker on loopback standing in for the ACS's:
// it admits one username with the password the test's "ACS" sets over
// CWMP, and records what the agent publishes.
type mqttBroker struct {
	t    *testing.T
	srv  *mochi.Server
	addr string
	user string

	mu   sync.Mutex
	pass string
	msgs []mqttMsg
}

type mqttMsg struct {
	topic   string
	payload []byte
}

type mqttAuth struct {
	mochi.HookBase
	b *mqttBroker
}

func (h *mqttAuth) ID() string { return "agent-test-auth" }
func (h *mqttAuth) Provides(b byte) bool {
	return b == mochi.OnConnectAuthenticate || b == mochi.OnACLCheck
}
func (h *mqttAuth) OnConnectAuthenticate(cl *mochi.Client, pk packets.Packet) bool {
	h.b.mu.Lock()
	defer h.b.mu.Unlock()
	return h.b.pass != "" && string(pk.Connect.Username) == h.b.user && cl.ID == h.b.user &&
		bytes.Equal(pk.Connect.Password, []byte(h.b.pass))
}
func (h *mqttAuth) OnACLCheck(*mochi.Client, string, bool) bool { return true }

func startMQTTBroker(t *testing.T, user, pass string) *mqttBroker {
	t.Helper()
	b := &mqttBroker{t: t, addr: freeAddr(t), user: user, pass: pass}
	b.srv = mochi.New(&mochi.Options{InlineClient: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err := b.srv.AddHook(&mqttAuth{b: b}, nil); err != nil {
		t.Fatal(err)
	}
	if err := b.srv.AddListener(listeners.NewTCP(listeners.Config{ID: "t", Address: b.addr})); err != nil {
		t.Fatal(err)
	}
	if err := b.srv.Subscribe("gw/v1/d/+/+", 1, func(_ *mochi.Client, _ packets.Subscription, pk packets.Packet) {
		b.mu.Lock()
		b.msgs = append(b.msgs, mqttMsg{topic: pk.TopicName, payload: bytes.Clone(pk.Payload)})
		b.mu.Unlock()
	}); err != nil {
		t.Fatal(err)
	}
	go func() { _ = b.srv.Serve() }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.Dial("tcp", b.addr)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Cleanup(func() { b.srv.Close() })
	return b
}

func (b *mqttBroker) publish(topic string, payload []byte) {
	b.t.Helper()
	if err := b.srv.Publish(topic, payload, false, 1); err != nil {
		b.t.Fatal(err)
	}
}

// waitMsg waits for a message on topic that match accepts.
func (b *mqttBroker) waitMsg(topic string, match func([]byte) bool) []byte {
	b.t.Helper()
	deadline := time.Now().Add(waitLimit)
	for {
		b.mu.Lock()
		for _, m := range b.msgs {
			if m.topic == topic && (match == nil || match(m.payload)) {
				b.mu.Unlock()
				return m.payload
			}
		}
		b.mu.Unlock()
		if time.Now().After(deadline) {
			b.t.Fatalf("no matching message on %s", topic)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// mqttDevice is a device whose first session, like the ACS's, also sets
// the MQTT password, and a broker it then connects to.
type mqttDevice struct {
	*device
	broker *mqttBroker
	id     string
	priv   ed25519.PrivateKey
}

const mqttPass = "mqtt-secret-1"

func newMQTTDevice(t *testing.T) *mqttDevice {
	t.Helper()
	d := newDevice(t, deviceOpts{})
	id := datamodel.DeviceID{OUI: d.cfg.OUI, ProductClass: d.cfg.ProductClass, SerialNumber: d.cfg.Serial}.String()
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	m := &mqttDevice{device: d, broker: startMQTTBroker(t, id, mqttPass), id: id, priv: priv}
	d.cfg.MQTTURL = "mqtt://" + m.broker.addr
	d.cfg.MQTT.PushKey = hex.EncodeToString(pub)
	d.cfg.MQTT.TelemetryInterval = time.Minute
	return m
}

// provision runs the first session, in which the ACS sets the MQTT
// credentials, and waits until the agent is on the broker.
func (m *mqttDevice) provision() {
	m.t.Helper()
	s, _ := m.bootstrap()
	if resp := callOK[*cwmp.SetParameterValuesResponse](m.device, s, spv("mqtt",
		"Device.MQTT.Client.1.Username", m.id,
		"Device.MQTT.Client.1.Password", mqttPass)); resp.Status != 0 {
		m.t.Fatalf("SPV of the MQTT credentials: status %d", resp.Status)
	}
	m.end(s)
	deadline := time.Now().Add(waitLimit)
	for m.a.MQTTStatus() != "Connected" {
		if time.Now().After(deadline) {
			m.t.Fatalf("MQTT status %q after the credentials were set, want Connected", m.a.MQTTStatus())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (m *mqttDevice) signed(version string, kv ...string) mqttwire.Push {
	m.t.Helper()
	p := mqttwire.Push{Kind: mqttwire.PushBundle, ID: mqttwire.NewID(), Time: mqttwire.Millis(m.clk.Now()),
		Target: "d/" + m.id, Version: version}
	for i := 0; i+1 < len(kv); i += 2 {
		p.Values = append(p.Values, mqttwire.Value{Name: kv[i], Value: kv[i+1]})
	}
	if err := p.Sign(m.priv); err != nil {
		m.t.Fatal(err)
	}
	return p
}

func (m *mqttDevice) push(p mqttwire.Push) mqttwire.Ack {
	m.t.Helper()
	b, err := p.Encode()
	if err != nil {
		m.t.Fatal(err)
	}
	m.broker.publish(mqttwire.DeviceTopic(m.id, mqttwire.KindPush), b)
	var ack mqttwire.Ack
	m.broker.waitMsg(mqttwire.DeviceTopic(m.id, mqttwire.KindAck), func(b []byte) bool {
		a, err := mqttwire.DecodeAck(b)
		if err == nil && a.ID == p.ID {
			ack = a
			return true
		}
		return false
	})
	return ack
}

// TestMQTTConnectionRequestAndPush: the agent joins the lane once the ACS
// has set its password over CWMP; a connection request over MQTT opens a
// session with "6 CONNECTION REQUEST" within a second; a signed bundle is
// applied with SetParameterValues' all-or-nothing semantics, sets
// ParameterKey, and is acked; the next Inform carries the new key.
func TestMQTTConnectionRequestAndPush(t *testing.T) {
	m := newMQTTDevice(t)
	m.provision()

	// Online, retained, on the device's state topic.
	st, err := mqttwire.DecodeState(m.broker.waitMsg(mqttwire.DeviceTopic(m.id, mqttwire.KindState), nil))
	if err != nil || !st.Online {
		t.Fatalf("state %+v, %v; want online", st, err)
	}

	cr, err := mqttwire.ConnectionRequest{ID: "cr-1", Time: mqttwire.Millis(m.clk.Now())}.Encode()
	if err != nil {
		t.Fatal(err)
	}
	sent := time.Now()
	m.broker.publish(mqttwire.DeviceTopic(m.id, mqttwire.KindConnReq), cr)
	s, ex, inf := m.inform()
	if d := ex.Arrived.Sub(sent); d > time.Second {
		t.Errorf("Inform %s after the MQTT connection request, want under 1 s", d)
	}
	wantEvents(t, inf, "6 CONNECTION REQUEST")
	m.finish(s, ex)

	// All or nothing: one bad value refuses the whole bundle.
	const ssid = "Device.WiFi.SSID.1.SSID"
	bad := m.signed("wifi@1", ssid, "pushed", "Device.WiFi.Radio.1.Channel", "999")
	if a := m.push(bad); a.Status != mqttwire.AckFault || a.Fault == nil || a.Fault.Code != int(cwmp.FaultInvalidParameterValue) {
		t.Fatalf("bad bundle: ack %+v, want fault 9007", a)
	}
	good := m.signed("wifi@2", ssid, "pushed")
	if a := m.push(good); a.Status != mqttwire.AckApplied || a.Version != "wifi@2" {
		t.Fatalf("good bundle: ack %+v, want applied", a)
	}
	if a := m.push(m.signed("wifi@2", ssid, "pushed")); a.Status != mqttwire.AckUnchanged {
		t.Fatalf("same version again: ack %+v, want unchanged", a)
	}

	cr, _ = mqttwire.ConnectionRequest{ID: "cr-2", Time: mqttwire.Millis(m.clk.Now())}.Encode()
	m.broker.publish(mqttwire.DeviceTopic(m.id, mqttwire.KindConnReq), cr)
	s, ex, inf = m.inform()
	if got := values(inf.ParameterList)["Device.ManagementServer.ParameterKey"]; got != "wifi@2" {
		t.Errorf("Inform's ParameterKey %q, want the bundle's version", got)
	}
	m.open(s, ex)
	got := values(callOK[*cwmp.GetParameterValuesResponse](m.device, s, gpv(ssid, "Device.MQTT.Client.1.Password", "Device.MQTT.Client.1.Status")).ParameterList)
	if got[ssid] != "pushed" {
		t.Errorf("%s = %q after the push, want pushed", ssid, got[ssid])
	}
	if got["Device.MQTT.Client.1.Password"] != "" {
		t.Error("the ACS can read the MQTT password back")
	}
	if got["Device.MQTT.Client.1.Status"] != "Connected" {
		t.Errorf("Device.MQTT.Client.1.Status = %q", got["Device.MQTT.Client.1.Status"])
	}
	m.end(s)

	// Telemetry goes out at its interval (the fake clock's), with the
	// line statistics and no secret.
	m.clk.Advance(2 * time.Minute)
	tm, err := mqttwire.DecodeTelemetry(m.broker.waitMsg(mqttwire.DeviceTopic(m.id, mqttwire.KindTelemetry), nil))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"Device.DSL.Line.1.DownstreamNoiseMargin", "Device.DSL.Channel.1.DownstreamCurrRate", "Device.DeviceInfo.UpTime", "Device.DSL.Line.1.Stats.BytesReceived"} {
		if _, ok := tm.Values[name]; !ok {
			t.Errorf("telemetry lacks %s: %v", name, tm.Values)
		}
	}
	for name := range tm.Values {
		if strings.Contains(name, "Password") {
			t.Errorf("telemetry carries %s", name)
		}
	}
}

// TestMQTTPasswordChangeReconnects: a new password from the ACS
// reconnects the lane with it.
func TestMQTTPasswordChangeReconnects(t *testing.T) {
	m := newMQTTDevice(t)
	m.provision()
	m.broker.mu.Lock()
	m.broker.pass = "rotated-2"
	m.broker.mu.Unlock()
	cr, _ := mqttwire.ConnectionRequest{ID: "cr-x", Time: mqttwire.Millis(m.clk.Now())}.Encode()
	m.broker.publish(mqttwire.DeviceTopic(m.id, mqttwire.KindConnReq), cr)
	s, ex, _ := m.inform()
	m.open(s, ex)
	callOK[*cwmp.SetParameterValuesResponse](m.device, s, spv("mqtt-2", "Device.MQTT.Client.1.Password", "rotated-2"))
	m.end(s)
	// Connected is not yet subscribed: wait until the broker holds the
	// new connection's subscription to its connection-request topic, or
	// the request below could arrive in between and be dropped.
	crTopic := mqttwire.DeviceTopic(m.id, mqttwire.KindConnReq)
	deadline := time.Now().Add(waitLimit)
	for {
		cl, ok := m.broker.srv.Clients.Get(m.id)
		_, subscribed := m.broker.srv.Topics.Subscribers(crTopic).Subscriptions[m.id]
		if ok && !cl.Closed() && bytes.Equal(cl.Properties.Username, []byte(m.id)) && m.a.MQTTStatus() == "Connected" && subscribed {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not reconnected with the new password: status %q", m.a.MQTTStatus())
		}
		time.Sleep(5 * time.Millisecond)
	}
	cr, _ = mqttwire.ConnectionRequest{ID: "cr-y", Time: mqttwire.Millis(m.clk.Now())}.Encode()
	m.broker.publish(crTopic, cr)
	s, ex, inf := m.inform()
	wantEvents(t, inf, "6 CONNECTION REQUEST")
	m.finish(s, ex)
}

// TestMQTTConfigOptions: the UCI options of the lane.
func TestMQTTConfigOptions(t *testing.T) {
	file := t.TempDir() + "/gatewarden"
	writeMQTTConfig(t, file, `config agent 'main'
	option acs_url 'http://acs.example/cwmp'
	option mqtt_url 'mqtts://acs.example:8884'
	option mqtt_push_key '/etc/gatewarden/push.pub'
	option mqtt_telemetry_interval '60'
	option mqtt_telemetry 'Device.DeviceInfo.UpTime   Device.DSL.Line.1.Status'
`)
	c := agent.DefaultConfig()
	if err := agent.LoadConfigFile(&c, file, true); err != nil {
		t.Fatal(err)
	}
	want := agent.MQTTConfig{PushKey: "/etc/gatewarden/push.pub", TelemetryInterval: time.Minute,
		Telemetry: "Device.DeviceInfo.UpTime Device.DSL.Line.1.Status"}
	if !reflect.DeepEqual(c.MQTT, want) || c.MQTTURL != "mqtts://acs.example:8884" {
		t.Errorf("MQTT config %+v %q, want %+v", c.MQTT, c.MQTTURL, want)
	}
	writeMQTTConfig(t, file, "config agent 'main'\n\toption mqtt_telemetry_interval '0'\n")
	c = agent.DefaultConfig()
	if err := agent.LoadConfigFile(&c, file, true); err != nil || c.MQTT.TelemetryInterval >= 0 {
		t.Errorf("interval 0: %v, %v; want telemetry off", c.MQTT.TelemetryInterval, err)
	}
}

// TestMQTTBadSettingsStopTheAgent: a push key or broker URL that cannot
// work stops the agent at start, where the operator looks.
func TestMQTTBadSettingsStopTheAgent(t *testing.T) {
	for _, c := range []struct{ url, key string }{
		{"http://broker.example", ""},
		{"mqtt://broker.example/path", ""},
		{"mqtt://broker.example", "/nonexistent/push.pub"},
		{"mqtt://broker.example", "not a key"},
	} {
		d := newDevice(t, deviceOpts{})
		d.cfg.MQTTURL, d.cfg.MQTT.PushKey = c.url, c.key
		a, err := agent.New(d.cfg)
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- a.Run(t.Context()) }()
		select {
		case err := <-done:
			if err == nil {
				t.Errorf("url %q key %q: Run returned nil", c.url, c.key)
			}
		case <-time.After(waitLimit):
			t.Fatalf("url %q key %q: the agent runs", c.url, c.key)
		}
	}
}

func writeMQTTConfig(t *testing.T, file, text string) {
	t.Helper()
	if err := os.WriteFile(file, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}
