package agent

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"gatewarden/cpe-agent/internal/model"
	"gatewarden/cpe-agent/internal/platform"
	"gatewarden/cpe-agent/internal/session"
	"gatewarden/cpe-agent/internal/update"
	"gatewarden/firmware/image"
	"gatewarden/firmware/slot"
)

// FirmwareConfig is the firmware part of the configuration. UCI options
// of `config agent 'main'`:
//
//	option firmware_keys '/etc/gatewarden/firmware-keys.pem'  trusted signing keys (PKIX PEM, one or more)
//	option board 'GW1'                        board name packages must list (default: product_class)
//	option firmware_slots 'files'             files | uboot | none (default: files on sim; uboot on
//	                                          linux when fw_printenv is installed, else none)
//	option firmware_health_timeout '300'      seconds a new image has to reach the ACS
//	option firmware_boot_limit '2'            trial boots before the bootloader falls back
//
// The keys come with the agent's configuration or package, never from the
// ACS: without them every firmware Download fails with 9019.
type FirmwareConfig struct {
	_ incomparable
	// KeysFile holds the trusted keys; "" means DefaultFirmwareKeys, which
	// may be absent (then no key is trusted). A file named explicitly must exist.
	KeysFile      string
	Board         string
	Slots         string
	HealthTimeout time.Duration
	BootLimit     int
}

// DefaultFirmwareKeys is where an agent package installs the trusted keys.
const DefaultFirmwareKeys = "/etc/gatewarden/firmware-keys.pem"

// slotsDir holds the file-backed slots inside the data directory.
const slotsDir = "slots"

func init() {
	uciKeys["firmware_slots"] = func(c *Config, v string) error {
		switch v {
		case "files", "uboot", "none":
			c.Firmware.Slots = v
			return nil
		}
		return fmt.Errorf("want files, uboot or none, got %q", v)
	}
	uciKeys["firmware_health_timeout"] = func(c *Config, v string) error {
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil || n == 0 {
			return fmt.Errorf("want a number of seconds ≥ 1, got %q", v)
		}
		c.Firmware.HealthTimeout = time.Duration(n) * time.Second
		return nil
	}
	uciKeys["firmware_boot_limit"] = func(c *Config, v string) error {
		n, err := strconv.ParseUint(v, 10, 8)
		if err != nil || n == 0 {
			return fmt.Errorf("want a number of boots ≥ 1, got %q", v)
		}
		c.Firmware.BootLimit = int(n)
		return nil
	}
}

// firmware is the update machinery of one (simulated) boot.
type firmware struct {
	a     *Agent
	stop  context.CancelFunc
	slots slot.Slots
	upd   *update.Updater

	mu       sync.Mutex
	rebooted bool
}

// runBoot runs one boot of the device. A reboot the updater asks for (into
// a new image, or after a failed trial) ends it like the ACS's Reboot does.
func (a *Agent) runBoot(ctx context.Context) error {
	bctx, cancel := context.WithCancel(ctx)
	defer cancel()
	fw := &firmware{a: a, stop: cancel}
	a.mu.Lock()
	a.fw = fw
	a.mu.Unlock()
	err := a.runOnce(bctx)
	fw.mu.Lock()
	rebooted := fw.rebooted
	fw.mu.Unlock()
	if rebooted && ctx.Err() == nil {
		return session.ErrRebooted
	}
	return err
}

// platform sets up the slots and the updater for this boot and returns
// the platform as the data model should see it: SoftwareVersion from the
// booted slot, and Device.DeviceInfo.FirmwareImage.{i} bound.
func (f *firmware) platform(plat platform.Platform) platform.Platform {
	if err := f.setup(plat); err != nil {
		return &fwPlatform{Platform: plat, err: fmt.Errorf("firmware: %w", err)}
	}
	return &fwPlatform{Platform: plat, fw: f}
}

