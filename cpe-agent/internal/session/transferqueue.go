package session

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"gatewarden/cpe-agent/internal/clock"
	"gatewarden/cpe-agent/internal/store"
	"gatewarden/protocol/cwmp"
)

// Executor performs transfers; the firmware work plugs its installer in
// here.
type Executor interface {
	// Execute performs t, which the queue has already saved in state
	// TransferTransferring, and returns its outcome (FaultCode 0 for
	// success; never 9003 or 9013, which are synchronous only). It may save
	// further states itself (store.EnterTransferState) and need not return
	// when the device reboots to finish the job. A ctx that ends means the
	// agent is stopping: return promptly; the transfer is then resumed or
	// failed at the next start.
	Execute(ctx context.Context, t store.Transfer) cwmp.FaultStruct
}

// Resumer is implemented by executors that can carry on with a transfer
// interrupted by a restart or a reboot (say, verify a new firmware image).
// Without it an interrupted transfer fails.
type Resumer interface {
	Resume(ctx context.Context, t store.Transfer) cwmp.FaultStruct
}

// TransferQueueOptions configures a TransferQueue. Store is required.
type TransferQueueOptions struct {
	Store *store.Store
	Clock clock.Clock
	// Executor performs transfers; nil means none can be performed, so
	// each accepted one ends in a TransferComplete with fault 9010
	// (Download, ScheduleDownload) or 9011 (Upload).
	Executor Executor
	// Schemes the executor can fetch from; default http and https. Others
	// are refused at once with 9013.
	Schemes []string
	Logger  *slog.Logger
}

// TransferQueue is the store-backed Transfers: at most 16 transfers (the
// schema's TransferList limit), executed one at a time in the order they
// fall due.
type TransferQueue struct {
	st      *store.Store
	clk     clock.Clock
	exec    Executor
	schemes []string
	log     *slog.Logger
	wake    chan struct{}

	mu   sync.Mutex
	held map[uint64]bool
}

const maxTransfers = 16

