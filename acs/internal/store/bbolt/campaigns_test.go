package bbolt

import (
	"context"
	"path/filepath"
	"testing"

	"gatewarden/acs/internal/store"
	"gatewarden/acs/internal/store/storetest"
)

func openTempBolt(t *testing.T) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "acs.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestFilesContract(t *testing.T) {
	storetest.RunFiles(t, func(t *testing.T) store.Files { return openTempBolt(t) })
}

func TestCampaignsContract(t *testing.T) {
	storetest.RunCampaigns(t, func(t *testing.T) store.Campaigns { return openTempBolt(t) })
}

// Campaign state outlives the process: a restarted ACS continues from the
// stored waves and device records.
func TestCampaignsSurviveReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "acs.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	c := store.Campaign{Name: "c", State: store.CampaignRunning, Stats: make([]store.WaveStats, 1)}
	if err := s.CreateCampaign(ctx, &c); err != nil {
		t.Fatal(err)
	}
	if err := s.AddCampaignDevices(ctx, c.ID, []store.CampaignDevice{{Device: "d1"}, {Device: "d2"}}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.UpdateCampaignDevice(ctx, c.ID, "d2", func(x *store.Campaign, d *store.CampaignDevice) error {
		d.State = store.CampaignDeviceActive
		x.Wave = 0
		x.Stats[0].Active = 1
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutFile(ctx, store.File{Name: "fw"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	checkFile(t, s)
	act, _, err := s.CampaignDevices(ctx, store.CampaignDeviceQuery{Campaign: c.ID, State: store.CampaignDeviceActive, Wave: -1})
	if err != nil || len(act) != 1 || act[0].Device != "d2" {
		t.Fatalf("active after reopen: %+v %v", act, err)
	}
	if got, err := s.Campaign(ctx, c.ID); err != nil || got.Stats[0].Active != 1 {
		t.Fatalf("campaign after reopen: %+v %v", got, err)
	}
	if _, err := s.File(ctx, "fw"); err != nil {
		t.Fatalf("file after reopen: %v", err)
	}
}
