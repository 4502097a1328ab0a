package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"gatewarden/acs/internal/store"
)

// OpenPushes returns a new, empty store of pushes; the caller closes it.
type OpenPushes func(t *testing.T) store.Pushes

// RunPushes runs the contract of store.Pushes.
func RunPushes(t *testing.T, open OpenPushes) {
	t.Run("Lifecycle", func(t *testing.T) { testPushLifecycle(t, open(t)) })
	t.Run("Listing", func(t *testing.T) { testPushListing(t, open(t)) })
	t.Run("Prune", func(t *testing.T) { testPushPrune(t, open(t)) })
}

func newTestPush(t *testing.T, s store.Pushes, preset string, created time.Time) store.Push {
	t.Helper()
	p := store.Push{Preset: preset, PresetVersion: 3, Group: "pilot", Version: "m:" + preset + "@3-abcdef",
		Values: []store.PresetValue{{Name: "Device.X.Y", Value: "1"}}, Created: created, Actor: "admin"}
	must(t, s.CreatePush(ctx, &p))
	if p.ID == "" || !p.Created.Equal(created) {
		t.Fatalf("CreatePush did not fill ID/Created: %+v", p)
	}
	return p
}

func testPushLifecycle(t *testing.T, s store.Pushes) {
	p := newTestPush(t, s, "wifi", base)
	must(t, s.AddDeliveries(ctx, p.ID, []string{"dev-b", "dev-a"}))
	// Adding again (a retried page) keeps one delivery per device.
	must(t, s.AddDeliveries(ctx, p.ID, []string{"dev-a", "dev-c"}))
	got, err := s.Push(ctx, p.ID)
	must(t, err)
	if got.Counts[store.DeliveryPending] != 3 || got.Total() != 3 || got.Version != p.Version || len(got.Values) != 1 {
		t.Fatalf("push after adding: %+v", got)
	}
	pend, err := s.PendingDeliveries(ctx, "dev-a")
	must(t, err)
	if len(pend) != 1 || pend[0].Push != p.ID || pend[0].Status != store.DeliveryPending {
		t.Fatalf("pending of dev-a: %+v", pend)
	}
	ok, err := s.SettleDelivery(ctx, store.Delivery{Push: p.ID, Device: "dev-a", Status: store.DeliveryApplied})
	must(t, err)
	if !ok {
		t.Fatal("first settle reported no change")
	}
	// Settled is final: a later ack (a duplicate, or the Inform seeing the
	// ParameterKey) changes nothing.
	ok, err = s.SettleDelivery(ctx, store.Delivery{Push: p.ID, Device: "dev-a", Status: store.DeliveryConverged})
	must(t, err)
	if ok {
		t.Fatal("settling twice changed the delivery")
	}
	_, err = s.SettleDelivery(ctx, store.Delivery{Push: p.ID, Device: "dev-b", Status: store.DeliveryFault,
		Fault: &store.TaskFault{Code: 9007, Message: "bad value"}})
	must(t, err)
	if _, err := s.SettleDelivery(ctx, store.Delivery{Push: p.ID, Device: "nobody", Status: store.DeliveryApplied}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("settle unknown device: %v", err)
	}
	if _, err := s.SettleDelivery(ctx, store.Delivery{Push: p.ID, Device: "dev-c", Status: store.DeliveryPending}); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("settle to pending: %v", err)
	}
	pend, err = s.PendingDeliveries(ctx, "dev-a")
	must(t, err)
	if len(pend) != 0 {
		t.Fatalf("dev-a still pending: %+v", pend)
	}
	got, err = s.Push(ctx, p.ID)
	must(t, err)
	want := map[string]int{store.DeliveryPending: 1, store.DeliveryApplied: 1, store.DeliveryFault: 1}
	for k, v := range want {
		if got.Counts[k] != v {
			t.Fatalf("counts %v, want %v", got.Counts, want)
		}
	}
	ds, next, err := s.Deliveries(ctx, p.ID, "", 2)
	must(t, err)
	if len(ds) != 2 || ds[0].Device != "dev-a" || ds[1].Device != "dev-b" || next != "dev-b" {
		t.Fatalf("first page %+v next %q", ds, next)
	}
	if ds[1].Fault == nil || ds[1].Fault.Code != 9007 || ds[0].Status != store.DeliveryApplied {
		t.Fatalf("delivery states %+v", ds)
	}
	ds, next, err = s.Deliveries(ctx, p.ID, next, 2)
	must(t, err)
	if len(ds) != 1 || ds[0].Device != "dev-c" || next != "" {
		t.Fatalf("second page %+v next %q", ds, next)
	}
	if _, err := s.Push(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown push: %v", err)
	}
	if err := s.AddDeliveries(ctx, "nope", []string{"x"}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("add to unknown push: %v", err)
	}
	pp, err := s.PendingPushes(ctx, 10)
	must(t, err)
	if len(pp) != 1 || pp[0].ID != p.ID {
		t.Fatalf("pending pushes %+v", pp)
	}
	_, err = s.SettleDelivery(ctx, store.Delivery{Push: p.ID, Device: "dev-c", Status: store.DeliveryUnchanged})
	must(t, err)
	pp, err = s.PendingPushes(ctx, 10)
	must(t, err)
	if len(pp) != 0 {
		t.Fatalf("pending pushes after settling all: %+v", pp)
	}
}

func testPushListing(t *testing.T, s store.Pushes) {
	for i := range 5 {
		preset := "a"
		if i%2 == 1 {
			preset = "b"
		}
		newTestPush(t, s, preset, base.Add(time.Duration(i)*time.Minute))
	}
	all, err := s.ListPushes(ctx, "", 10)
	must(t, err)
	if len(all) != 5 || !all[0].Created.Equal(base.Add(4*time.Minute)) {
		t.Fatalf("list: %d, first %v", len(all), all[0].Created)
	}
	bs, err := s.ListPushes(ctx, "b", 10)
	must(t, err)
	if len(bs) != 2 || bs[0].Preset != "b" {
		t.Fatalf("list b: %+v", bs)
	}
	two, err := s.ListPushes(ctx, "", 2)
	must(t, err)
	if len(two) != 2 {
		t.Fatalf("limit: %d", len(two))
	}
}

func testPushPrune(t *testing.T, s store.Pushes) {
	old := newTestPush(t, s, "old", base)
	recent := newTestPush(t, s, "new", base.Add(48*time.Hour))
	devs := make([]string, 30)
	for i := range devs {
		devs[i] = fmt.Sprintf("dev-%02d", i)
	}
	must(t, s.AddDeliveries(ctx, old.ID, devs))
	must(t, s.AddDeliveries(ctx, recent.ID, devs[:1]))
	n, err := s.PrunePushes(ctx, base.Add(24*time.Hour))
	must(t, err)
	if n < 1 {
		t.Fatalf("pruned %d", n)
	}
	if _, err := s.Push(ctx, old.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("old push survived: %v", err)
	}
	pend, err := s.PendingDeliveries(ctx, "dev-00")
	must(t, err)
	if len(pend) != 1 || pend[0].Push != recent.ID {
		t.Fatalf("pending after prune: %+v", pend)
	}
}
