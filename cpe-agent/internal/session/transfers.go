package session

import (
	"context"
	"time"

	"gatewarden/protocol/cwmp"
)

// Transfers is the download/upload queue behind Download, Upload,
// ScheduleDownload, CancelTransfer, GetQueuedTransfers and
// GetAllQueuedTransfers, and the source of the TransferCompletes a session
// owes. TransferQueue implements it on the store; errors of type
// *cwmp.Fault go to the ACS as they are.
type Transfers interface {
	// Accept validates and queues a *cwmp.Download, *cwmp.Upload or
	// *cwmp.ScheduleDownload received at the given time. A transfer
	// accepted during a session does not start before Release.
	Accept(ctx context.Context, req cwmp.Body, received time.Time) error
	// Cancel drops the queued transfers with this CommandKey.
	Cancel(ctx context.Context, commandKey string) error
	// List returns the transfers for GetAllQueuedTransfers, oldest first.
	List(ctx context.Context) ([]cwmp.AllQueuedTransferStruct, error)
	// Owed returns finished transfers whose TransferComplete the ACS has
	// not acknowledged yet, oldest first.
	Owed(ctx context.Context) ([]OwedTransfer, error)
	// Acknowledge forgets a transfer once the ACS answered its
	// TransferComplete with TransferCompleteResponse.
	Acknowledge(ctx context.Context, id uint64) error
	// Run executes due transfers until ctx ends, calling completed after
	// each one finishes (successfully or not).
	Run(ctx context.Context, completed func()) error
	// Release lets transfers accepted in the session that just ended start.
	Release()
}

// OwedTransfer is a finished transfer and the TransferComplete that
// reports it.
type OwedTransfer struct {
	_  incomparable
	ID uint64
	// Method is the RPC that asked for it ("Download", "Upload",
	// "ScheduleDownload"); its event is "M <Method>".
	Method   string
	Complete cwmp.TransferComplete
}
