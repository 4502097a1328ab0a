package update

import (
	"errors"
	"fmt"

	"gatewarden/firmware/image"
	"gatewarden/firmware/slot"
)

// fwTarget is the download sink of a firmware package: the verifier
// writing into the slot, checkpointed into the transfer record.
type fwTarget struct {
	u     *Updater
	id    uint64
	p     *progress
	v     *image.Verifier
	ss    *slotSink
	since int64
}

// newFWTarget restores the checkpoint in p, or starts at byte 0 when there
// is none or it cannot be continued (a backend without resume, a state
// the current keys no longer accept).
func (u *Updater) newFWTarget(id uint64, p *progress) (*fwTarget, error) {
	f := &fwTarget{u: u, id: id, p: p}
	f.reset()
	if len(p.Verifier) == 0 {
		return f, nil
	}
	if err := f.v.UnmarshalBinary(p.Verifier); err != nil {
		u.log.Warn("download checkpoint unusable; starting over", "id", id, "err", err)
		return f, f.Restart()
	}
	f.ss.header = f.v.Header()
	if entry, off := f.v.Position(); entry < len(f.ss.header.Entries) && off > 0 {
		if err := f.ss.open(entry, off); err != nil {
			if errors.Is(err, slot.ErrNoResume) {
				u.log.Info("slot cannot continue a partial write; starting over", "id", id)
				return f, f.Restart()
			}
			return nil, fmt.Errorf("reopening slot %s: %w", p.Slot, err)
		}
	}
	u.log.Info("resuming download", "id", id, "offset", f.v.Offset())
	return f, nil
}

func (f *fwTarget) reset() {
	f.ss = &slotSink{slots: f.u.opts.Slots, slot: f.p.Slot, started: func(h *image.Header) error {
		f.p.Version = h.Version
		return nil
	}}
	f.v = image.NewVerifier(f.u.opts.Keys, f.u.opts.Board, f.ss)
	f.since = 0
}

// Write implements sink: bytes go through the verifier into the slot.
func (f *fwTarget) Write(b []byte) (int, error) {
	n, err := f.v.Write(b)
	if err != nil {
		return n, packageFault(err)
	}
	f.since += int64(n)
	if f.since >= f.u.opts.CheckpointBytes {
		if err := f.checkpoint(); err != nil {
			return n, err
		}
	}
	return n, nil
}

// Offset implements sink.
func (f *fwTarget) Offset() int64 { return f.v.Offset() }

// Restart implements sink.
func (f *fwTarget) Restart() error {
	if err := f.ss.close(); err != nil {
		f.u.log.Warn("closing the slot writer", "err", err)
	}
	f.reset()
	f.p.Verifier = nil
	f.p.ETag = ""
	f.p.Restarts++
	_, err := f.u.saveProgress(f.id, f.p, 0)
	return err
}

// checkpoint makes the slot durable up to the verifier's offset, then
// records that offset: after a power cut, the slot holds at least what the
// record claims.
func (f *fwTarget) checkpoint() error {
	f.since = 0
	if f.v.Header() == nil || f.v.Done() {
		return nil
	}
	if err := f.ss.sync(); err != nil {
		return fmt.Errorf("syncing slot %s: %w", f.p.Slot, err)
	}
	state, err := f.v.MarshalBinary()
	if err != nil {
		return err
	}
	f.p.Verifier = state
	_, err = f.u.saveProgress(f.id, f.p, 0)
	return err
}

// finish checks that the package ended where it should and closes the slot.
func (f *fwTarget) finish() error {
	if err := f.v.Close(); err != nil {
		return packageFault(err)
	}
	if err := f.ss.close(); err != nil {
		return packageFault(&image.Error{Kind: image.ErrSink, Offset: f.v.Offset(), Err: err})
	}
	return nil
}

// abort drops the open writer after a failure.
func (f *fwTarget) abort() {
	if err := f.ss.close(); err != nil {
		f.u.log.Debug("closing the slot writer after a failure", "err", err)
	}
}
