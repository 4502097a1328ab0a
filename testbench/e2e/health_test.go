package e2e

import (
	"context"
	"net/http"
	"testing"
	"time"
)

// TestLineHealthFromTelemetry is issue 8's line-health acceptance: sim
// agents send telemetry every second over the MQTT lane; a healthy fleet
// lists nothing under /health/degraded, and a line that degrades is
// flagged within two telemetry intervals, with its KPI history.
func TestLineHealthFromTelemetry(t *testing.T) {
	t.Parallel()
	const interval = time.Second
	acs, srv := startACSWith(t, nil)
	support := acs.api(t, "support")
	broker := "mqtt://" + srv.MQTTAddr().String()
	devs := startLaneDevicesWith(t, acs.cwmp, acs.secret, "HLTH", 3, broker, pushKeyFile(t, acs.dir), func(d *laneDevice) {
		d.cfg.MQTT.TelemetryInterval = interval
	})
	waitOnLane(t, eventWithin, laneAgents(devs))

	type line struct {
		Device, State, Previous string
		Reasons                 []string
		KPIs                    map[string]float64
	}
	var list struct {
		Lines []line
		Next  string
	}
	// Every line has been judged at least twice, and none is in trouble.
	for _, d := range devs {
		eventually(t, eventWithin, d.Serial+"'s line judged", func() bool {
			var h struct{ History []struct{ State string } }
			status, _ := support.call("GET", devicePath(d.ID)+"/health", nil)
			if status != http.StatusOK {
				return false
			}
			support.do("GET", devicePath(d.ID)+"/health", nil, &h, http.StatusOK)
			return len(h.History) >= 2
		})
	}
	support.do("GET", "/api/v1/health/degraded", nil, &list, http.StatusOK)
	if len(list.Lines) != 0 {
		t.Fatalf("a healthy fleet lists %+v", list.Lines)
	}

	bad := devs[1]
	if err := bad.Agent.SetLineDegradation(context.Background(), 0.5); err != nil {
		t.Fatal(err)
	}
	flagged := time.Now()
	eventually(t, 2*interval+3*time.Second, "the degraded line listed", func() bool {
		support.do("GET", "/api/v1/health/degraded", nil, &list, http.StatusOK)
		return len(list.Lines) == 1
	})
	took := time.Since(flagged)
	l := list.Lines[0]
	if l.Device != bad.ID || l.State != "degraded" && l.State != "failing" || l.Previous != "good" || len(l.Reasons) == 0 {
		t.Fatalf("listed %+v", l)
	}
	if m, ok := l.KPIs["noiseMarginDownDB"]; !ok || m >= 6 {
		t.Fatalf("KPIs %+v", l.KPIs)
	}
	t.Logf("degraded line listed %v after the change (telemetry every %v): %s, %v", took.Round(10*time.Millisecond), interval, l.State, l.Reasons)
	var h struct {
		History []struct {
			State string
			KPIs  map[string]float64
		}
	}
	support.do("GET", devicePath(bad.ID)+"/health", nil, &h, http.StatusOK)
	if n := len(h.History); n < 3 || h.History[0].State != "good" || h.History[n-1].State == "good" {
		t.Fatalf("KPI history %+v", h.History)
	}
}
