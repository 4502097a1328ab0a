package update

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"gatewarden/cpe-agent/internal/clock"
	"gatewarden/cpe-agent/internal/redact"
	"gatewarden/cpe-agent/internal/store"
	"gatewarden/firmware/slot"
	"gatewarden/protocol/cwmp"
)

var errWindowClosed = errors.New("time window closed")

// firmware downloads and installs a package (state transferring), from
// the checkpoint in t.Data when there is one.
func (u *Updater) firmware(ctx context.Context, t *store.Transfer) cwmp.FaultStruct {
	if u.opts.Slots == nil {
		return cwmp.FaultStruct{FaultCode: cwmp.FaultDownloadFailure, FaultString: "this device has no firmware slots"}
	}
	if u.opts.Keys.Len() == 0 {
		return cwmp.FaultStruct{FaultCode: cwmp.FaultFileAuthFailure, FaultString: "no trusted firmware signing keys are configured (option firmware_keys)"}
	}
	p, err := loadProgress(t)
	if err != nil {
		return faultOf(err, cwmp.FaultInternalError)
	}
	booted, err := u.opts.Slots.Booted()
	if err != nil {
		return faultOf(err, cwmp.FaultDownloadFailure)
	}
	if p.Slot == "" {
		p.Slot = booted.Other()
		p.FromVersion = u.slotVersion(booted)
		// The slot is recorded before it is touched, so a restart knows
		// which one to clean up.
		if _, err := u.saveProgress(t.ID, p, 0); err != nil {
			return faultOf(err, cwmp.FaultInternalError)
		}
	}
	if p.Slot == booted {
		return cwmp.FaultStruct{FaultCode: cwmp.FaultDownloadFailure, FaultString: "the slot to write is the running one"}
	}
	if err := u.opts.Slots.MarkBad(p.Slot); err != nil {
		return faultOf(fmt.Errorf("marking slot %s bad: %w", p.Slot, err), cwmp.FaultDownloadFailure)
	}
	u.setStatus(p.Slot, "Downloading")
	tgt, err := u.newFWTarget(t.ID, p)
	if err != nil {
		u.setStatus(p.Slot, "DownloadFailed")
		return faultOf(err, cwmp.FaultDownloadFailure)
	}
	u.log.Info("firmware download", "id", t.ID, "url", redact.URL(t.URL), "slot", p.Slot, "offset", tgt.Offset())

	dctx, stop := u.windowContext(ctx, t)
	err = u.download(dctx, t, &p.ETag, tgt)
	stop()
	if err == nil {
		err = tgt.finish()
	}
	if err != nil {
		tgt.abort()
		if ctx.Err() != nil {
			return cwmp.FaultStruct{} // stopping: resumed at the next start
		}
		if errors.Is(context.Cause(dctx), errWindowClosed) {
			err = fail(cwmp.FaultTimeWindowExceeded, "download not finished within the time windows (at byte %d)", tgt.Offset())
		}
		// The slot stays marked bad: nothing partial can ever boot.
		if merr := u.opts.Slots.MarkBad(p.Slot); merr != nil {
			u.log.Error("marking the failed slot bad", "slot", p.Slot, "err", merr)
		}
		status := "DownloadFailed"
		var f *failure
		if errors.As(err, &f) && (f.code == cwmp.FaultFileCorrupted || f.code == cwmp.FaultFileAuthFailure) {
			status = "ValidationFailed"
		}
		u.setStatus(p.Slot, status)
		u.log.Warn("firmware download failed", "id", t.ID, "err", err)
		return faultOf(err, cwmp.FaultDownloadFailure)
	}
	p.Verified, p.Verifier = true, nil
	*t, err = u.saveProgress(t.ID, p, store.TransferInstalling)
	if err != nil {
		return faultOf(err, cwmp.FaultInternalError)
	}
	return u.install(ctx, t, p)
}

// windowContext ends when a ScheduleDownload's last window closes.
func (u *Updater) windowContext(ctx context.Context, t *store.Transfer) (context.Context, func()) {
	if len(t.Windows) == 0 {
		return ctx, func() {}
	}
	wctx, cancel := context.WithCancelCause(ctx)
	end := t.Windows[len(t.Windows)-1].End
	timer := u.clk.AfterFunc(end.Sub(u.clk.Now()), func() { cancel(errWindowClosed) })
	return wctx, func() { timer.Stop(); cancel(nil) }
}

// install arms the verified slot for a trial boot (state installing).
func (u *Updater) install(ctx context.Context, t *store.Transfer, p *progress) cwmp.FaultStruct {
	u.setStatus(p.Slot, "Validating")
	if err := u.opts.Slots.MarkBootOnce(p.Slot, p.Version); err != nil {
		u.setStatus(p.Slot, "InstallationFailed")
		if merr := u.opts.Slots.MarkBad(p.Slot); merr != nil {
			u.log.Error("disarming slot", "slot", p.Slot, "err", merr)
		}
		return faultOf(fmt.Errorf("arming slot %s: %w", p.Slot, err), cwmp.FaultDownloadFailure)
	}
	u.setStatus(p.Slot, "")
	p.RebootBootID = u.bootID()
	var err error
	*t, err = u.saveProgress(t.ID, p, store.TransferRebooting)
	if err != nil {
		// Without the record the next boot could not verify or report the
		// image: do not let it boot.
		return u.abandon(t, p, "saving the transfer state failed: "+err.Error())
	}
	return u.reboot(ctx, t, p)
}

