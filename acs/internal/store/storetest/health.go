package storetest

import (
	"fmt"
	"testing"
	"time"

	"gatewarden/acs/internal/store"
)

// RunHealth is the contract of store.Health.
func RunHealth(t *testing.T, open func(t *testing.T) store.Health) {
	s := open(t)
	_, err := s.LineHealth(ctx, "D1")
	wantErr(t, err, store.ErrNotFound, "a line never judged")
	states := []string{"good", "degraded", "failing", "good", "degraded", "unknown", "failing"}
	for i, st := range states {
		must(t, s.PutHealth(ctx, store.LineHealth{Device: fmt.Sprintf("D%d", i), State: st, Since: base,
			KPIs: map[string]float64{"noiseMarginDownDB": float64(i)}, Reasons: []string{"r" + st}}))
	}
	h, err := s.LineHealth(ctx, "D2")
	must(t, err)
	if h.State != "failing" || h.KPIs["noiseMarginDownDB"] != 2 || !h.Since.Equal(base) || h.Reasons[0] != "rfailing" {
		t.Fatalf("D2 = %+v", h)
	}
	var got []string
	after := ""
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("paging does not end")
		}
		list, next, err := s.TroubledLines(ctx, after, 2)
		must(t, err)
		for _, l := range list {
			got = append(got, l.Device+"="+l.State)
		}
		if next == "" {
			break
		}
		after = next
	}
	if want := "[D1=degraded D2=failing D4=degraded D6=failing]"; fmt.Sprint(got) != want {
		t.Fatalf("troubled lines %v, want %s", got, want)
	}
	// A line that recovers leaves the list; one that worsens joins it.
	must(t, s.PutHealth(ctx, store.LineHealth{Device: "D2", State: "good", Previous: "failing", Since: base.Add(time.Hour)}))
	must(t, s.PutHealth(ctx, store.LineHealth{Device: "D0", State: "degraded", Previous: "good", Worsened: base}))
	list, _, err := s.TroubledLines(ctx, "", 10)
	must(t, err)
	got = got[:0]
	for _, l := range list {
		got = append(got, l.Device)
	}
	if want := "[D0 D1 D4 D6]"; fmt.Sprint(got) != want {
		t.Fatalf("after changes %v, want %s", got, want)
	}
	wantErr(t, s.PutHealth(ctx, store.LineHealth{State: "good"}), store.ErrInvalid, "no device")
}
