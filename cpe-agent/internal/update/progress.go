package update

import (
	"encoding/json"
	"fmt"
	"time"

	"gatewarden/cpe-agent/internal/store"
	"gatewarden/firmware/slot"
)

// progress is the executor's part of a transfer record (store.Transfer.Data):
// enough to resume a download after a power cut and to tell, after a
// reboot, whether the new image booted.
type progress struct {
	// Slot is the slot being written; chosen, and saved, before it is
	// marked bad.
	Slot        slot.Name `json:"slot,omitempty"`
	FromVersion string    `json:"from_version,omitempty"`
	Version     string    `json:"version,omitempty"`
	// Verifier is the image.Verifier state at the last checkpoint: every
	// payload byte before its offset is synced to the slot.
	Verifier []byte `json:"verifier,omitempty"`
	// ETag pins the file a resumed download continues (If-Range).
	ETag string `json:"etag,omitempty"`
	// Verified: the whole package checked out; the slot holds it.
	Verified bool `json:"verified,omitempty"`
	// RebootBootID is the boot that asked for the reboot into the new slot.
	RebootBootID string `json:"reboot_boot_id,omitempty"`
	// TrialBootID and TrialDeadline: the boot on trial and when it must
	// have reached the ACS.
	TrialBootID   string    `json:"trial_boot_id,omitempty"`
	TrialDeadline time.Time `json:"trial_deadline,omitempty"`
	TrialBoots    int       `json:"trial_boots,omitempty"`
	// Restarts counts downloads started over from byte 0.
	Restarts int `json:"restarts,omitempty"`
}

func loadProgress(t *store.Transfer) (*progress, error) {
	p := &progress{}
	if len(t.Data) == 0 {
		return p, nil
	}
	if err := json.Unmarshal(t.Data, p); err != nil {
		return nil, fmt.Errorf("update: transfer %d progress: %w", t.ID, err)
	}
	return p, nil
}

// saveProgress stores p with the transfer, and when state is not zero
// enters that state in the same commit: the state and what it needs are
// durable together, before the state's work begins.
func (u *Updater) saveProgress(id uint64, p *progress, state store.TransferState) (store.Transfer, error) {
	data, err := json.Marshal(p)
	if err != nil {
		return store.Transfer{}, fmt.Errorf("update: %w", err)
	}
	var out store.Transfer
	err = u.st.Update(func(tx *store.Tx) error {
		t, err := tx.Transfer(id)
		if err != nil {
			return err
		}
		t.Data = data
		if _, err := tx.SaveTransfer(t); err != nil {
			return err
		}
		if state != 0 {
			if t, err = tx.EnterTransferState(id, state); err != nil {
				return err
			}
		}
		out = t
		return nil
	})
	if err != nil {
		return store.Transfer{}, fmt.Errorf("update: saving transfer %d: %w", id, err)
	}
	return out, nil
}
