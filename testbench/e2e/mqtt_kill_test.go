package e2e

import (
	"math/rand/v2"
	"testing"
	"time"

	"gatewarden/acs/server"
	"gatewarden/protocol/cwmp"
)

// TestMQTTKill9DuringPush is the MQTT lane's acceptance item 5: `acs
// serve` (broker and all) runs as a child process and is killed with
// SIGKILL in the middle of a push to a group, at a random moment between
// the API's answer and the acks; it restarts on the same data directory
// and broker port. In the end every device holds the preset's value, no
// delivery is left pending, and each device applied it exactly once: by
// the bundle (the agent's own count) or over CWMP (the wiretap's), never
// both, never twice.
func TestMQTTKill9DuringPush(t *testing.T) {
	t.Parallel()
	const (
		devices = 12
		rounds  = 2
		ssid    = "Device.WiFi.SSID.1.SSID"
	)
	bin := buildBinary(t, "acs/cmd/acs")
	dir := t.TempDir()
	mqttAddr := freePort(t)
	proc := startACSProcess(t, bin, dir, "--mqtt-addr", mqttAddr)
	admin := newAPIClient(t, proc.apiURL, adminToken(t, dir))
	secret, err := server.LoadFleetSecret(dir)
	if err != nil {
		t.Fatal(err)
	}
	admin.fastRetry()
	devs := startLaneDevices(t, proc.cwmp, secret, "MQKILL", devices, "mqtt://"+mqttAddr, pushKeyFile(t, dir))
	for _, d := range devs {
		d.Tap.waitFor(t, 0, eventWithin, "first session of "+d.Serial, func(log []exchange) bool {
			return sessionEnded(log, cwmp.EventBootstrap)
		})
		admin.tag(d.ID, "crash")
	}
	comeBackTagged(t, devs, "crash")

	restart := func() {
		t.Helper()
		proc.kill(t)
		proc = startACSProcess(t, bin, dir, "--mqtt-addr", mqttAddr)
		admin = newAPIClient(t, proc.apiURL, adminToken(t, dir))
		for _, d := range devs {
			d.Tap.retarget(proc.cwmp)
		}
	}
	for round := range rounds {
		value := "crash-" + string(rune('a'+round))
		for _, d := range devs {
			eventually(t, eventWithin, d.Serial+" subscribed to its group", func() bool {
				g := d.Agent.MQTTGroups()
				return len(g) == 1 && g[0] == "crash"
			})
		}
		admin.putPreset("crash-ssid", "crash", ssid, value)
		p := admin.startPush("crash-ssid", "crash")
		wait := time.Duration(rand.IntN(30)) * time.Millisecond
		time.Sleep(wait)
		restart()

		// The restarted ACS re-publishes what was not acked; devices that
		// still miss it converge at an Inform.
		deadline := time.Now().Add(2 * eventWithin)
		for {
			pending := 0
			for _, st := range admin.deliveries(p.ID) {
				if st == "pending" {
					pending++
				}
			}
			if pending == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("round %d: %d deliveries still pending after the restart", round, pending)
			}
			if time.Until(deadline) < eventWithin {
				for _, d := range devs {
					if admin.deliveries(p.ID)[d.ID] == "pending" {
						pokeAndWait(t, admin, &d.simDevice)
					}
				}
			}
			time.Sleep(200 * time.Millisecond)
		}
		ended := map[string]int{}
		for dev, st := range admin.deliveries(p.ID) {
			ended[st]++
			switch st {
			case "applied", "unchanged", "converged":
			default:
				t.Errorf("round %d: %s ended %q", round, dev, st)
			}
		}
		t.Logf("round %d: push %s killed after %s; deliveries ended %v", round, p.ID, wait, ended)
		// Once each: MQTT applications (the agent's count, cumulative
		// over rounds) plus CWMP deliveries of the value.
		for _, d := range devs {
			if v := agentValue(t, d.Agent, ssid); v != value {
				t.Errorf("round %d: %s holds %q, want %q", round, d.Serial, v, value)
			}
			cwmpSets := 0
			for _, spv := range delivered[*cwmp.SetParameterValues](d.Tap.since(0)) {
				for _, pv := range spv.ParameterList {
					if pv.Name == ssid {
						cwmpSets++
					}
				}
			}
			if got := int(d.applied.Load()) + cwmpSets; got != round+1 {
				t.Errorf("round %d: %s got the value %d times in all (%d bundles, %d over CWMP), want %d:\n%s",
					round, d.Serial, got, d.applied.Load(), cwmpSets, round+1, describe(d.Tap.since(0)))
			}
		}
	}
}
