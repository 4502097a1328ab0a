package storetest

import (
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"

	"gatewarden/acs/internal/store"
)

// OpenCampaigns returns a new, empty campaign store; the test closes it
// through its cleanup.
type OpenCampaigns func(t *testing.T) store.Campaigns

// RunCampaigns is the contract of store.Campaigns.
func RunCampaigns(t *testing.T, open OpenCampaigns) {
	t.Run("CreateAndList", func(t *testing.T) { testCampaignCreate(t, open(t)) })
	t.Run("DevicesByStateAndWave", func(t *testing.T) { testCampaignDevices(t, open(t)) })
	t.Run("UpdateDeviceMovesIndex", func(t *testing.T) { testCampaignDeviceUpdate(t, open(t)) })
	t.Run("UpdateDeviceAtomic", func(t *testing.T) { testCampaignDeviceAtomic(t, open(t)) })
}

func testCampaignCreate(t *testing.T, s store.Campaigns) {
	c := store.Campaign{Name: "spring", File: "fw", Waves: []int{10, 100}, State: store.CampaignPreparing,
		Stats: make([]store.WaveStats, 2)}
	must(t, s.CreateCampaign(ctx, &c))
	if c.ID == "" || c.Version == 0 || c.Created.IsZero() {
		t.Fatalf("created %+v", c)
	}
	dup := store.Campaign{ID: c.ID}
	wantErr(t, s.CreateCampaign(ctx, &dup), store.ErrConflict, "duplicate ID")
	got, err := s.Campaign(ctx, c.ID)
	must(t, err)
	if got.Name != "spring" || len(got.Waves) != 2 || got.State != store.CampaignPreparing {
		t.Fatalf("read back %+v", got)
	}
	up, err := s.UpdateCampaign(ctx, c.ID, func(x *store.Campaign) error { x.State = store.CampaignRunning; return nil })
	must(t, err)
	if up.Version <= c.Version || up.State != store.CampaignRunning {
		t.Fatalf("updated %+v", up)
	}
	boom := errors.New("boom")
	if _, err := s.UpdateCampaign(ctx, c.ID, func(x *store.Campaign) error { x.State = "x"; return boom }); !errors.Is(err, boom) {
		t.Fatalf("fn error: %v", err)
	}
	if got, _ := s.Campaign(ctx, c.ID); got.State != store.CampaignRunning {
		t.Fatalf("a failed update wrote: %+v", got)
	}
	_, err = s.UpdateCampaign(ctx, "nope", func(*store.Campaign) error { return nil })
	wantErr(t, err, store.ErrNotFound, "update unknown")
	_, err = s.Campaign(ctx, "nope")
	wantErr(t, err, store.ErrNotFound, "unknown campaign")
	wantErr(t, s.AddCampaignDevices(ctx, "nope", []store.CampaignDevice{{Device: "d"}}), store.ErrNotFound, "enrol in unknown")
	for i := range 4 {
		x := store.Campaign{ID: fmt.Sprintf("%s-%d", c.ID, i)}
		must(t, s.CreateCampaign(ctx, &x))
	}
	var ids []string
	after := ""
	for {
		cs, next, err := s.ListCampaigns(ctx, after, 2)
		must(t, err)
		for _, x := range cs {
			ids = append(ids, x.ID)
		}
		if next == "" {
			break
		}
		after = next
	}
	if len(ids) != 5 || !sort.StringsAreSorted(ids) || ids[0] != c.ID {
		t.Fatalf("listed %v", ids)
	}
}

func enrol(t *testing.T, s store.Campaigns, n, waves int) store.Campaign {
	t.Helper()
	c := store.Campaign{Name: "c", State: store.CampaignRunning, Stats: make([]store.WaveStats, waves)}
	must(t, s.CreateCampaign(ctx, &c))
	var list []store.CampaignDevice
	for i := range n {
		list = append(list, store.CampaignDevice{Device: deviceID(i), Wave: i % waves})
	}
	must(t, s.AddCampaignDevices(ctx, c.ID, list))
	return c
}

func collect(t *testing.T, s store.Campaigns, q store.CampaignDeviceQuery) []store.CampaignDevice {
	t.Helper()
	var out []store.CampaignDevice
	for pages := 0; ; pages++ {
		if pages > 100 {
			t.Fatal("paging does not end")
		}
		ds, next, err := s.CampaignDevices(ctx, q)
		must(t, err)
		out = append(out, ds...)
		if next == "" {
			return out
		}
		q.After = next
	}
}

