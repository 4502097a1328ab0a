package health

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"time"

	"gatewarden/acs/internal/store"
)

// Store is what the tracker reads and writes.
type Store interface {
	TelemetrySince(ctx context.Context, device string, since time.Time, limit int) ([]store.TelemetrySample, error)
	store.Health
}

// Config tunes a Tracker.
type Config struct {
	Store      Store
	Thresholds Thresholds
	// Window is how much telemetry one judgement looks at; default 1 h.
	Window time.Duration
	// History bounds the judgements kept per device; default 96.
	History int
	Now     func() time.Time
	Logger  *slog.Logger
}

// Tracker judges a device's line each time its telemetry arrives and
// keeps the verdict, with the moment the line got worse, in the store.
type Tracker struct{ cfg Config }

// maxWindowSamples bounds the samples one judgement reads.
const maxWindowSamples = 1000

// NewTracker checks cfg.
func NewTracker(cfg Config) (*Tracker, error) {
	if cfg.Store == nil {
		return nil, errors.New("health: a store is required")
	}
	if cfg.Thresholds == (Thresholds{}) {
		cfg.Thresholds = DefaultThresholds()
	}
	if err := cfg.Thresholds.Check(); err != nil {
		return nil, err
	}
	if cfg.Window <= 0 {
		cfg.Window = time.Hour
	}
	if cfg.History <= 0 {
		cfg.History = 96
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Tracker{cfg: cfg}, nil
}

// Observe judges each device once, from its telemetry in the window.
func (t *Tracker) Observe(ctx context.Context, devices []string) error {
	seen := make(map[string]bool, len(devices))
	var errs []error
	for _, d := range devices {
		if seen[d] {
			continue
		}
		seen[d] = true
		if err := t.judge(ctx, d); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (t *Tracker) judge(ctx context.Context, device string) error {
	now := t.cfg.Now()
	raw, err := t.cfg.Store.TelemetrySince(ctx, device, now.Add(-t.cfg.Window), maxWindowSamples)
	if err != nil {
		return fmt.Errorf("health: telemetry of %s: %w", device, err)
	}
	samples := make([]Sample, len(raw))
	for i, s := range raw {
		samples[i] = Sample{Time: s.Time, Values: s.Values}
	}
	k := Compute(samples, 0)
	state, reasons := Judge(k, t.cfg.Thresholds)

	prev, err := t.cfg.Store.LineHealth(ctx, device)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("health: %s: %w", device, err)
	}
	h := store.LineHealth{
		Device: device, State: string(state), Previous: prev.State, Since: prev.Since,
		Worsened: prev.Worsened, Reasons: reasons, Updated: now, KPIs: k.asMap(),
	}
	if prev.State != string(state) {
		h.Since = now
		if state.Worse(State(prev.State)) && prev.State != "" {
			h.Worsened = now
			t.cfg.Logger.Info("line got worse", "device", device, "from", prev.State, "to", string(state), "reasons", reasons)
		}
	} else {
		h.Previous = prev.Previous
	}
	h.History = append(prev.History, store.KPISnapshot{Time: now, State: string(state), KPIs: h.KPIs})
	if n := len(h.History) - t.cfg.History; n > 0 {
		h.History = h.History[n:]
	}
	if err := t.cfg.Store.PutHealth(ctx, h); err != nil {
		return fmt.Errorf("health: %w", err)
	}
	return nil
}

// asMap keeps the KPIs that have a value, by their API names.
func (k KPIs) asMap() map[string]float64 {
	m := map[string]float64{}
	put := func(name string, v float64) {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			m[name] = math.Round(v*1000) / 1000
		}
	}
	put("syncRatioDown", k.SyncRatioDown)
	put("syncRatioUp", k.SyncRatioUp)
	put("rateDownKbps", k.RateDownKbps)
	put("rateUpKbps", k.RateUpKbps)
	put("maxRateDownKbps", k.MaxRateDownKbps)
	put("maxRateUpKbps", k.MaxRateUpKbps)
	put("noiseMarginDownDB", k.NoiseMarginDownDB)
	put("noiseMarginUpDB", k.NoiseMarginUpDB)
	put("attenuationDownDB", k.AttenuationDownDB)
	put("attenuationUpDB", k.AttenuationUpDB)
	put("erroredSecsPerHour", k.ErroredSecsPerHour)
	put("retrains", float64(k.Retrains))
	put("wanAvailability", k.WANAvailability)
	if k.LineUp {
		m["lineUp"] = 1
	} else {
		m["lineUp"] = 0
	}
	return m
}
