package store

import (
	"context"
	"time"
)

// LineHealth is a device's line health as the ACS last judged it from
// telemetry (acs/internal/health).
type LineHealth struct {
	Device string `json:"device"`
	// State is good, degraded, failing or unknown; Previous the state
	// before the last change.
	State    string    `json:"state"`
	Previous string    `json:"previous,omitempty"`
	Since    time.Time `json:"since"`             // when State began
	Worsened time.Time `json:"worsened,omitzero"` // the last change for the worse
	Reasons  []string  `json:"reasons,omitempty"`
	Updated  time.Time `json:"updated"`
	// KPIs of the last judgement; History the earlier ones, oldest first,
	// bounded by the writer.
	KPIs    map[string]float64 `json:"kpis,omitempty"`
	History []KPISnapshot      `json:"history,omitempty"`
}

// KPISnapshot is one judgement kept in a device's history.
type KPISnapshot struct {
	Time  time.Time          `json:"time"`
	State string             `json:"state"`
	KPIs  map[string]float64 `json:"kpis,omitempty"`
}

// Health keeps line health per device and finds the lines in trouble
// without reading the whole fleet.
type Health interface {
	// PutHealth replaces the device's record. ErrInvalid: no device.
	PutHealth(ctx context.Context, h LineHealth) error
	// LineHealth returns the device's record; ErrNotFound when the ACS
	// has not judged its line yet.
	LineHealth(ctx context.Context, device string) (LineHealth, error)
	// TroubledLines pages, by device ID, through the records whose state
	// is degraded or failing.
	TroubledLines(ctx context.Context, after string, limit int) ([]LineHealth, string, error)
}
