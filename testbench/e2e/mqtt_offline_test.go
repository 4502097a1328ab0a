package e2e

import (
	"testing"

	"gatewarden/protocol/cwmp"
)

// TestMQTTOfflineDeviceConvergesAtInform is the MQTT lane's acceptance
// item 4: of three devices in a group, two are on the lane and apply the
// push at once; the third cannot reach the broker (its MQTT is down, its
// CWMP works) and gets the preset's values at its next Inform, once,
// over CWMP. The two that applied the push are not sent the values again
// at their next Informs.
func TestMQTTOfflineDeviceConvergesAtInform(t *testing.T) {
	t.Parallel()
	const ssid = "Device.WiFi.SSID.1.SSID"
	acs, srv := startACSWith(t, nil)
	admin := acs.api(t, "admin")
	keyFile := pushKeyFile(t, acs.dir)
	online := startLaneDevices(t, acs.cwmp, acs.secret, "MQON", 2, "mqtt://"+srv.MQTTAddr().String(), keyFile)
	// A broker address nobody listens on: the device is off the lane.
	offline := startLaneDevices(t, acs.cwmp, acs.secret, "MQOFF", 1, "mqtt://"+freePort(t), keyFile)[0]
	all := append(append([]*laneDevice(nil), online...), offline)
	for _, d := range all {
		d.Tap.waitFor(t, 0, eventWithin, "first session of "+d.Serial, func(log []exchange) bool {
			return sessionEnded(log, cwmp.EventBootstrap)
		})
		admin.tag(d.ID, "field")
	}
	// The two online devices come back tagged (an agent restart), so they
	// are subscribed to the group when the push goes out.
	comeBackTagged(t, online, "field")
	if s := offline.Agent.MQTTStatus(); s == "Connected" {
		t.Fatalf("the offline device is on the lane (%s)", s)
	}

	admin.putPreset("field-ssid", "field", ssid, "field-1")
	p := admin.startPush("field-ssid", "field")
	eventually(t, eventWithin, "the online devices ack", func() bool { return admin.push(p.ID).Counts.Applied == 2 })
	st := admin.deliveries(p.ID)
	if st[offline.ID] != "pending" {
		t.Fatalf("the offline device's delivery is %q, want pending", st[offline.ID])
	}
	if v := agentValue(t, offline.Agent, ssid); v == "field-1" {
		t.Fatal("the offline device has the value before its Inform")
	}

	// Its next Inform (here: a connection request over HTTP, which still
	// reaches it) converges it.
	for _, d := range all {
		pokeAndWait(t, admin, &d.simDevice)
	}
	if v := agentValue(t, offline.Agent, ssid); v != "field-1" {
		t.Errorf("the offline device holds %q after its Inform, want field-1", v)
	}
	eventually(t, eventWithin, "the offline device's delivery settles", func() bool {
		if admin.deliveries(p.ID)[offline.ID] == "converged" {
			return true
		}
		pokeAndWait(t, admin, &offline.simDevice)
		return false
	})
	for _, d := range all {
		n := 0
		for _, spv := range delivered[*cwmp.SetParameterValues](d.Tap.since(0)) {
			for _, pv := range spv.ParameterList {
				if pv.Name == ssid {
					n++
				}
			}
		}
		want := 0
		if d == offline {
			want = 1
		}
		if n != want {
			t.Errorf("%s got %s over CWMP %d times, want %d", d.Serial, ssid, n, want)
		}
		if got := d.applied.Load(); got != int32(1-want) {
			t.Errorf("%s applied %d bundles, want %d", d.Serial, got, 1-want)
		}
		if v := agentValue(t, d.Agent, ssid); v != "field-1" {
			t.Errorf("%s holds %s = %q, want field-1", d.Serial, ssid, v)
		}
	}
}