// NewTransferQueue returns a queue on opts.Store.
func NewTransferQueue(opts TransferQueueOptions) (*TransferQueue, error) {
	if opts.Store == nil {
		return nil, errors.New("session: TransferQueueOptions.Store is required")
	}
	if opts.Clock == nil {
		opts.Clock = clock.Real()
	}
	if len(opts.Schemes) == 0 {
		opts.Schemes = []string{"http", "https"}
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &TransferQueue{
		st:      opts.Store,
		clk:     opts.Clock,
		exec:    opts.Executor,
		schemes: opts.Schemes,
		log:     opts.Logger.With("component", "transfers"),
		wake:    make(chan struct{}, 1),
		held:    map[uint64]bool{},
	}, nil
}

// File types a Download or Upload may name (TR069-DIGEST §3.2); the
// vendor and per-instance forms are in filetypes.go.
var (
	downloadFileTypes = []cwmp.FileType{
		cwmp.FileTypeFirmwareUpgradeImage, cwmp.FileTypeWebContent, cwmp.FileTypeVendorConfigurationFile,
		cwmp.FileTypeToneFile, cwmp.FileTypeRingerFile, cwmp.FileTypeStoredFirmwareImage,
	}
	uploadFileTypes = []cwmp.FileType{cwmp.UploadFileTypeVendorConfigurationFile, cwmp.UploadFileTypeVendorLogFile}
	windowModes     = []cwmp.TimeWindowMode{
		cwmp.WindowModeAtAnyTime, cwmp.WindowModeImmediately, cwmp.WindowModeWhenIdle, cwmp.WindowModeConfirmationNeeded,
	}
)

func invalid(format string, args ...any) error {
	return cwmp.NewFault(cwmp.FaultInvalidArguments, fmt.Sprintf(format, args...))
}

// checkStrings applies the XSD length limits.
func checkStrings(commandKey string, fileType cwmp.FileType, others ...string) error {
	if len(commandKey) > 32 {
		return invalid("CommandKey longer than 32 characters")
	}
	if len(fileType) > 64 {
		return invalid("FileType longer than 64 characters")
	}
	for _, s := range others {
		if len(s) > 256 {
			return invalid("an argument is longer than 256 characters")
		}
	}
	return nil
}

// checkURL: empty 9001, unparseable or with userinfo 9003, another scheme
// 9013 (icwmp's order of checks).
func (q *TransferQueue) checkURL(raw string) error {
	if raw == "" {
		return cwmp.NewFault(cwmp.FaultRequestDenied, "empty URL")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return invalid("URL does not parse")
	}
	if u.User != nil {
		return invalid("URL must not carry credentials; use Username and Password")
	}
	if !slices.Contains(q.schemes, strings.ToLower(u.Scheme)) {
		return cwmp.NewFault(cwmp.FaultUnsupportedProtocol, fmt.Sprintf("unsupported scheme %q", u.Scheme))
	}
	return nil
}

func knownDownloadType(ft cwmp.FileType) bool {
	return listed(downloadFileTypes, ft) || vendorFileType(string(ft))
}

func knownUploadType(ft cwmp.FileType) bool {
	return listed(uploadFileTypes, ft) || uploadInstanceType(string(ft)) ||
		vendorFileType(string(ft))
}

// Accept implements Transfers.
func (q *TransferQueue) Accept(ctx context.Context, req cwmp.Body, received time.Time) error {
	// The three requests are copied into a Transfer first and checked
	// once: a copy of the checks per request cost 2 KB of router code.
	var t store.Transfer
	var windows []cwmp.TimeWindowStruct
	switch r := req.(type) {
	case *cwmp.Download:
		t = store.Transfer{Kind: store.KindDownload, CommandKey: r.CommandKey, FileType: string(r.FileType), URL: r.URL,
			Username: r.Username, Password: r.Password, FileSize: uint64(r.FileSize), TargetFileName: r.TargetFileName,
			SuccessURL: r.SuccessURL, FailureURL: r.FailureURL,
			NotBefore: received.Add(time.Duration(r.DelaySeconds) * time.Second)}
	case *cwmp.Upload:
		t = store.Transfer{Kind: store.KindUpload, CommandKey: r.CommandKey, FileType: string(r.FileType), URL: r.URL,
			Username: r.Username, Password: r.Password,
			NotBefore: received.Add(time.Duration(r.DelaySeconds) * time.Second)}
	case *cwmp.ScheduleDownload:
		t = store.Transfer{Kind: store.KindScheduleDownload, CommandKey: r.CommandKey, FileType: string(r.FileType), URL: r.URL,
			Username: r.Username, Password: r.Password, FileSize: uint64(r.FileSize), TargetFileName: r.TargetFileName}
		windows = r.TimeWindowList
	default:
		return fmt.Errorf("session: %s is not a transfer", req.Method())
	}
	// Upload has no target name or result URLs: they are empty here.
	ft := cwmp.FileType(t.FileType)
	if err := checkStrings(t.CommandKey, ft, t.URL, t.Username, t.Password, t.TargetFileName, t.SuccessURL, t.FailureURL); err != nil {
		return err
	}
	known := knownDownloadType
	if t.Kind == store.KindUpload {
		known = knownUploadType
	}
	if !known(ft) {
		return invalid("unknown FileType %q", ft)
	}
	if err := q.checkURL(t.URL); err != nil {
		return err
	}
	if t.Kind == store.KindScheduleDownload {
		resolved, err := resolveWindows(windows, received)
		if err != nil {
			return err
		}
		t.NotBefore, t.Windows = resolved[0].Start, resolved
	}
	var id uint64
	err := q.st.Update(func(tx *store.Tx) error {
		all, err := tx.Transfers()
		if err != nil {
			return err
		}
		if len(all) >= maxTransfers {
			return cwmp.NewFault(cwmp.FaultResourcesExceeded, "transfer queue full")
		}
		id, err = tx.SaveTransfer(t)
		return err
	})
	if err != nil {
		var f *cwmp.Fault
		if errors.As(err, &f) {
			return f
		}
		return fmt.Errorf("session: queueing transfer: %w", err)
	}
	q.mu.Lock()
	q.held[id] = true
	q.mu.Unlock()
	q.log.Info("transfer accepted", "id", id, "kind", t.Kind, "file_type", t.FileType, "command_key", t.CommandKey)
	return nil
}

// resolveWindows checks a ScheduleDownload's windows (one or two, each
// non-empty, in order, not overlapping, known modes) and makes them
// absolute.
func resolveWindows(list []cwmp.TimeWindowStruct, received time.Time) ([]store.TimeWindow, error) {
	if len(list) < 1 || len(list) > 2 {
		return nil, invalid("TimeWindowList needs one or two windows")
	}
	var out []store.TimeWindow
	var prevEnd uint32
	for i, w := range list {
		if w.WindowEnd <= w.WindowStart {
			return nil, invalid("time window %d ends before it starts", i+1)
		}
		if i > 0 && w.WindowStart < prevEnd {
			return nil, invalid("time windows overlap or are out of order")
		}
		if !listed(windowModes, w.WindowMode) && !vendorFileType(string(w.WindowMode)) {
			return nil, invalid("unknown WindowMode %q", w.WindowMode)
		}
		if len(w.UserMessage) > 256 {
			return nil, invalid("UserMessage longer than 256 characters")
		}
		prevEnd = w.WindowEnd
		out = append(out, store.TimeWindow{
			Start:       received.Add(time.Duration(w.WindowStart) * time.Second),
			End:         received.Add(time.Duration(w.WindowEnd) * time.Second),
			Mode:        string(w.WindowMode),
			UserMessage: w.UserMessage,
			MaxRetries:  int(w.MaxRetries),
		})
	}
	return out, nil
}

// Cancel implements Transfers: queued transfers with the key are dropped
// (no TransferComplete follows); one that started or finished cannot be
// cancelled (9021); an unknown key is an invalid argument (9003).
func (q *TransferQueue) Cancel(ctx context.Context, commandKey string) error {
	err := q.st.Update(func(tx *store.Tx) error {
		all, err := tx.Transfers()
		if err != nil {
			return err
		}
		var drop []uint64
		for _, t := range all {
			if t.CommandKey != commandKey {
				continue
			}
			if t.State != store.TransferQueued {
				return cwmp.NewFault(cwmp.FaultCancelNotPermitted, "transfer already "+t.State.String())
			}
			drop = append(drop, t.ID)
		}
		if len(drop) == 0 {
			return invalid("no transfer with this CommandKey")
		}
		for _, id := range drop {
			if err := tx.DeleteTransfer(id); err != nil {
				return err
			}
		}
		return nil
	})
	var f *cwmp.Fault
	if errors.As(err, &f) {
		return f
	}
	if err != nil {
		return fmt.Errorf("session: cancelling transfer: %w", err)
	}
	return nil
}

// List implements Transfers.
func (q *TransferQueue) List(ctx context.Context) ([]cwmp.AllQueuedTransferStruct, error) {
	all, err := q.st.Transfers()
	if err != nil {
		return nil, fmt.Errorf("session: listing transfers: %w", err)
	}
	out := make([]cwmp.AllQueuedTransferStruct, 0, len(all))
	for _, t := range all {
		out = append(out, cwmp.AllQueuedTransferStruct{
			CommandKey:     t.CommandKey,
			State:          cwmp.TransferState(t.State.QueuedState()),
			IsDownload:     t.Kind != store.KindUpload,
			FileType:       cwmp.FileType(t.FileType),
			FileSize:       uint32(min(t.FileSize, uint64(^uint32(0)))),
			TargetFileName: t.TargetFileName,
		})
	}
	return out, nil
}

// Owed implements Transfers.
func (q *TransferQueue) Owed(ctx context.Context) ([]OwedTransfer, error) {
	all, err := q.st.Transfers()
	if err != nil {
		return nil, fmt.Errorf("session: reading transfers: %w", err)
	}
	var out []OwedTransfer
	for _, t := range all {
		if t.State != store.TransferCompleted {
			continue
		}
		out = append(out, OwedTransfer{
			ID:     t.ID,
			Method: string(t.Kind),
			Complete: cwmp.TransferComplete{
				CommandKey:   t.CommandKey,
				FaultStruct:  cwmp.FaultStruct{FaultCode: cwmp.FaultCode(t.FaultCode), FaultString: t.FaultString},
				StartTime:    cwmp.NewDateTime(t.Started),
				CompleteTime: cwmp.NewDateTime(t.Completed),
			},
		})
	}
	return out, nil
}

// Acknowledge implements Transfers.
func (q *TransferQueue) Acknowledge(ctx context.Context, id uint64) error {
	if err := q.st.DeleteTransfer(id); err != nil {
		return fmt.Errorf("session: forgetting transfer %d: %w", id, err)
	}
	return nil
}

// Release implements Transfers.
func (q *TransferQueue) Release() {
	q.mu.Lock()
	clear(q.held)
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// Run implements Transfers. It first settles transfers a restart
// interrupted, then executes queued ones as they fall due.
func (q *TransferQueue) Run(ctx context.Context, completed func()) error {
	if err := q.recover(ctx, completed); err != nil {
		return err
	}
	for {
		t, wait, err := q.nextDue()
		if err != nil {
			return err
		}
		if t != nil {
			if err := q.execute(ctx, *t); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return err
			}
			completed()
			continue
		}
		var tc <-chan time.Time
		var timer clock.Timer
		if wait > 0 {
			timer = q.clk.NewTimer(wait)
			tc = timer.C()
		}
		select {
		case <-tc:
		case <-q.wake:
		case <-ctx.Done():
		}
		if timer != nil {
			timer.Stop()
		}
		if ctx.Err() != nil {
			return nil
		}
	}
}

// nextDue returns the queued transfer to run now, or how long until one
// is due (0: nothing queued).
func (q *TransferQueue) nextDue() (*store.Transfer, time.Duration, error) {
	all, err := q.st.Transfers()
	if err != nil {
		return nil, 0, fmt.Errorf("session: reading transfers: %w", err)
	}
	now := q.clk.Now()
	q.mu.Lock()
	defer q.mu.Unlock()
	var wait time.Duration
	for i := range all {
		t := &all[i]
		if t.State != store.TransferQueued || q.held[t.ID] {
			continue
		}
		at := dueAt(t, now)
		if !at.After(now) {
			return t, 0, nil
		}
		if d := at.Sub(now); wait == 0 || d < wait {
			wait = d
		}
	}
	return nil, wait, nil
}

// dueAt is when a transfer should start: after its delay, and for a
// ScheduleDownload at the start of the first window not yet over (now,
// when every window is over, so that it fails with 9020).
func dueAt(t *store.Transfer, now time.Time) time.Time {
	if len(t.Windows) == 0 {
		return t.NotBefore
	}
	for _, w := range t.Windows {
		if w.End.After(now) {
			return w.Start
		}
	}
	return now
}

// execute runs one transfer and records its outcome.
func (q *TransferQueue) execute(ctx context.Context, t store.Transfer) error {
	now := q.clk.Now()
	t.State = store.TransferTransferring
	t.StateSaves++
	t.Started = now
	if _, err := q.st.SaveTransfer(t); err != nil {
		return fmt.Errorf("session: starting transfer %d: %w", t.ID, err)
	}
	q.log.Info("transfer starting", "id", t.ID, "kind", t.Kind, "file_type", t.FileType)
	var fault cwmp.FaultStruct
	switch {
	case len(t.Windows) > 0 && !t.Windows[len(t.Windows)-1].End.After(now):
		fault = cwmp.FaultStruct{FaultCode: cwmp.FaultTimeWindowExceeded, FaultString: "every time window has passed"}
	case q.exec == nil:
		fault = noExecutor(t)
	default:
		fault = q.exec.Execute(ctx, t)
		if ctx.Err() != nil {
			return ctx.Err() // resumed or failed at the next start
		}
	}
	return q.complete(t.ID, fault)
}

func noExecutor(t store.Transfer) cwmp.FaultStruct {
	code := cwmp.FaultDownloadFailure
	if t.Kind == store.KindUpload {
		code = cwmp.FaultUploadFailure
	}
	return cwmp.FaultStruct{FaultCode: code, FaultString: "no handler for file type " + strconv.Quote(t.FileType) + " on this device"}
}

// complete records the final outcome; the transfer is then owed to the
// ACS as a TransferComplete.
func (q *TransferQueue) complete(id uint64, fault cwmp.FaultStruct) error {
	err := q.st.Update(func(tx *store.Tx) error {
		t, err := tx.Transfer(id)
		if err != nil {
			return err
		}
		if fault.FaultCode == cwmp.FaultInvalidArguments || fault.FaultCode == cwmp.FaultUnsupportedProtocol {
			// The schema allows neither in TransferComplete.
			fault.FaultCode = noExecutor(t).FaultCode
		}
		t.State = store.TransferCompleted
		t.StateSaves++
		t.Completed = q.clk.Now()
		t.FaultCode, t.FaultString = uint32(fault.FaultCode), fault.FaultString
		if len(t.FaultString) > 256 {
			t.FaultString = t.FaultString[:256]
		}
		_, err = tx.SaveTransfer(t)
		return err
	})
	if err != nil {
		return fmt.Errorf("session: completing transfer %d: %w", id, err)
	}
	q.log.Info("transfer finished", "id", id, "fault_code", uint32(fault.FaultCode))
	return nil
}

// recover settles transfers a restart interrupted: the executor resumes
// them if it can, otherwise they fail.
func (q *TransferQueue) recover(ctx context.Context, completed func()) error {
	all, err := q.st.Transfers()
	if err != nil {
		return fmt.Errorf("session: reading transfers: %w", err)
	}
	for _, t := range all {
		if t.State == store.TransferQueued || t.State == store.TransferCompleted {
			continue
		}
		var fault cwmp.FaultStruct
		if r, ok := q.exec.(Resumer); ok {
			fault = r.Resume(ctx, t)
			if ctx.Err() != nil {
				return nil
			}
		} else {
			fault = noExecutor(t)
			fault.FaultString = "transfer interrupted by a restart"
		}
		if err := q.complete(t.ID, fault); err != nil {
			return err
		}
		completed()
	}
	return nil
}
