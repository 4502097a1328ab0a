package e2e

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"gatewarden/protocol/cwmp"
)

// TestMQTTTelemetryReachesTheACS: an agent's default telemetry (line
// rates, noise margins, errored seconds, WAN bytes, uptime) goes over the
// lane at its interval and shows in the device's telemetry history, with
// uptime moving forward from sample to sample.
func TestMQTTTelemetryReachesTheACS(t *testing.T) {
	t.Parallel()
	acs, srv := startACSWith(t, nil)
	admin := acs.api(t, "admin")
	d := startLaneDevicesWith(t, acs.cwmp, acs.secret, "MQTEL", 1, "mqtt://"+srv.MQTTAddr().String(), pushKeyFile(t, acs.dir),
		func(c *laneDevice) { c.cfg.MQTT.TelemetryInterval = 300 * time.Millisecond })[0]
	d.Tap.waitFor(t, 0, eventWithin, "first session", func(log []exchange) bool { return sessionEnded(log, cwmp.EventBootstrap) })
	waitOnLane(t, eventWithin, laneAgents([]*laneDevice{d}))

	type sample struct {
		Time   string            `json:"time"`
		Values map[string]string `json:"values"`
	}
	var got struct {
		Device  string   `json:"device"`
		Samples []sample `json:"samples"`
	}
	eventually(t, eventWithin, "two telemetry samples at the ACS", func() bool {
		admin.do("GET", devicePath(d.ID)+"/telemetry?since=-1h", nil, &got, http.StatusOK)
		return len(got.Samples) >= 2
	})
	for _, name := range []string{
		"Device.DSL.Channel.1.DownstreamCurrRate", "Device.DSL.Channel.1.UpstreamCurrRate",
		"Device.DSL.Line.1.DownstreamNoiseMargin", "Device.DSL.Line.1.UpstreamNoiseMargin",
		"Device.DSL.Line.1.Stats.Total.ErroredSecs", "Device.DSL.Line.1.Stats.BytesReceived",
		"Device.DeviceInfo.UpTime",
	} {
		if _, ok := got.Samples[0].Values[name]; !ok {
			t.Errorf("telemetry lacks %s: %v", name, got.Samples[0].Values)
		}
	}
	first, _ := strconv.Atoi(got.Samples[0].Values["Device.DeviceInfo.UpTime"])
	last, _ := strconv.Atoi(got.Samples[len(got.Samples)-1].Values["Device.DeviceInfo.UpTime"])
	if last < first {
		t.Errorf("uptime went from %d to %d", first, last)
	}
}
