package update

import (
	"context"

	"gatewarden/cpe-agent/internal/clock"
	"gatewarden/cpe-agent/internal/store"
	"gatewarden/firmware/slot"
)

// WatchOrphanTrial handles an image running on trial that no transfer
// record accounts for (the store was wiped by a factory reset or
// quarantined after corruption during the trial). The same rule applies
// as for a recorded upgrade: commit once an Inform reaches the ACS within
// HealthDeadline, else reboot so the bootloader falls back. There is no
// TransferComplete to send: the ACS sees the outcome in SoftwareVersion.
// It returns at once when there is nothing to do.
func (u *Updater) WatchOrphanTrial(ctx context.Context) {
	if u.opts.Slots == nil {
		return
	}
	st, err := u.opts.Slots.Status()
	if err != nil {
		return
	}
	var booted slot.Info
	for _, i := range st {
		if i.Booted {
			booted = i
		}
	}
	if booted.State != slot.StateTrying {
		return
	}
	ts, err := u.st.Transfers()
	if err != nil {
		return
	}
	for _, t := range ts {
		if t.FileType != fileFirmware || t.State == store.TransferCompleted || t.State == store.TransferQueued {
			continue
		}
		if p, err := loadProgress(&t); err == nil && p.Slot == booted.Name {
			return // the transfer's own Resume decides
		}
	}
	u.log.Warn("running an image on trial that no transfer accounts for; applying the health check",
		"slot", booted.Name, "version", booted.Version)
	timer := clock.TimerAt(u.clk, u.clk.Now().Add(u.opts.HealthDeadline))
	select {
	case <-u.informed:
		timer.Stop() // by hand: a defer costs ~150 bytes of router code
		if err := u.opts.Slots.MarkGood(); err != nil {
			u.log.Error("committing the trial image", "err", err)
			return
		}
		u.log.Info("trial image committed", "slot", booted.Name, "version", booted.Version)
	case <-timer.C():
		u.log.Warn("trial image did not reach the ACS in time; rebooting", "slot", booted.Name)
		if u.opts.Reboot != nil {
			if err := u.opts.Reboot(ctx); err != nil {
				u.log.Error("reboot", "err", err)
			}
		}
	case <-ctx.Done():
		timer.Stop()
	}
}