// reboot restarts the device into the armed slot (state rebooting, or a
// failed trial in verifying) and waits for the agent to be stopped.
func (u *Updater) reboot(ctx context.Context, t *store.Transfer, p *progress) cwmp.FaultStruct {
	u.log.Info("rebooting into the new firmware", "id", t.ID, "slot", p.Slot, "version", p.Version)
	if u.opts.Reboot == nil {
		return u.abandon(t, p, "this device cannot reboot itself")
	}
	if err := u.opts.Reboot(ctx); err != nil {
		if ctx.Err() != nil {
			return cwmp.FaultStruct{}
		}
		return u.abandon(t, p, "reboot failed: "+err.Error())
	}
	<-ctx.Done()
	return cwmp.FaultStruct{}
}

// abandon disarms the new slot when the old image keeps running.
func (u *Updater) abandon(t *store.Transfer, p *progress, why string) cwmp.FaultStruct {
	if booted, err := u.opts.Slots.Booted(); err == nil && booted != p.Slot {
		if err := u.opts.Slots.MarkBad(p.Slot); err != nil {
			u.log.Error("disarming slot", "slot", p.Slot, "err", err)
		}
	}
	u.setStatus(p.Slot, "InstallationFailed")
	return cwmp.FaultStruct{FaultCode: cwmp.FaultDownloadFailure, FaultString: truncate("firmware " + p.Version + " not activated: " + why)}
}

// resumeFirmware continues a firmware transfer from its saved state.
func (u *Updater) resumeFirmware(ctx context.Context, t *store.Transfer) cwmp.FaultStruct {
	p, err := loadProgress(t)
	if err != nil {
		return faultOf(err, cwmp.FaultInternalError)
	}
	if u.opts.Slots == nil {
		return cwmp.FaultStruct{FaultCode: cwmp.FaultDownloadFailure, FaultString: "this device has no firmware slots"}
	}
	booted, err := u.opts.Slots.Booted()
	if err != nil {
		return faultOf(err, cwmp.FaultDownloadFailure)
	}
	u.log.Info("resuming firmware transfer", "id", t.ID, "state", t.State, "booted", booted, "slot", p.Slot)
	switch t.State {
	case store.TransferTransferring:
		if *t, err = u.st.EnterTransferState(t.ID, store.TransferTransferring); err != nil {
			return faultOf(err, cwmp.FaultInternalError)
		}
		return u.firmware(ctx, t)
	case store.TransferInstalling:
		if !p.Verified || p.Slot == "" || p.Slot == booted {
			return u.abandon(t, p, "interrupted before the package was verified")
		}
		if *t, err = u.st.EnterTransferState(t.ID, store.TransferInstalling); err != nil {
			return faultOf(err, cwmp.FaultInternalError)
		}
		return u.install(ctx, t, p)
	case store.TransferRebooting:
		if p.RebootBootID != "" && u.bootID() == p.RebootBootID && booted != p.Slot {
			// Stopped before the reboot happened.
			if *t, err = u.st.EnterTransferState(t.ID, store.TransferRebooting); err != nil {
				return faultOf(err, cwmp.FaultInternalError)
			}
			return u.reboot(ctx, t, p)
		}
		if booted != p.Slot {
			return u.rollback(t, p, booted)
		}
		if *t, err = u.saveProgress(t.ID, p, store.TransferVerifying); err != nil {
			return faultOf(err, cwmp.FaultInternalError)
		}
		return u.verify(ctx, t, p)
	case store.TransferVerifying:
		if booted != p.Slot {
			return u.rollback(t, p, booted)
		}
		if *t, err = u.st.EnterTransferState(t.ID, store.TransferVerifying); err != nil {
			return faultOf(err, cwmp.FaultInternalError)
		}
		return u.verify(ctx, t, p)
	case store.TransferRollingBack:
		return u.rollback(t, p, booted)
	}
	return cwmp.FaultStruct{FaultCode: cwmp.FaultDownloadFailure, FaultString: "transfer interrupted in state " + t.State.String()}
}

