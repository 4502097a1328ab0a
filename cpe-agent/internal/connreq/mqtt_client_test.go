package connreq

import (
	"context"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// mqttClientGoroutines counts goroutines running the MQTT client's code.
func mqttClientGoroutines() int {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	n := 0
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "internal/mqttclient.") {
			n++
		}
	}
	return n
}

// TestMQTTConnectionsLeaveNoGoroutines: reconnects for new settings, a
// connection the broker drops, and stopping the lane each end every
// goroutine of the connection they replace.
func TestMQTTConnectionsLeaveNoGoroutines(t *testing.T) {
	broker := startBroker(t, laneDev, lanePass, "")
	var version atomic.Value
	version.Store("3.1.1")
	lane, err := NewLane(LaneOptions{
		DeviceID: laneDev,
		Settings: func(context.Context) (MQTTSettings, error) {
			return MQTTSettings{Enable: true, Host: "127.0.0.1", Port: uint16(broker.addr.Port),
				ClientID: laneDev, Username: laneDev, Password: lanePass, ProtocolVersion: version.Load().(string),
				RetryMin: 10 * time.Millisecond, RetryMultiplier: 1000, RetryMax: 10 * time.Millisecond}, nil
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
	connected := func() bool { return lane.MQTT().Status() == StatusConnected }
	waitUntil(t, 5*time.Second, "connected", connected)

	// MQTT 3.1 (protocol level 3) is a change of settings: a reconnect.
	first := lane.MQTT().Established()
	version.Store("3.1")
	lane.Reconfigure()
	waitUntil(t, 5*time.Second, "reconnected with MQTT 3.1", func() bool {
		return connected() && lane.MQTT().Established().After(first)
	})
	// The broker drops the connection: the lane notices and comes back.
	second := lane.MQTT().Established()
	broker.dropClient(laneDev)
	waitUntil(t, 5*time.Second, "reconnected after a drop", func() bool {
		return connected() && lane.MQTT().Established().After(second)
	})
	if n := mqttClientGoroutines(); n != 1 {
		t.Errorf("%d client goroutines with one connection, want 1 (its reader)", n)
	}
	cancel()
	<-done
	waitUntil(t, 2*time.Second, "no client goroutines after the lane stopped", func() bool { return mqttClientGoroutines() == 0 })
}
