package session

import (
	"context"
	"crypto/x509"
	"errors"
	"log/slog"
	"math/rand/v2"
	"time"

	"gatewarden/cpe-agent/internal/clock"
	"gatewarden/cpe-agent/internal/store"
)

// Defaults (TR069-DIGEST §1.1, §1.7; ARCHITECTURE.md for the size limit).
const (
	// DefaultResponseTimeout: TR-069 has the CPE wait at least 30 s.
	DefaultResponseTimeout = 30 * time.Second
	// DefaultMaxMessageBytes: the largest ACS message the agent accepts.
	DefaultMaxMessageBytes = 1 << 20
	// maxResends bounds the resends of one message after fault 8005 (icwmp).
	maxResends = 5
	// maxRedirects bounds the redirects followed in a row.
	maxRedirects = 5
	// maxEvents is the EventList limit of the schema.
	maxEvents = 64
)

// Options configures a Client. Model, Store, Platform and BootID are
// required.
type Options struct {
	Model    Model
	Store    *store.Store
	Platform Platform
	// BootID returns an identifier of the current boot (the kernel's
	// boot id; the sim platform's simulated boot). A value different from
	// the one recorded at the last start means a new boot: "1 BOOT".
	BootID func() (string, error)
	// Transfers is the download/upload queue; nil means a TransferQueue on
	// Store with no executor, so every accepted transfer ends in a
	// TransferComplete fault.
	Transfers Transfers
	// OnNewBoot runs once when a new boot is detected, before its events
	// are queued: the place for model.DiscardPendingChanges.
	OnNewBoot func(ctx context.Context) error
	// OnSessionEnd, when set, sees every session's result (status page,
	// tests). It runs on the session goroutine and must not block.
	OnSessionEnd func(Result)

	// Clock drives retry, periodic and scheduled informs; default real.
	Clock clock.Clock
	// Location is the zone of the Inform's CurrentTime; default time.Local.
	Location *time.Location
	// RootCAs verifies the ACS's certificate; nil means the system roots.
	// Verification cannot be turned off.
	RootCAs *x509.CertPool
	// ResponseTimeout bounds each HTTP exchange with the ACS (real time,
	// not Clock); default 30 s. Tests shorten it.
	ResponseTimeout time.Duration
	// MaxMessageBytes bounds an ACS message; default 1 MiB.
	MaxMessageBytes int64
	// Rand returns a uniform number in [0,1) for the retry wait and the
	// periodic phase; default math/rand/v2. Tests pin it.
	Rand func() float64
	// UserAgent of the HTTP requests; default "gatewarden-cpe-agent".
	UserAgent string
	Logger    *slog.Logger
}

func (o *Options) check() error {
	switch {
	case o.Model == nil:
		return errors.New("session: Options.Model is required")
	case o.Store == nil:
		return errors.New("session: Options.Store is required")
	case o.Platform == nil:
		return errors.New("session: Options.Platform is required")
	case o.BootID == nil:
		return errors.New("session: Options.BootID is required")
	}
	if o.Clock == nil {
		o.Clock = clock.Real()
	}
	if o.Location == nil {
		o.Location = time.Local
	}
	if o.ResponseTimeout <= 0 {
		o.ResponseTimeout = DefaultResponseTimeout
	}
	if o.MaxMessageBytes <= 0 {
		o.MaxMessageBytes = DefaultMaxMessageBytes
	}
	if o.Rand == nil {
		o.Rand = rand.Float64
	}
	if o.UserAgent == "" {
		o.UserAgent = "gatewarden-cpe-agent"
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return nil
}
