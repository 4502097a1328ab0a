package broker

import (
	"context"
	"fmt"
	"net"
	"sync"
	"testing"

	"gatewarden/acs/internal/store"
)

type fakeDevices struct {
	mu   sync.Mutex
	devs map[string]store.Device
}

func (f *fakeDevices) Device(_ context.Context, id string) (store.Device, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	d, ok := f.devs[id]
	if !ok {
		return store.Device{}, fmt.Errorf("device %s: %w", id, store.ErrNotFound)
	}
	return d, nil
}

const (
	devA = "00D09E-GW-A001"
	devB = "00D09E-GW-B002"
)

func testDevices() *fakeDevices {
	return &fakeDevices{devs: map[string]store.Device{
		devA: {ID: devA, Tags: []string{"pilot"}},
		devB: {ID: devB, Tags: []string{"other"}},
	}}
}

func startEmbedded(t *testing.T, devs DeviceSource, pw *Passwords) *Embedded {
	t.Helper()
	e, err := NewEmbedded(EmbeddedConfig{Addr: "127.0.0.1:0", Passwords: pw, Devices: devs})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

func TestEmbeddedAccessWithMosquittoClients(t *testing.T) {
	pw := NewPasswords([]byte("fleet secret for tests"))
	e := startEmbedded(t, testDevices(), pw)
	ctx := context.Background()
	runAccessAcceptance(t, acsView{
		port:      e.Addr().(*net.TCPAddr).Port,
		publish:   func(topic string, p []byte) error { return e.Publish(ctx, topic, p, 1, false) },
		subscribe: func(f string, h Handler) error { return e.Subscribe(ctx, f, 1, h) },
	}, login{devA, pw.Password(devA)}, login{devB, pw.Password(devB)})
}

func TestUnknownDeviceRefused(t *testing.T) {
	pw := NewPasswords([]byte("fleet secret for tests"))
	e := startEmbedded(t, testDevices(), pw)
	ghost := "00D09E-GW-GONE"
	out, err := subOnce(t, e.Addr().(*net.TCPAddr).Port, login{ghost, pw.Password(ghost)}, "gw/v1/fleet/push", 3)
	if err == nil {
		t.Fatalf("a deleted device connected: %s", out)
	}
}
