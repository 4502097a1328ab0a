package e2e

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"gatewarden/acs/server"
	"gatewarden/cpe-agent/agent"
	"gatewarden/protocol/datamodel"
	"gatewarden/protocol/mqttwire"
	"gatewarden/testbench/fleet"
)

// pushDevices is how many agents TestMQTTGroupPush runs: 1,000 in `make
// test`; E2E_MQTT_DEVICES raises it for `make bench`.
func pushDevices(t *testing.T) int {
	if v := os.Getenv("E2E_MQTT_DEVICES"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("E2E_MQTT_DEVICES=%q: want a positive number", v)
		}
		return n
	}
	return 1000
}

// TestMQTTGroupPush is the MQTT lane's acceptance item 3: a preset pushed
// to a group of 1,000 agents in this process is applied and acked by
// every one (time to 99% reported); then a replay of the very bundle the
// ACS published and tampered copies of it reach every agent (their
// received-message counters say so), and every agent rejects them:
// nothing is acked, nothing changes. The ACS uses a broker the test runs
// as its external broker, so the test can publish what the embedded
// broker would let only the ACS publish: the agents must hold even when
// the broker is the attacker.
func TestMQTTGroupPush(t *testing.T) {
	t.Parallel()
	n := pushDevices(t)
	const (
		ssid     = "Device.WiFi.SSID.1.SSID"
		keyParam = "Device.ManagementServer.ParameterKey"
		received = "Device.MQTT.Client.1.Stats.PublishReceived"
	)
	rogue := startRogueBroker(t, nil)
	// Devices are kept off the broker until they are tagged: the ACS sends
	// a device its group list when it comes online (and before a push
	// only to members whose list changed, right before publishing, which
	// races their subscribing; see the report), so devices that come
	// online tagged are subscribed to their group when the push goes out.
	rogue.admitDevices(false)
	acs, _ := startACSWith(t, func(c *server.Config) { c.MQTTExternal = rogue.externalURL() })
	rogue.setSecret(acs.secret)
	admin := acs.api(t, "admin")
	keyFile := pushKeyFile(t, acs.dir)
	admin.fastRetry()

	started := time.Now()
	ctx, cancel := context.WithCancel(context.Background())
	fl, err := fleet.Start(ctx, fleet.Options{
		ACSURL:         acs.cwmp,
		Password:       func(serial string) string { return server.CPEPassword(acs.secret, serial) },
		Devices:        n,
		SerialPrefix:   "BULK",
		DataDir:        t.TempDir(),
		PeriodicInform: 24 * time.Hour,
		Logger:         testLogger(),
		Configure: func(_ int, c *agent.Config) {
			c.MQTTURL = "mqtt://" + rogue.addr
			c.MQTT.PushKey = keyFile
			c.MQTT.TelemetryInterval = -1
		},
	})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		if err := fl.Wait(); err != nil {
			t.Errorf("fleet: %v", err)
		}
	})
	serials := fl.Serials()
	agents := func(yield func(string, *agent.Agent) bool) {
		for i, s := range serials {
			if !yield(s, fl.Agent(i)) {
				return
			}
		}
	}
	ids := make([]string, n)
	for i, s := range serials {
		ids[i] = datamodel.DeviceID{OUI: "0090F5", ProductClass: "SIM", SerialNumber: s}.String()
	}
	tagAll(t, admin, ids, "bulk", 2*time.Minute)
	tagged := time.Since(started)
	rogue.admitDevices(true)
	waitOnLane(t, 2*time.Minute, agents)
	subscribed := func() int {
		k := 0
		for i := range n {
			if g := fl.Agent(i).MQTTGroups(); len(g) == 1 && g[0] == "bulk" {
				k++
			}
		}
		return k
	}
	deadline := time.Now().Add(2 * time.Minute)
	for k := subscribed(); k < n; k = subscribed() {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d agents subscribed to their group within 2 minutes", k, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("%d agents provisioned and tagged in %s, on the lane and subscribed to their group in %s", n,
		tagged.Round(time.Millisecond), time.Since(started).Round(time.Millisecond))
	admin.putPreset("bulk-ssid", "bulk", ssid, "bulk-1")

	mark := rogue.mark()
	t0 := time.Now()
	p := admin.startPush("bulk-ssid", "bulk")
	var t99, tAll time.Duration
	acked := map[string]bool{}
	deadline = time.Now().Add(2 * time.Minute)
	for len(acked) < n {
		for _, m := range rogue.since(mark, "/"+mqttwire.KindAck) {
			a, err := mqttwire.DecodeAck(m.Payload)
			if err != nil || a.Version != p.Version {
				continue
			}
			if a.Status != mqttwire.AckApplied {
				t.Fatalf("%s acked %s, want applied", m.Topic, m.Payload)
			}
			if !acked[m.Topic] {
				acked[m.Topic] = true
				if len(acked) == (n*99+99)/100 {
					t99 = m.At.Sub(t0)
				}
				if len(acked) == n {
					tAll = m.At.Sub(t0)
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d agents acked within 2 minutes", len(acked), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("group push to %d agents: 99%% acked %s after the API call, all %s", n, t99.Round(time.Millisecond), tAll.Round(time.Millisecond))
	eventually(t, eventWithin, "the ACS records every ack", func() bool { return admin.push(p.ID).Counts.Applied == n })
	for s, a := range agents {
		if v := agentValue(t, a, ssid); v != "bulk-1" {
			t.Fatalf("%s holds %s = %q after the push", s, ssid, v)
		}
		if k := agentValue(t, a, keyParam); k != p.Version {
			t.Fatalf("%s ParameterKey %q, want the bundle's %q", s, k, p.Version)
		}
	}

	// The genuine bundle as it went over the wire.
	var genuine []byte
	for _, m := range rogue.since(mark, "/push") {
		if m.Topic == mqttwire.GroupPushTopic("bulk") {
			genuine = m.Payload
			break
		}
	}
	if genuine == nil {
		t.Fatal("no bundle seen on the group's push topic")
	}
	orig, err := mqttwire.DecodePush(genuine)
	if err != nil {
		t.Fatal(err)
	}
	before := make([]int, n)
	for i := range n {
		before[i], _ = strconv.Atoi(agentValue(t, fl.Agent(i), received))
	}
	attack := rogue.mark()
	topic := mqttwire.GroupPushTopic("bulk")
	// 1. The exact bytes again.
	rogue.publish(topic, genuine, false)
	// 2. Another value under the genuine signature, as a new message.
	evil := orig
	evil.Values = []mqttwire.Value{{Name: ssid, Value: "evil"}}
	evil.ID, evil.Time = mqttwire.NewID(), mqttwire.Millis(time.Now())
	b, err := evil.Encode()
	if err != nil {
		t.Fatal(err)
	}
	rogue.publish(topic, b, false)
	// 3. A new version under the genuine signature.
	bumped := orig
	bumped.Version = "evil@1"
	b, err = bumped.Encode()
	if err != nil {
		t.Fatal(err)
	}
	rogue.publish(topic, b, false)
	// A barrier: the same version, signed by the ACS's key with a new id,
	// which each agent answers "unchanged" once it has dealt with every
	// message before it (one apply loop per agent, in order).
	priv, err := mqttwire.ParsePrivateKey(mustRead(t, filepath.Join(acs.dir, "push.key")))
	if err != nil {
		t.Fatal(err)
	}
	barrier := orig
	barrier.ID, barrier.Time = mqttwire.NewID(), mqttwire.Millis(time.Now())
	if err := barrier.Sign(priv); err != nil {
		t.Fatal(err)
	}
	b, err = barrier.Encode()
	if err != nil {
		t.Fatal(err)
	}
	rogue.publish(topic, b, false)
	unchanged := map[string]bool{}
	eventually(t, time.Minute, "every agent answers the barrier", func() bool {
		for _, m := range rogue.since(attack, "/"+mqttwire.KindAck) {
			a, err := mqttwire.DecodeAck(m.Payload)
			if err != nil {
				t.Fatalf("bad ack %s", m.Payload)
			}
			if a.ID == orig.ID || a.ID == evil.ID || a.ID == bumped.ID {
				t.Fatalf("%s acked an injected message: %s", m.Topic, m.Payload)
			}
			if a.ID != barrier.ID {
				continue // the ACS's own re-sends
			}
			if a.Status != mqttwire.AckUnchanged {
				t.Fatalf("%s answered the barrier %s, want unchanged", m.Topic, m.Payload)
			}
			unchanged[m.Topic] = true
		}
		return len(unchanged) == n
	})
	for i := range n {
		a := fl.Agent(i)
		got, _ := strconv.Atoi(agentValue(t, a, received))
		if got-before[i] < 4 {
			t.Errorf("%s received %d of the 4 injected messages", serials[i], got-before[i])
		}
		if v := agentValue(t, a, ssid); v != "bulk-1" {
			t.Errorf("%s holds %s = %q after the attack", serials[i], ssid, v)
		}
		if k := agentValue(t, a, keyParam); k != p.Version {
			t.Errorf("%s ParameterKey %q after the attack, want %q", serials[i], k, p.Version)
		}
	}
	got := admin.push(p.ID)
	if got.Counts.Applied != n || got.Counts.Rejected != 0 || got.Counts.Fault != 0 {
		t.Errorf("push counts after the attack: %+v", got.Counts)
	}
	t.Logf("replayed and tampered bundles reached all %d agents; each rejected them, nothing acked or changed", n)
}

func mustRead(t testing.TB, file string) []byte {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// tagAll tags every device as soon as the ACS knows it (its first Inform),
// sixteen at a time.
func tagAll(t *testing.T, admin *apiClient, ids []string, tag string, within time.Duration) {
	t.Helper()
	hc := &http.Client{Timeout: 30 * time.Second}
	tagOne := func(id string) error {
		deadline := time.Now().Add(within)
		for {
			req, err := http.NewRequest("PUT", admin.base+devicePath(id)+"/tags/"+tag, nil)
			if err != nil {
				return err
			}
			req.Header.Set("Authorization", "Bearer "+admin.token)
			resp, err := hc.Do(req)
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode/100 == 2 {
					return nil
				}
				err = fmt.Errorf("HTTP %d", resp.StatusCode)
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("tagging %s: %w", id, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	work := make(chan string)
	errs := make(chan error, len(ids))
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range work {
				if err := tagOne(id); err != nil {
					errs <- err
				}
			}
		}()
	}
	for _, id := range ids {
		work <- id
	}
	close(work)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}
