package update

import (
	"context"
	"crypto/x509"
	"errors"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"gatewarden/cpe-agent/internal/clock"
	"gatewarden/cpe-agent/internal/store"
	"gatewarden/firmware/image"
	"gatewarden/firmware/slot"
	"gatewarden/protocol/cwmp"
)

// Defaults.
const (
	DefaultHealthDeadline  = 5 * time.Minute
	DefaultMaxStateSaves   = 32
	DefaultRetries         = 6
	DefaultRetryWait       = 2 * time.Second
	DefaultCheckpointBytes = 4 << 20
	DefaultIdleTimeout     = 60 * time.Second
	// DefaultMaxConfigBytes bounds a vendor configuration file.
	DefaultMaxConfigBytes = 4 << 20
	// DefaultMaxUploadBytes bounds what one Upload sends.
	DefaultMaxUploadBytes = 4 << 20
)

// File types this package performs.
const (
	fileFirmware     = string(cwmp.FileTypeFirmwareUpgradeImage)
	fileVendorConfig = string(cwmp.FileTypeVendorConfigurationFile)
	uploadConfig     = string(cwmp.UploadFileTypeVendorConfigurationFile)
	uploadLog        = string(cwmp.UploadFileTypeVendorLogFile)
)

// Options configures an Updater. Store is required; Slots, Keys, Reboot
// and BootID are required for firmware.
type Options struct {
	Store *store.Store
	Slots slot.Slots
	// Keys are the trusted firmware signing keys (from the agent's
	// configuration or package, never from the ACS).
	Keys *image.Keyring
	// Board is this device's board name, matched against a package's boards.
	Board string
	// Reboot reboots the device into the armed slot. On the sim platform
	// it starts a new simulated boot and stops the agent, which restarts.
	Reboot func(ctx context.Context) error
	// BootID identifies the current boot.
	BootID func() (string, error)
	Clock  clock.Clock
	// RootCAs verifies file servers; nil means the system roots.
	RootCAs *x509.CertPool

	HealthDeadline  time.Duration
	MaxStateSaves   uint32
	Retries         int
	RetryWait       time.Duration
	CheckpointBytes int64
	// IdleTimeout drops a connection that delivers nothing for this long
	// (real time); the download then resumes.
	IdleTimeout time.Duration

	// ConfigDir receives vendor configuration files ("vendor-config").
	ConfigDir   string
	ApplyConfig func(ctx context.Context, path string) error
	// ConfigFile and LogFile open what Upload sends; nil: the stored
	// vendor configuration file, and a status report of the updater.
	ConfigFile     func() (io.ReadCloser, error)
	LogFile        func() (io.ReadCloser, error)
	MaxConfigBytes int64
	MaxUploadBytes int64
	UserAgent      string
	Logger         *slog.Logger
}

// Updater performs transfers; one per (simulated) boot of the device.
type Updater struct {
	opts Options
	st   *store.Store
	clk  clock.Clock
	log  *slog.Logger

	informOnce sync.Once
	informed   chan struct{}

	mu     sync.Mutex
	status map[slot.Name]string
}

// New checks opts and fills in defaults.
func New(opts Options) (*Updater, error) {
	if opts.Store == nil {
		return nil, errors.New("update: Options.Store is required")
	}
	if opts.Clock == nil {
		opts.Clock = clock.Real()
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.HealthDeadline <= 0 {
		opts.HealthDeadline = DefaultHealthDeadline
	}
	if opts.MaxStateSaves == 0 {
		opts.MaxStateSaves = DefaultMaxStateSaves
	}
	if opts.Retries <= 0 {
		opts.Retries = DefaultRetries
	}
	if opts.RetryWait <= 0 {
		opts.RetryWait = DefaultRetryWait
	}
	if opts.CheckpointBytes <= 0 {
		opts.CheckpointBytes = DefaultCheckpointBytes
	}
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = DefaultIdleTimeout
	}
	if opts.MaxConfigBytes <= 0 {
		opts.MaxConfigBytes = DefaultMaxConfigBytes
	}
	if opts.MaxUploadBytes <= 0 {
		opts.MaxUploadBytes = DefaultMaxUploadBytes
	}
	if opts.UserAgent == "" {
		opts.UserAgent = "gatewarden-cpe-agent"
	}
	return &Updater{
		opts:     opts,
		st:       opts.Store,
		clk:      opts.Clock,
		log:      opts.Logger.With("component", "update"),
		informed: make(chan struct{}),
		status:   map[slot.Name]string{},
	}, nil
}

// SessionEnded tells the updater how a CWMP session went: an established
// one (InformResponse received) proves the running image reaches the ACS.
func (u *Updater) SessionEnded(established bool) {
	if established {
		u.informOnce.Do(func() { close(u.informed) })
	}
}

// Execute implements the session's Executor.
func (u *Updater) Execute(ctx context.Context, t store.Transfer) cwmp.FaultStruct {
	switch {
	case t.Kind == store.KindUpload:
		return u.upload(ctx, &t)
	case t.FileType == fileFirmware:
		return u.firmware(ctx, &t)
	case t.FileType == fileVendorConfig:
		return u.vendorConfig(ctx, &t)
	}
	return cwmp.FaultStruct{FaultCode: cwmp.FaultDownloadFailure, FaultString: "file type " + strconv.Quote(t.FileType) + " is not supported on this device"}
}

// Resume implements the session's Resumer: it carries on with a transfer
// a restart or reboot interrupted, from the state saved last.
func (u *Updater) Resume(ctx context.Context, t store.Transfer) cwmp.FaultStruct {
	if t.StateSaves >= u.opts.MaxStateSaves {
		return u.loopBreak(ctx, &t)
	}
	if t.Kind == store.KindUpload || t.FileType != fileFirmware {
		// Small files: start over rather than resume.
		t, err := u.st.EnterTransferState(t.ID, store.TransferTransferring)
		if err != nil {
			return faultOf(err, cwmp.FaultInternalError)
		}
		return u.Execute(ctx, t)
	}
	return u.resumeFirmware(ctx, &t)
}

// setStatus records what FirmwareImage.{i}.Status shows for a slot beyond
// what the slots themselves say ("" clears it).
func (u *Updater) setStatus(s slot.Name, status string) {
	u.mu.Lock()
	if status == "" {
		delete(u.status, s)
	} else {
		u.status[s] = status
	}
	u.mu.Unlock()
}

// SlotStatus is the status overlay for a slot: "Downloading",
// "Validating", "DownloadFailed", "ValidationFailed", "InstallationFailed",
// "ActivationFailed", or "" when the slot's own state says it all.
func (u *Updater) SlotStatus(s slot.Name) string {
	u.mu.Lock()
	st := u.status[s]
	u.mu.Unlock()
	return st
}

func (u *Updater) bootID() string {
	if u.opts.BootID == nil {
		return ""
	}
	id, err := u.opts.BootID()
	if err != nil {
		u.log.Error("reading the boot id", "err", err)
	}
	return id
}

// wait sleeps d on the updater's clock, or until ctx ends.
func (u *Updater) wait(ctx context.Context, d time.Duration) error {
	// Stopped by hand, not deferred: a defer costs ~150 bytes of router code.
	t := u.clk.NewTimer(d)
	var err error
	select {
	case <-t.C():
	case <-ctx.Done():
		err = ctx.Err()
	}
	t.Stop()
	return err
}
