package agent

import (
	"context"

	"gatewarden/cpe-agent/internal/session"
	"gatewarden/cpe-agent/internal/store"
	"gatewarden/protocol/cwmp"
)

// Transfer is a Download, ScheduleDownload or Upload the ACS asked for, as
// a TransferPerformer sees it.
type Transfer struct {
	Kind           string // "Download", "ScheduleDownload" or "Upload"
	CommandKey     string
	FileType       string
	URL            string
	Username       string
	Password       string
	FileSize       uint64
	TargetFileName string
}

// TransferPerformer carries out transfers in place of the agent's own
// executor: the testbench and tests plug in fetchers that succeed or fail
// as a scenario needs. It runs after the session that accepted the
// transfer; the agent queues, persists and reports its outcome in a
// TransferComplete exactly as for its own executor.
type TransferPerformer interface {
	// Perform returns 0 for success or a TransferComplete fault code
	// (9010 download failure, 9018 file corrupted, ...) with its text. ctx
	// ends when the agent stops.
	Perform(ctx context.Context, t Transfer) (faultCode uint32, faultString string)
}

// WithTransferPerformer makes p perform the agent's transfers. It wraps
// the session options, so give it after any WithSessionOptions.
func WithTransferPerformer(p TransferPerformer) Option {
	return func(o *options) {
		prev := o.sessionTune
		o.sessionTune = func(so *session.Options) {
			if prev != nil {
				prev(so)
			}
			q, err := session.NewTransferQueue(session.TransferQueueOptions{
				Store: so.Store, Clock: so.Clock, Executor: performer{p: p}, Logger: so.Logger,
			})
			if err == nil { // only a missing store fails, and session.New reports that itself
				so.Transfers = q
			}
		}
	}
}

// performer adapts a TransferPerformer to the queue's Executor.
type performer struct{ p TransferPerformer }

func (x performer) Execute(ctx context.Context, t store.Transfer) cwmp.FaultStruct {
	code, text := x.p.Perform(ctx, Transfer{
		Kind: string(t.Kind), CommandKey: t.CommandKey, FileType: t.FileType, URL: t.URL,
		Username: t.Username, Password: t.Password, FileSize: t.FileSize, TargetFileName: t.TargetFileName,
	})
	return cwmp.FaultStruct{FaultCode: cwmp.FaultCode(code), FaultString: text}
}