func testCampaignDevices(t *testing.T, s store.Campaigns) {
	c := enrol(t, s, 10, 3)
	other := enrol(t, s, 4, 1)
	all := collect(t, s, store.CampaignDeviceQuery{Campaign: c.ID, Wave: -1, Limit: 3})
	if len(all) != 10 {
		t.Fatalf("all devices: %d", len(all))
	}
	for i, d := range all {
		if d.State != store.CampaignDevicePending || d.Campaign != c.ID || (i > 0 && all[i-1].Device >= d.Device) {
			t.Fatalf("device %d: %+v", i, d)
		}
	}
	w1 := collect(t, s, store.CampaignDeviceQuery{Campaign: c.ID, State: store.CampaignDevicePending, Wave: 1, Limit: 2})
	if len(w1) != 3 {
		t.Fatalf("wave 1 pending: %+v", w1)
	}
	for _, d := range w1 {
		if d.Wave != 1 {
			t.Fatalf("wave filter leaked %+v", d)
		}
	}
	anyWave := collect(t, s, store.CampaignDeviceQuery{Campaign: c.ID, State: store.CampaignDevicePending, Wave: -1, Limit: 4})
	if len(anyWave) != 10 {
		t.Fatalf("pending, any wave: %d", len(anyWave))
	}
	for i := 1; i < len(anyWave); i++ {
		if anyWave[i-1].Wave > anyWave[i].Wave {
			t.Fatalf("not in wave order: %+v", anyWave)
		}
	}
	if ds := collect(t, s, store.CampaignDeviceQuery{Campaign: other.ID, Wave: -1}); len(ds) != 4 {
		t.Fatalf("the other campaign has %d devices", len(ds))
	}
	if ds := collect(t, s, store.CampaignDeviceQuery{Campaign: c.ID, State: store.CampaignDeviceActive, Wave: -1}); len(ds) != 0 {
		t.Fatalf("active before any start: %+v", ds)
	}
	_, _, err := s.CampaignDevices(ctx, store.CampaignDeviceQuery{Campaign: c.ID, State: store.CampaignDevicePending, Wave: 0, After: "zz"})
	wantErr(t, err, store.ErrInvalid, "bad cursor")
	_, err = s.CampaignDevice(ctx, c.ID, "nope")
	wantErr(t, err, store.ErrNotFound, "unknown device")
}

func testCampaignDeviceUpdate(t *testing.T, s store.Campaigns) {
	c := enrol(t, s, 3, 1)
	dev := deviceID(1)
	gotC, gotD, err := s.UpdateCampaignDevice(ctx, c.ID, dev, func(x *store.Campaign, d *store.CampaignDevice) error {
		d.State, d.Task, d.Started = store.CampaignDeviceActive, "task-1", base
		x.Stats[0].Active++
		return nil
	})
	must(t, err)
	if gotD.State != store.CampaignDeviceActive || gotC.Stats[0].Active != 1 || gotC.Version <= c.Version {
		t.Fatalf("after update: %+v %+v", gotC, gotD)
	}
	act := collect(t, s, store.CampaignDeviceQuery{Campaign: c.ID, State: store.CampaignDeviceActive, Wave: 0})
	if len(act) != 1 || act[0].Device != dev || act[0].Task != "task-1" || !act[0].Started.Equal(base) {
		t.Fatalf("active: %+v", act)
	}
	if pend := collect(t, s, store.CampaignDeviceQuery{Campaign: c.ID, State: store.CampaignDevicePending, Wave: 0}); len(pend) != 2 {
		t.Fatalf("pending after the start: %+v", pend)
	}
	boom := errors.New("boom")
	_, _, err = s.UpdateCampaignDevice(ctx, c.ID, dev, func(x *store.Campaign, d *store.CampaignDevice) error {
		d.State = store.CampaignDeviceFailed
		x.Stats[0].Failed++
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("fn error: %v", err)
	}
	if d, _ := s.CampaignDevice(ctx, c.ID, dev); d.State != store.CampaignDeviceActive {
		t.Fatalf("a failed update wrote the device: %+v", d)
	}
	if x, _ := s.Campaign(ctx, c.ID); x.Stats[0].Failed != 0 {
		t.Fatalf("a failed update wrote the campaign: %+v", x)
	}
	_, _, err = s.UpdateCampaignDevice(ctx, c.ID, "nope", func(*store.Campaign, *store.CampaignDevice) error { return nil })
	wantErr(t, err, store.ErrNotFound, "update unknown device")
	_, _, err = s.UpdateCampaignDevice(ctx, c.ID, dev, func(_ *store.Campaign, d *store.CampaignDevice) error { d.Device = "x"; return nil })
	wantErr(t, err, store.ErrInvalid, "changing the key")
}

// Concurrent transitions keep the campaign's counter equal to the number
// of device records in the state: the pair is written atomically.
func testCampaignDeviceAtomic(t *testing.T, s store.Campaigns) {
	c := enrol(t, s, 40, 1)
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, err := s.UpdateCampaignDevice(ctx, c.ID, deviceID(i), func(x *store.Campaign, d *store.CampaignDevice) error {
				d.State = store.CampaignDeviceSucceeded
				x.Stats[0].Succeeded++
				return nil
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	x, err := s.Campaign(ctx, c.ID)
	must(t, err)
	done := collect(t, s, store.CampaignDeviceQuery{Campaign: c.ID, State: store.CampaignDeviceSucceeded, Wave: 0})
	if x.Stats[0].Succeeded != 40 || len(done) != 40 {
		t.Fatalf("counter %d, records %d, want 40", x.Stats[0].Succeeded, len(done))
	}
}
