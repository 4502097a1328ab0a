package store

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"gatewarden/cpe-agent/internal/redact"
)

// TransferKind names the RPC that started a transfer.
type TransferKind string

// Transfer kinds.
const (
	KindDownload         TransferKind = "Download"
	KindScheduleDownload TransferKind = "ScheduleDownload"
	KindUpload           TransferKind = "Upload"
)

// TransferState is the step a transfer is in. The executor saves the step
// it is about to enter (EnterTransferState) before doing that step's work,
// so a crash or reboot at any point resumes, verifies or rolls back from
// the saved step: the Mender pattern.
type TransferState uint8

// Transfer states, in their usual order.
const (
	// TransferQueued: accepted, waiting for its start time or its turn.
	TransferQueued TransferState = iota + 1
	// TransferTransferring: fetching (or, for an upload, sending) the file.
	TransferTransferring
	// TransferInstalling: writing an image to the inactive slot, or
	// applying a configuration file.
	TransferInstalling
	// TransferRebooting: the slot is switched and a reboot requested.
	TransferRebooting
	// TransferVerifying: running the new image, which must prove healthy
	// before it is committed.
	TransferVerifying
	// TransferRollingBack: the new image failed; returning to the old one.
	TransferRollingBack
	// TransferCompleted: the outcome is final and a TransferComplete is
	// owed to the ACS until it acknowledges it.
	TransferCompleted
)

var transferStateNames = [...]string{
	TransferQueued:       "queued",
	TransferTransferring: "transferring",
	TransferInstalling:   "installing",
	TransferRebooting:    "rebooting",
	TransferVerifying:    "verifying",
	TransferRollingBack:  "rolling-back",
	TransferCompleted:    "completed",
}

func (s TransferState) String() string {
	if int(s) < len(transferStateNames) && transferStateNames[s] != "" {
		return transferStateNames[s]
	}
	return "TransferState(" + strconv.Itoa(int(s)) + ")"
}

// QueuedState is the State that GetQueuedTransfers reports: 1 not yet
// started, 2 in progress, 3 completed.
func (s TransferState) QueuedState() int {
	switch s {
	case TransferQueued:
		return 1
	case TransferCompleted:
		return 3
	}
	return 2
}

// TimeWindow is one ScheduleDownload window, resolved to absolute times.
type TimeWindow struct {
	_           incomparable
	Start       time.Time `json:"start"`
	End         time.Time `json:"end"`
	Mode        string    `json:"mode"`
	UserMessage string    `json:"user_message,omitempty"`
	MaxRetries  int       `json:"max_retries"`
}

// Transfer is one Download, ScheduleDownload or Upload the agent accepted.
// Its identity is ID (a sequence, never reused); CommandKey is what the ACS
// matches in TransferComplete and need not be unique.
type Transfer struct {
	ID             uint64       `json:"id"`
	Kind           TransferKind `json:"kind"`
	CommandKey     string       `json:"command_key"`
	FileType       string       `json:"file_type"`
	URL            string       `json:"url"`
	Username       string       `json:"username,omitempty"`
	Password       string       `json:"password,omitempty"`
	FileSize       uint64       `json:"file_size,omitempty"`
	TargetFileName string       `json:"target_file_name,omitempty"`
	SuccessURL     string       `json:"success_url,omitempty"`
	FailureURL     string       `json:"failure_url,omitempty"`
	// NotBefore is the request's DelaySeconds resolved to a time.
	NotBefore time.Time     `json:"not_before"`
	Windows   []TimeWindow  `json:"windows,omitempty"`
	State     TransferState `json:"state"`
	// StateSaves counts EnterTransferState calls: a transfer that keeps
	// re-entering states (a reboot loop) can be failed once it passes a
	// limit.
	StateSaves  uint32    `json:"state_saves"`
	Started     time.Time `json:"started"`
	Completed   time.Time `json:"completed"`
	FaultCode   uint32    `json:"fault_code,omitempty"`
	FaultString string    `json:"fault_string,omitempty"`
	// Data belongs to the executor (slot, image version, ...); the store
	// keeps it opaque.
	Data []byte `json:"data,omitempty"`
}

// transferRecord is the stored form, without the redacting methods.
type transferRecord Transfer

func (t Transfer) String() string {
	return fmt.Sprintf("{ID:%d Kind:%s CommandKey:%q FileType:%q URL:%q Username:%q Password:%q State:%s StateSaves:%d FaultCode:%d}",
		t.ID, t.Kind, t.CommandKey, t.FileType, redact.URL(t.URL), t.Username, mask(t.Password), t.State, t.StateSaves, t.FaultCode)
}

func (t Transfer) GoString() string { return "store.Transfer" + t.String() }

// LogValue keeps the password and URL credentials out of slog output.
func (t Transfer) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Uint64("id", t.ID),
		slog.String("kind", string(t.Kind)),
		slog.String("command_key", t.CommandKey),
		slog.String("url", redact.URL(t.URL)),
		slog.String("state", t.State.String()),
		slog.Uint64("fault_code", uint64(t.FaultCode)),
	)
}

