package provision

import (
	"errors"
	"testing"
	"time"

	"gatewarden/acs/internal/store"
)

func TestParseCampaignSpec(t *testing.T) {
	c, err := ParseCampaignSpec([]byte(`{"name":"spring","file":"fw-2.0","waves":[0.5,10,100],"maxConcurrent":7,
		"windows":["22:00-05:00","12:00-13:30"],"location":"Europe/Berlin","failureThreshold":2.5,"deviceTimeout":"6h"}`))
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != "spring" || len(c.Waves) != 3 || c.Waves[0] != 50 || c.Waves[2] != 10000 || c.MaxConcurrent != 7 ||
		c.FailureThreshold != 2.5 || c.DeviceTimeout != 6*time.Hour || c.State != store.CampaignPreparing || len(c.Stats) != 3 {
		t.Fatalf("parsed %+v", c)
	}
	d, err := ParseCampaignSpec([]byte(`{"file":"f"}`))
	if err != nil || len(d.Waves) != 4 || d.Waves[0] != 100 || d.MaxConcurrent != DefaultMaxConcurrent ||
		d.FailureThreshold != DefaultFailureThreshold || d.DeviceTimeout != DefaultDeviceTimeout {
		t.Fatalf("defaults: %+v %v", d, err)
	}
	zero, err := ParseCampaignSpec([]byte(`{"file":"f","failureThreshold":0}`))
	if err != nil || zero.FailureThreshold != 0 {
		t.Fatalf("explicit zero threshold: %+v %v", zero, err)
	}
	for _, bad := range []string{
		``, `[]`, `{"file":""}`, `{"file":"f","waves":[]}x`, `{"file":"f"} {}`,
		`{"file":"f","waves":[10,5,100]}`, `{"file":"f","waves":[10,90]}`, `{"file":"f","waves":[0,100]}`,
		`{"file":"f","waves":[101]}`, `{"file":"f","maxConcurrent":-1}`, `{"file":"f","failureThreshold":101}`,
		`{"file":"f","deviceTimeout":"1ms"}`, `{"file":"f","deviceTimeout":"1000h"}`, `{"file":"f","windows":["25:00-01:00"]}`,
		`{"file":"f","windows":["22:00"]}`, `{"file":"f","location":"Mars/Olympus"}`, `{"file":"f","extra":true}`,
	} {
		if _, err := ParseCampaignSpec([]byte(bad)); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", bad, err)
		}
	}
}

func TestWindows(t *testing.T) {
	ws, err := parseWindows([]string{"22:00-05:00", "12:00-12:30"})
	if err != nil {
		t.Fatal(err)
	}
	at := func(h, m int) time.Time { return time.Date(2026, 1, 1, h, m, 0, 0, time.UTC) }
	for _, c := range []struct {
		h, m int
		want bool
	}{{22, 0, true}, {23, 59, true}, {0, 0, true}, {4, 59, true}, {5, 0, false}, {12, 15, true}, {12, 30, false}, {21, 59, false}} {
		if got := inWindows(ws, time.UTC, at(c.h, c.m)); got != c.want {
			t.Errorf("%02d:%02d: %v, want %v", c.h, c.m, got, c.want)
		}
	}
	berlin, _ := time.LoadLocation("Europe/Berlin")
	if !inWindows(ws, berlin, at(21, 30)) { // 22:30 in Berlin in winter
		t.Error("the window's zone was ignored")
	}
	all, _ := parseWindows([]string{"00:00-24:00"})
	if !inWindows(all, time.UTC, at(13, 0)) {
		t.Error("a whole-day window excluded 13:00")
	}
}

func TestExceeds(t *testing.T) {
	for _, c := range []struct {
		st   store.WaveStats
		thr  float64
		want bool
	}{
		{store.WaveStats{Size: 100, Succeeded: 50}, 10, false},
		{store.WaveStats{Size: 100, Succeeded: 8, Failed: 1}, 10, false}, // sample too small
		{store.WaveStats{Size: 100, Succeeded: 8, Failed: 2}, 10, true},  // 2 of 10
		{store.WaveStats{Size: 100, Succeeded: 90, Failed: 10}, 10, false},
		{store.WaveStats{Size: 100, Succeeded: 80, Failed: 11}, 10, true}, // certain
		{store.WaveStats{Size: 2, Failed: 1}, 10, true},
		{store.WaveStats{Size: 5, Succeeded: 4, Failed: 1}, 50, false},
		{store.WaveStats{Size: 5, Failed: 1, Active: 4}, 0, true},
	} {
		if got := exceeds(c.st, c.thr); got != c.want {
			t.Errorf("%+v at %g%%: %v, want %v", c.st, c.thr, got, c.want)
		}
	}
}

// FuzzCampaignSpec: the spec parser never panics, and what it accepts is
// internally consistent (the driver relies on it).
func FuzzCampaignSpec(f *testing.F) {
	for _, s := range []string{
		`{"file":"fw"}`,
		`{"name":"x","file":"fw","filter":"tag = \"a\"","waves":[1,10,50,100],"maxConcurrent":20,"windows":["22:00-05:00"],"location":"UTC","failureThreshold":10,"deviceTimeout":"6h"}`,
		`{"file":"fw","waves":[0.01,100]}`,
		`{"file":"fw","windows":["24:00-00:00","00:00-00:00"]}`,
		`{"file":"fw","waves":[1e308,100]}`,
		`{"file":"fw","failureThreshold":-0}`,
		`not json`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseCampaignSpec(data)
		if err != nil {
			if !errors.Is(err, store.ErrInvalid) {
				t.Fatalf("error does not wrap ErrInvalid: %v", err)
			}
			return
		}
		if len(c.Waves) == 0 || c.Waves[len(c.Waves)-1] != 10000 || len(c.Stats) != len(c.Waves) {
			t.Fatalf("waves %v stats %d", c.Waves, len(c.Stats))
		}
		for i := 1; i < len(c.Waves); i++ {
			if c.Waves[i] <= c.Waves[i-1] {
				t.Fatalf("waves not increasing: %v", c.Waves)
			}
		}
		if c.MaxConcurrent <= 0 || c.FailureThreshold < 0 || c.FailureThreshold > 100 || c.DeviceTimeout <= 0 || c.File == "" {
			t.Fatalf("accepted %+v", c)
		}
		if _, err := parseWindows(c.Windows); err != nil {
			t.Fatalf("accepted windows it cannot read: %v", err)
		}
		_ = campaignOpen(&c, time.Unix(0, 0))
	})
}