// verify waits, on the new image, for an Inform to reach the ACS before
// the trial deadline of this boot; then commits the slot. Otherwise it
// reboots: the bootloader counts the trial and, past its limit, falls back.
func (u *Updater) verify(ctx context.Context, t *store.Transfer, p *progress) cwmp.FaultStruct {
	if u.committed(p.Slot) {
		return u.succeeded(t, p)
	}
	if id := u.bootID(); p.TrialBootID != id || p.TrialDeadline.IsZero() {
		p.TrialBootID = id
		p.TrialDeadline = u.clk.Now().Add(u.opts.HealthDeadline)
		p.TrialBoots++
		var err error
		if *t, err = u.saveProgress(t.ID, p, 0); err != nil {
			return faultOf(err, cwmp.FaultInternalError)
		}
	}
	u.log.Info("new firmware on trial: waiting for an Inform to reach the ACS", "id", t.ID, "slot", p.Slot,
		"version", p.Version, "deadline", p.TrialDeadline, "trial_boot", p.TrialBoots)
	timer := clock.TimerAt(u.clk, p.TrialDeadline)
	select {
	case <-u.informed:
		timer.Stop() // by hand: a defer costs ~150 bytes of router code
		if err := u.opts.Slots.MarkGood(); err != nil {
			return faultOf(fmt.Errorf("committing slot %s: %w", p.Slot, err), cwmp.FaultDownloadFailure)
		}
		return u.succeeded(t, p)
	case <-timer.C():
		u.log.Warn("new firmware did not reach the ACS in time; rebooting so the bootloader counts the failed trial",
			"id", t.ID, "slot", p.Slot, "deadline", u.opts.HealthDeadline)
		return u.reboot(ctx, t, p)
	case <-ctx.Done():
		timer.Stop()
		return cwmp.FaultStruct{}
	}
}

func (u *Updater) committed(s slot.Name) bool {
	st, err := u.opts.Slots.Status()
	if err != nil {
		return false
	}
	for _, i := range st {
		if i.Name == s && i.Booted && i.State == slot.StateGood {
			return true
		}
	}
	return false
}

func (u *Updater) succeeded(t *store.Transfer, p *progress) cwmp.FaultStruct {
	u.setStatus(p.Slot, "")
	u.log.Info("firmware upgrade committed", "id", t.ID, "slot", p.Slot, "from", p.FromVersion, "to", p.Version)
	return cwmp.FaultStruct{}
}

// rollback reports an image the bootloader abandoned (state rolling-back).
func (u *Updater) rollback(t *store.Transfer, p *progress, booted slot.Name) cwmp.FaultStruct {
	if _, err := u.saveProgress(t.ID, p, store.TransferRollingBack); err != nil {
		return faultOf(err, cwmp.FaultInternalError)
	}
	if p.Slot != "" && p.Slot != booted {
		if err := u.opts.Slots.MarkBad(p.Slot); err != nil {
			u.log.Error("marking the abandoned slot bad", "slot", p.Slot, "err", err)
		}
	}
	u.setStatus(p.Slot, "ActivationFailed")
	// Concatenated, not fmt.Sprintf: each Sprintf call site costs the
	// router binary its argument boxing.
	msg := "firmware " + p.Version + " rolled back: "
	if p.TrialBoots > 0 {
		msg += "no Inform reached the ACS within " + u.opts.HealthDeadline.Round(time.Second).String() +
			" on " + strconv.Itoa(p.TrialBoots) + " trial boot(s)"
	} else {
		msg += "the new image did not boot"
	}
	msg += "; running " + u.slotVersion(booted) + " again (slot " + string(booted) + ")"
	u.log.Warn("firmware rolled back", "id", t.ID, "slot", p.Slot, "booted", booted)
	return cwmp.FaultStruct{FaultCode: cwmp.FaultDownloadFailure, FaultString: truncate(msg)}
}

// loopBreak ends a transfer that keeps re-entering states. While the new
// image still runs on trial it reboots instead, so the bootloader's count
// runs out and the old image comes back.
func (u *Updater) loopBreak(ctx context.Context, t *store.Transfer) cwmp.FaultStruct {
	msg := "transfer abandoned after " + strconv.FormatUint(uint64(t.StateSaves), 10) + " state changes (loop breaker)"
	u.log.Error("loop breaker", "id", t.ID, "state", t.State, "saves", t.StateSaves)
	p, err := loadProgress(t)
	if err != nil || t.FileType != fileFirmware || t.Kind == store.KindUpload || p.Slot == "" || u.opts.Slots == nil {
		code := cwmp.FaultDownloadFailure
		if t.Kind == store.KindUpload {
			code = cwmp.FaultUploadFailure
		}
		return cwmp.FaultStruct{FaultCode: code, FaultString: msg}
	}
	booted, err := u.opts.Slots.Booted()
	if err != nil {
		return faultOf(err, cwmp.FaultDownloadFailure)
	}
	if booted == p.Slot {
		if u.committed(p.Slot) {
			return u.succeeded(t, p)
		}
		return u.reboot(ctx, t, p)
	}
	if err := u.opts.Slots.MarkBad(p.Slot); err != nil {
		u.log.Error("marking the abandoned slot bad", "slot", p.Slot, "err", err)
	}
	u.setStatus(p.Slot, "InstallationFailed")
	return cwmp.FaultStruct{FaultCode: cwmp.FaultDownloadFailure, FaultString: msg}
}

func (u *Updater) slotVersion(s slot.Name) string {
	st, err := u.opts.Slots.Status()
	if err != nil {
		return ""
	}
	for _, i := range st {
		if i.Name == s {
			return i.Version
		}
	}
	return ""
}