// MarshalJSON renders the transfer with its secrets redacted.
func (t Transfer) MarshalJSON() ([]byte, error) {
	r := transferRecord(t)
	r.URL = redact.URL(t.URL)
	r.Password = mask(t.Password)
	return json.Marshal(r)
}

// SaveTransfer stores t. A zero ID creates a new transfer (in state
// TransferQueued unless set) and returns its new ID; otherwise the
// transfer must exist (ErrNotFound), so a stale writer cannot resurrect a
// deleted one.
func (tx *Tx) SaveTransfer(t Transfer) (id uint64, err error) {
	defer tx.catch(&err)
	b, err := tx.bucket(bucketTransfers)
	if err != nil {
		return 0, err
	}
	if t.ID == 0 {
		if t.ID, err = b.NextSequence(); err != nil {
			return 0, fmt.Errorf("store: new transfer: %w", err)
		}
		if t.State == 0 {
			t.State = TransferQueued
		}
	} else if b.Get(seqKey(t.ID)) == nil {
		return 0, fmt.Errorf("store: transfer %d: %w", t.ID, ErrNotFound)
	}
	if err := putJSON(b, seqKey(t.ID), "transfer", transferRecord(t)); err != nil {
		return 0, err
	}
	return t.ID, nil
}

// Transfer returns one transfer, or ErrNotFound.
func (tx *Tx) Transfer(id uint64) (t Transfer, err error) {
	defer tx.catch(&err)
	b, err := tx.bucket(bucketTransfers)
	if err != nil {
		return Transfer{}, err
	}
	data := b.Get(seqKey(id))
	if data == nil {
		return Transfer{}, fmt.Errorf("store: transfer %d: %w", id, ErrNotFound)
	}
	var r transferRecord
	if err := decodeJSON(tx.path, "transfer", data, &r); err != nil {
		return Transfer{}, err
	}
	return Transfer(r), nil
}

// Transfers returns every transfer, oldest first.
func (tx *Tx) Transfers() (ts []Transfer, err error) {
	defer tx.catch(&err)
	b, err := tx.bucket(bucketTransfers)
	if err != nil {
		return nil, err
	}
	err = forEachSeq(tx.path, "transfer", b, func(_ uint64, data []byte) error {
		var r transferRecord
		if err := decodeJSON(tx.path, "transfer", data, &r); err != nil {
			return err
		}
		ts = append(ts, Transfer(r))
		return nil
	})
	return ts, err
}

// EnterTransferState records that transfer id is about to enter state and
// counts the save; it returns the updated transfer. Call it before doing
// the state's work.
func (tx *Tx) EnterTransferState(id uint64, state TransferState) (Transfer, error) {
	t, err := tx.Transfer(id)
	if err != nil {
		return Transfer{}, err
	}
	t.State = state
	t.StateSaves++
	if _, err := tx.SaveTransfer(t); err != nil {
		return Transfer{}, err
	}
	return t, nil
}

// DeleteTransfer forgets a transfer (after TransferCompleteResponse, or on
// CancelTransfer); a missing one is not an error.
func (tx *Tx) DeleteTransfer(id uint64) (err error) {
	defer tx.catch(&err)
	b, err := tx.bucket(bucketTransfers)
	if err != nil {
		return err
	}
	if err := b.Delete(seqKey(id)); err != nil {
		return fmt.Errorf("store: deleting transfer %d: %w", id, err)
	}
	return nil
}

// SaveTransfer stores a transfer in its own commit (see Tx.SaveTransfer).
func (s *Store) SaveTransfer(t Transfer) (uint64, error) {
	return updateValue(s, func(tx *Tx) (uint64, error) { return tx.SaveTransfer(t) })
}

// Transfer returns one transfer, or ErrNotFound. Written out rather than
// through viewValue, like EnterTransferState: a Transfer is some 200
// bytes, and a generic instance over it copies it several times over.
func (s *Store) Transfer(id uint64) (t Transfer, err error) {
	err = s.View(func(tx *Tx) (err error) {
		t, err = tx.Transfer(id)
		return err
	})
	return t, err
}

// Transfers returns every transfer, oldest first.
func (s *Store) Transfers() (list []Transfer, err error) {
	err = s.View(func(tx *Tx) (err error) {
		list, err = tx.Transfers()
		return err
	})
	return list, err
}

// EnterTransferState durably records the state a transfer is entering.
func (s *Store) EnterTransferState(id uint64, state TransferState) (t Transfer, err error) {
	err = s.Update(func(tx *Tx) (err error) {
		t, err = tx.EnterTransferState(id, state)
		return err
	})
	return t, err
}

// DeleteTransfer forgets a transfer in its own commit.
func (s *Store) DeleteTransfer(id uint64) error {
	return s.Update(func(tx *Tx) error { return tx.DeleteTransfer(id) })
}
