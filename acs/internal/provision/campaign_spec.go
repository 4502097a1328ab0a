package provision

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"gatewarden/acs/internal/store"
)

// CampaignSpec is what an operator asks for (POST /api/v1/campaigns).
type CampaignSpec struct {
	Name string `json:"name"`
	// File names a package of the repository.
	File string `json:"file"`
	// Filter selects the target devices (the filter language; "" is all).
	Filter string `json:"filter"`
	// Waves are cumulative percentages of the targets, increasing, ending
	// at 100; default [1, 10, 50, 100].
	Waves []float64 `json:"waves"`
	// MaxConcurrent downloads at once; default 50.
	MaxConcurrent int `json:"maxConcurrent"`
	// Windows are "HH:MM-HH:MM" times of day when new downloads may start
	// (an end before the start runs past midnight); none means any time.
	Windows []string `json:"windows"`
	// Location is the IANA zone of the windows; default UTC.
	Location string `json:"location"`
	// FailureThreshold in percent: a wave with more failures halts the
	// campaign; default 10.
	FailureThreshold *float64 `json:"failureThreshold"`
	// DeviceTimeout (a Go duration) after which an unfinished download
	// counts as failed; default 24h.
	DeviceTimeout string `json:"deviceTimeout"`
}

// Campaign spec defaults.
var DefaultWaves = []int{1, 10, 50, 100}

const (
	DefaultMaxConcurrent    = 50
	DefaultFailureThreshold = 10.0
	DefaultDeviceTimeout    = 24 * time.Hour
	maxWaves                = 20
	maxWindows              = 16
)

func specErr(format string, args ...any) error {
	return fmt.Errorf("campaign: %s: %w", fmt.Sprintf(format, args...), store.ErrInvalid)
}

// ParseCampaignSpec reads a spec as JSON (unknown fields and trailing data
// refused) and checks it; the result is a campaign in state preparing.
// The filter and the file are the caller's to check (they need the
// store). Errors wrap store.ErrInvalid.
func ParseCampaignSpec(data []byte) (store.Campaign, error) {
	var sp CampaignSpec
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&sp); err != nil {
		return store.Campaign{}, specErr("%v", strings.TrimPrefix(err.Error(), "json: "))
	}
	if _, err := dec.Token(); err != io.EOF {
		return store.Campaign{}, specErr("data after the JSON object")
	}
	return sp.Campaign()
}

// Campaign checks the spec and fills defaults.
func (sp CampaignSpec) Campaign() (store.Campaign, error) {
	c := store.Campaign{
		Name: strings.TrimSpace(sp.Name), File: sp.File, FileType: "1 Firmware Upgrade Image",
		Filter: sp.Filter, MaxConcurrent: sp.MaxConcurrent, Windows: sp.Windows, Location: sp.Location,
		FailureThreshold: DefaultFailureThreshold, DeviceTimeout: DefaultDeviceTimeout,
		State: store.CampaignPreparing,
	}
	if len(c.Name) > 200 || strings.ContainsAny(c.Name, "\x00\n\r") {
		return c, specErr("name: at most 200 characters on one line")
	}
	if c.File == "" || len(c.File) > 128 {
		return c, specErr("file: name a package of the repository (GET /api/v1/files)")
	}
	if len(c.Filter) > 4096 {
		return c, specErr("filter: at most 4096 characters")
	}
	waves, err := parseWaves(sp.Waves)
	if err != nil {
		return c, err
	}
	c.Waves = waves
	c.Stats = make([]store.WaveStats, len(waves))
	switch {
	case c.MaxConcurrent == 0:
		c.MaxConcurrent = DefaultMaxConcurrent
	case c.MaxConcurrent < 0 || c.MaxConcurrent > 100000:
		return c, specErr("maxConcurrent: 1 to 100000")
	}
	if sp.FailureThreshold != nil {
		ft := *sp.FailureThreshold
		if math.IsNaN(ft) || ft < 0 || ft > 100 {
			return c, specErr("failureThreshold: a percentage, 0 to 100")
		}
		c.FailureThreshold = ft
	}
	if sp.DeviceTimeout != "" {
		d, err := time.ParseDuration(sp.DeviceTimeout)
		if err != nil || d < time.Second || d > 7*24*time.Hour {
			return c, specErr("deviceTimeout: a Go duration between 1s and 168h (the life of a download URL), e.g. \"6h\"")
		}
		c.DeviceTimeout = d
	}
	if len(c.Windows) > maxWindows {
		return c, specErr("windows: at most %d", maxWindows)
	}
	if _, err := parseWindows(c.Windows); err != nil {
		return c, err
	}
	if c.Location != "" {
		if _, err := time.LoadLocation(c.Location); err != nil || strings.HasPrefix(c.Location, "/") || len(c.Location) > 64 {
			return c, specErr("location %q: an IANA time zone such as \"Europe/Berlin\"", c.Location)
		}
	}
	return c, nil
}

// parseWaves turns cumulative percentages into whole per-mille... kept as
// hundredths of a percent so that 0.5% waves work: 1 -> 100, 100 -> 10000.
func parseWaves(in []float64) ([]int, error) {
	if len(in) == 0 {
		out := make([]int, len(DefaultWaves))
		for i, w := range DefaultWaves {
			out[i] = w * 100
		}
		return out, nil
	}
	if len(in) > maxWaves {
		return nil, specErr("waves: at most %d", maxWaves)
	}
	out := make([]int, len(in))
	prev := 0
	for i, w := range in {
		if math.IsNaN(w) || w <= 0 || w > 100 {
			return nil, specErr("waves: each a percentage above 0 and at most 100, got %v", w)
		}
		v := int(math.Round(w * 100))
		if v <= prev {
			return nil, specErr("waves: cumulative percentages must increase (%v after %v)", w, float64(prev)/100)
		}
		out[i], prev = v, v
	}
	if prev != 10000 {
		return nil, specErr("waves: the last wave must be 100 (every target device)")
	}
	return out, nil
}

// WavePercent is a stored wave bound as a percentage.
func WavePercent(stored int) float64 { return float64(stored) / 100 }
