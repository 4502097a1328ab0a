package health

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"gatewarden/acs/internal/store"
	boltstore "gatewarden/acs/internal/store/bbolt"
)

func TestTrackerFlagsAWorseningLine(t *testing.T) {
	st, err := boltstore.Open(filepath.Join(t.TempDir(), "acs.db"), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := t0.Add(time.Hour)
	tr, err := NewTracker(Config{Store: st, Now: func() time.Time { return now }, History: 3})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	add := func(device string, s []Sample) {
		var batch []store.TelemetrySample
		for _, x := range s {
			batch = append(batch, store.TelemetrySample{Device: device, Time: x.Time, Values: x.Values})
		}
		if err := st.AppendTelemetry(ctx, batch, 100); err != nil {
			t.Fatal(err)
		}
	}
	add("good-line", series(13, 5*time.Minute, nil))
	add("bad-line", series(13, 5*time.Minute, nil))
	if err := tr.Observe(ctx, []string{"good-line", "bad-line", "good-line"}); err != nil {
		t.Fatal(err)
	}
	if list, _, _ := st.TroubledLines(ctx, "", 10); len(list) != 0 {
		t.Fatalf("a healthy fleet lists %+v", list)
	}
	// The bad line's margin falls; the next sample shows it.
	now = now.Add(5 * time.Minute)
	last := series(1, 0, func(_ int, l *line) { l.margin = 40; l.lastChange = 99999 })[0]
	last.Time = now
	add("bad-line", []Sample{last})
	if err := tr.Observe(ctx, []string{"bad-line"}); err != nil {
		t.Fatal(err)
	}
	list, _, err := st.TroubledLines(ctx, "", 10)
	if err != nil || len(list) != 1 {
		t.Fatalf("troubled %+v %v", list, err)
	}
	h := list[0]
	if h.Device != "bad-line" || h.State != "degraded" || h.Previous != "good" || !h.Worsened.Equal(now) || h.KPIs["noiseMarginDownDB"] != 4 {
		t.Fatalf("%+v", h)
	}
	if len(h.History) != 2 || h.History[0].State != "good" || h.History[1].State != "degraded" {
		t.Fatalf("history %+v", h.History)
	}
	// History stays bounded.
	for range 5 {
		tr.Observe(ctx, []string{"bad-line"})
	}
	h, _ = st.LineHealth(ctx, "bad-line")
	if len(h.History) != 3 || !h.Worsened.Equal(now) || h.Previous != "good" {
		t.Fatalf("after more judgements: %+v", h)
	}
}
