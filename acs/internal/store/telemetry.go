package store

import (
	"context"
	"time"
)

// TelemetrySample is one telemetry message of a device.
type TelemetrySample struct {
	Device string            `json:"-"`
	Time   time.Time         `json:"time"`
	Values map[string]string `json:"values"`
}

// Telemetry keeps a bounded history of telemetry per device.
type Telemetry interface {
	// AppendTelemetry stores the samples (any devices, one durable step)
	// and keeps at most keep samples per device, dropping the oldest. A
	// sample at a time the device already has replaces it.
	AppendTelemetry(ctx context.Context, samples []TelemetrySample, keep int) error
	// TelemetrySince returns the device's samples at or after since,
	// oldest first, at most limit (<= 0: DefaultLimit).
	TelemetrySince(ctx context.Context, device string, since time.Time, limit int) ([]TelemetrySample, error)
	// PruneTelemetry deletes samples older than before, and returns how
	// many went.
	PruneTelemetry(ctx context.Context, before time.Time) (int, error)
}