func (f *firmware) setup(plat platform.Platform) error {
	a := f.a
	cfg := a.cfg.Firmware
	kind := cfg.Slots
	if kind == "" {
		kind = "none"
		if a.cfg.Platform == "sim" {
			kind = "files"
		} else if _, err := slot.LookPath("fw_printenv"); err == nil {
			kind = "uboot"
		}
	}
	switch kind {
	case "files":
		files, err := slot.OpenFiles(filepath.Join(a.cfg.DataDir, slotsDir), slot.FilesOptions{
			FactoryVersion: plat.Identity().SoftwareVersion, BootLimit: cfg.BootLimit,
		})
		if err != nil {
			return err
		}
		// The file-backed pair has no bootloader of its own: play it at
		// each new boot.
		id, err := plat.BootID()
		if err != nil {
			return err
		}
		if _, err := files.Boot(id); err != nil {
			return err
		}
		f.slots = files
	case "uboot":
		f.slots = slot.NewUBoot(slot.UBootOptions{BootLimit: cfg.BootLimit})
	}
	keys, err := loadFirmwareKeys(cfg.KeysFile)
	if err != nil {
		return err
	}
	board := cfg.Board
	if board == "" {
		board = a.cfg.ProductClass
	}
	var apply func(ctx context.Context, path string) error
	if ap, ok := plat.(interface {
		ApplyConfig(ctx context.Context, path string) error
	}); ok {
		apply = ap.ApplyConfig
	}
	f.upd, err = update.New(update.Options{
		Store:          a.st,
		Slots:          f.slots,
		Keys:           image.NewKeyring(keys...),
		Board:          board,
		Reboot:         f.reboot(plat),
		BootID:         plat.BootID,
		Clock:          a.opts.clk,
		RootCAs:        a.roots,
		HealthDeadline: cfg.HealthTimeout,
		ConfigDir:      a.cfg.DataDir,
		ApplyConfig:    apply,
		Logger:         a.log,
	})
	return err
}

func loadFirmwareKeys(path string) ([]ed25519.PublicKey, error) {
	explicit := path != ""
	if !explicit {
		path = DefaultFirmwareKeys
	}
	keys, err := image.LoadPublicKeys(path)
	if err != nil {
		if !explicit && errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("trusted firmware keys: %w", err)
	}
	return keys, nil
}

// reboot is the updater's way to reboot: the platform reboots (the sim
// starts a new simulated boot), then this boot's agent stops.
func (f *firmware) reboot(plat platform.Platform) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		if err := plat.Reboot(ctx); err != nil {
			return err
		}
		f.mu.Lock()
		f.rebooted = true
		f.mu.Unlock()
		f.stop()
		return nil
	}
}

// wire makes the updater the session's transfer executor and lets it see
// which sessions reached the ACS.
func (f *firmware) wire(so *session.Options) error {
	if f.upd == nil {
		return nil
	}
	q, err := session.NewTransferQueue(session.TransferQueueOptions{
		Store: so.Store, Clock: so.Clock, Executor: f.upd, Logger: so.Logger,
	})
	if err != nil {
		return err
	}
	so.Transfers = &fwTransfers{TransferQueue: q, upd: f.upd}
	prev := so.OnSessionEnd
	upd := f.upd
	so.OnSessionEnd = func(r session.Result) {
		upd.SessionEnded(r.Established)
		if prev != nil {
			prev(r)
		}
	}
	return nil
}

// fwTransfers is the transfer queue, plus the health check of a trial
// image no transfer accounts for.
type fwTransfers struct {
	*session.TransferQueue
	upd *update.Updater
}

func (t *fwTransfers) Run(ctx context.Context, completed func()) error {
	go t.upd.WatchOrphanTrial(ctx)
	return t.TransferQueue.Run(ctx, completed)
}

// fwPlatform is the platform with the firmware slots added; only
// platform.Registry sees it.
type fwPlatform struct {
	_ incomparable
	platform.Platform
	fw  *firmware
	err error
}

func (p *fwPlatform) Identity() model.Identity {
	id := p.Platform.Identity()
	if p.fw == nil || p.fw.slots == nil {
		return id
	}
	st, err := p.fw.slots.Status()
	if err != nil {
		return id
	}
	for _, s := range st {
		if s.Booted && s.Version != "" {
			id.SoftwareVersion = s.Version
		}
	}
	return id
}

func (p *fwPlatform) Register(r *model.Registry) error {
	if p.err != nil {
		return p.err
	}
	if err := p.Platform.Register(r); err != nil {
		return err
	}
	if p.fw.slots != nil {
		update.BindFirmwareImages(r, p.fw.slots, p.fw.upd)
	}
	return nil
}
