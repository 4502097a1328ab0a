package model_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"gatewarden/cpe-agent/internal/clock"
	"gatewarden/cpe-agent/internal/model"
	"gatewarden/cpe-agent/internal/store"
	"gatewarden/protocol/cwmp"
)

type fakeLive struct {
	status atomic.Value
	since  time.Time
	sent   atomic.Uint64
}

func (f *fakeLive) Status() string {
	if s, ok := f.status.Load().(string); ok {
		return s
	}
	return "Disabled"
}
func (f *fakeLive) Established() time.Time   { return f.since }
func (f *fakeLive) PublishSent() uint64      { return f.sent.Load() }
func (f *fakeLive) PublishReceived() uint64  { return 7 }
func (f *fakeLive) ConnectionErrors() uint64 { return 2 }

// mqttTree builds a tree with only ManagementServer and the MQTT client
// over the store file in dir.
func mqttTree(t *testing.T, dir string, live model.MQTTLive) (*model.Tree, func()) {
	t.Helper()
	st, err := store.Open(filepath.Join(dir, "state.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := model.NewRegistry()
	model.BindManagementServer(r, model.ManagementDefaults{URL: "http://127.0.0.1/cwmp"})
	model.BindMQTTClient(r, model.MQTTDefaults{
		Enable: true, BrokerAddress: "broker.example", ClientID: "0090F5-SIM-X1", Username: "0090F5-SIM-X1",
	}, live)
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	tree, err := model.New(context.Background(), r, model.Options{Store: st, Clock: clock.NewFake(epoch)})
	if err != nil {
		t.Fatal(err)
	}
	return tree, func() { tree.Close(); st.Close() }
}

func TestMQTTClientBinding(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	live := &fakeLive{since: epoch}
	live.status.Store("Connected")
	live.sent.Store(41)
	tree, done := mqttTree(t, dir, live)

	const c = model.MQTTClientPath
	got := gpv(t, tree, c)
	want := map[string]string{
		c + "Enable":                            "true",
		c + "BrokerAddress":                     "broker.example",
		c + "BrokerPort":                        "1883", // the schema's default
		c + "TransportProtocol":                 "TCP/IP",
		c + "ClientID":                          "0090F5-SIM-X1",
		c + "Username":                          "0090F5-SIM-X1",
		c + "Password":                          "",
		c + "Status":                            "Connected",
		c + "Stats.BrokerConnectionEstablished": "2025-03-01T12:00:00Z",
		c + "Stats.PublishSent":                 "41",
		c + "Stats.PublishReceived":             "7",
		c + "Stats.ConnectionErrors":            "2",
	}
	for name, v := range want {
		if got[name] != v {
			t.Errorf("%s = %q, want %q", name, got[name], v)
		}
	}

	// The ACS sets the broker and the secret in its first session; the
	// secret reads back empty to it, but the agent reads the real value.
	status, err := tree.SetParameterValues(ctx, []cwmp.ParameterValueStruct{
		{Name: c + "BrokerAddress", Value: "10.0.0.1", Type: "xsd:string"},
		{Name: c + "BrokerPort", Value: "8883", Type: "xsd:unsignedInt"},
		{Name: c + "TransportProtocol", Value: "TLS", Type: "xsd:string"},
		{Name: c + "Password", Value: "s3cret", Type: "xsd:string"},
	}, "mqtt-1")
	if err != nil || status != 0 {
		t.Fatalf("SetParameterValues: status %d, %v", status, err)
	}
	if v := gpv(t, tree, c+"Password")[c+"Password"]; v != "" {
		t.Errorf("the ACS reads Password as %q, want it hidden", v)
	}
	if v, err := tree.Value(ctx, c+"Password"); err != nil || v != "s3cret" {
		t.Errorf("the agent reads Password as %q, %v", v, err)
	}
	if _, _, err := tree.AddObject(ctx, "Device.MQTT.Client.", "k"); err == nil {
		t.Error("AddObject on the MQTT client table succeeded; the lane's client is listed, not managed")
	}
	if _, err := tree.DeleteObject(ctx, c, "k"); err == nil {
		t.Error("DeleteObject of the lane's MQTT client succeeded")
	}
	_, err = tree.SetParameterValues(ctx, []cwmp.ParameterValueStruct{{Name: c + "TransportProtocol", Value: "Pigeon"}}, "bad")
	var f *cwmp.Fault
	if !errors.As(err, &f) || f.FaultCode != cwmp.FaultInvalidArguments {
		t.Errorf("an unknown TransportProtocol: %v, want fault 9003", err)
	}
	done()

	// Persisted: a restart keeps what the ACS set.
	tree, done = mqttTree(t, dir, live)
	defer done()
	for name, v := range map[string]string{c + "BrokerAddress": "10.0.0.1", c + "BrokerPort": "8883", c + "Password": "s3cret"} {
		if got, err := tree.Value(ctx, name); err != nil || got != v {
			t.Errorf("after a restart %s = %q (%v), want %q", name, got, err, v)
		}
	}
}

func gpv(t *testing.T, tree *model.Tree, names ...string) map[string]string {
	t.Helper()
	list, err := tree.GetParameterValues(context.Background(), names)
	if err != nil {
		t.Fatalf("GetParameterValues(%v): %v", names, err)
	}
	m := map[string]string{}
	for _, p := range list {
		m[p.Name] = p.Value
	}
	return m
}
