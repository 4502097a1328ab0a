package storetest

import (
	"strconv"
	"testing"
	"time"

	"gatewarden/acs/internal/store"
)

// OpenTelemetry returns a new, empty telemetry store; the caller closes it.
type OpenTelemetry func(t *testing.T) store.Telemetry

// RunTelemetry runs the contract of store.Telemetry.
func RunTelemetry(t *testing.T, open OpenTelemetry) {
	t.Run("BoundedHistory", func(t *testing.T) { testTelemetryBounded(t, open(t)) })
	t.Run("Prune", func(t *testing.T) { testTelemetryPrune(t, open(t)) })
}

func sample(dev string, at time.Time, v int) store.TelemetrySample {
	return store.TelemetrySample{Device: dev, Time: at, Values: map[string]string{"Device.DeviceInfo.UpTime": strconv.Itoa(v)}}
}

func testTelemetryBounded(t *testing.T, s store.Telemetry) {
	var batch []store.TelemetrySample
	for i := range 10 {
		batch = append(batch, sample("a", base.Add(time.Duration(i)*time.Minute), i), sample("b", base.Add(time.Duration(i)*time.Minute), 100+i))
	}
	must(t, s.AppendTelemetry(ctx, batch, 4))
	// A sample at an existing time replaces it without costing a slot.
	must(t, s.AppendTelemetry(ctx, []store.TelemetrySample{sample("a", base.Add(9*time.Minute), 99)}, 4))
	got, err := s.TelemetrySince(ctx, "a", time.Time{}, 0)
	must(t, err)
	if len(got) != 4 {
		t.Fatalf("kept %d samples, want 4", len(got))
	}
	for i, sm := range got {
		if !sm.Time.Equal(base.Add(time.Duration(6+i) * time.Minute)) {
			t.Fatalf("sample %d at %v", i, sm.Time)
		}
	}
	if got[3].Values["Device.DeviceInfo.UpTime"] != "99" || got[0].Device != "a" {
		t.Fatalf("latest %+v", got[3])
	}
	since, err := s.TelemetrySince(ctx, "b", base.Add(8*time.Minute), 0)
	must(t, err)
	if len(since) != 2 || since[0].Values["Device.DeviceInfo.UpTime"] != "108" {
		t.Fatalf("since: %+v", since)
	}
	lim, err := s.TelemetrySince(ctx, "b", time.Time{}, 1)
	must(t, err)
	if len(lim) != 1 {
		t.Fatalf("limit: %d", len(lim))
	}
	none, err := s.TelemetrySince(ctx, "nobody", time.Time{}, 0)
	must(t, err)
	if len(none) != 0 {
		t.Fatalf("unknown device: %+v", none)
	}
}

func testTelemetryPrune(t *testing.T, s store.Telemetry) {
	var batch []store.TelemetrySample
	for i := range 6 {
		batch = append(batch, sample("a", base.Add(time.Duration(i)*time.Hour), i))
	}
	must(t, s.AppendTelemetry(ctx, batch, 100))
	n, err := s.PruneTelemetry(ctx, base.Add(3*time.Hour))
	must(t, err)
	if n != 3 {
		t.Fatalf("pruned %d, want 3", n)
	}
	got, err := s.TelemetrySince(ctx, "a", time.Time{}, 0)
	must(t, err)
	if len(got) != 3 {
		t.Fatalf("left %d", len(got))
	}
	// The count follows the prune: the bound still holds exactly.
	must(t, s.AppendTelemetry(ctx, []store.TelemetrySample{sample("a", base.Add(10*time.Hour), 10)}, 3))
	got, err = s.TelemetrySince(ctx, "a", time.Time{}, 0)
	must(t, err)
	if len(got) != 3 || !got[0].Time.Equal(base.Add(4*time.Hour)) {
		t.Fatalf("after prune and append: %d, first %v", len(got), got[0].Time)
	}
}
