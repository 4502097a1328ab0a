package tasks

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"gatewarden/acs/internal/cwmpserver"
	"gatewarden/acs/internal/store"
	"gatewarden/protocol/cwmp"
)

// Store is the part of the ACS store the runner uses.
type Store interface {
	store.Tasks
	SaveParams(ctx context.Context, device string, params []store.Param) error
	Params(ctx context.Context, device, prefix string) ([]store.Param, error)
	DeleteParams(ctx context.Context, device, prefix string) error
	AddFault(ctx context.Context, f *store.Fault) error
	Faults(ctx context.Context, device string, limit int) ([]store.Fault, error)
}

// Reconciler computes, at each session, the parameter values the device's
// presets want and its last known state lacks (the provision package).
// key, at most 32 characters, becomes the SetParameterValues'
// ParameterKey; it should change whenever the values do. An empty list
// means nothing to do.
type Reconciler interface {
	Diff(ctx context.Context, dev store.Device) (values []cwmp.ParameterValueStruct, key string, err error)
}

// Config configures a Runner. Store is required.
type Config struct {
	Store Store
	// Reconciler supplies preset differences; nil: no presets.
	Reconciler Reconciler
	// MaxAttempts bounds how often one task's RPC is sent. Default 5.
	MaxAttempts int
	// RetryBase and RetryMax shape the backoff after a fault that can pass
	// (9002, 9004, 8005) or a lost answer: RetryBase·2^(attempt-1), at most
	// RetryMax, ±20 %. Defaults 30 s and 1 h.
	RetryBase, RetryMax time.Duration
	// PresetRetryAfter is how long a preset difference that faulted is not
	// sent again (unless it changes). Default 1 h.
	PresetRetryAfter time.Duration
	// PollInterval is how often Wait reads the task from the store, for
	// tasks another node runs. Default 1 s.
	PollInterval time.Duration
	Logger       *slog.Logger
	Now          func() time.Time
}

// Runner executes tasks in CWMP sessions; it implements cwmpserver.Work.
type Runner struct {
	cfg     Config
	log     *slog.Logger
	waiters notifier
}

var _ cwmpserver.Work = (*Runner)(nil)

// New builds a Runner.
func New(cfg Config) (*Runner, error) {
	if cfg.Store == nil {
		return nil, errors.New("tasks: store is required")
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 5
	}
	if cfg.RetryBase <= 0 {
		cfg.RetryBase = 30 * time.Second
	}
	if cfg.RetryMax < cfg.RetryBase {
		cfg.RetryMax = max(time.Hour, cfg.RetryBase)
	}
	if cfg.PresetRetryAfter <= 0 {
		cfg.PresetRetryAfter = time.Hour
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Runner{cfg: cfg, log: cfg.Logger}, nil
}

// sessionState is the runner's scratch space in a session.
type sessionState struct {
	// recover holds addObject tasks that took effect before a crash; a
	// GetParameterNames finds their instance number.
	recover []store.Task
	// followUp is the second RPC of a two-step task (refresh).
	followUp *ticket
	// diagFetch reads the results of diagnostics the Inform reported
	// complete.
	diagFetch []*ticket
	// presetTried: the preset difference was computed this session.
	presetTried bool
	// blocked: the fate of a request that changes the device is unknown
	// (its answer was lost, or recording it failed). Nothing more is sent
	// in this session, so that the next Inform's ParameterKey and events
	// still tell what took effect.
	blocked bool
}

func stateOf(s *cwmpserver.Session) *sessionState {
	st, ok := s.State.(*sessionState)
	if !ok {
		st = &sessionState{}
		s.State = st
	}
	return st
}

// step is which RPC of a task a ticket stands for.
type step uint8

const (
	stepMain          step = iota // the task's own RPC
	stepRefreshValues             // refresh: GetParameterValues after GetParameterNames
	stepRecoverAdd                // addObject applied before a crash: find the instance
	stepPreset                    // a preset difference (no task)
	stepDiagResults               // diagnostics: read the object after 8 DIAGNOSTICS COMPLETE
)

// ticket travels with an RPC through the session and back into Done.
type ticket struct {
	task   store.Task
	step   step
	rpc    cwmp.Body
	names  []cwmp.ParameterInfoStruct // refresh: what GetParameterNames found
	preset string                     // ParameterKey of a preset difference
}

// Execution phases kept in Task.Result while a task runs, so that after a
// crash the next Inform can be read correctly.
const (
	phaseSent     = "sent"     // the RPC went (or was about to go) out
	phaseApplied  = "applied"  // addObject took effect; instance not yet known
	phaseAccepted = "accepted" // download accepted (Status 1); TransferComplete pending
)

type progress struct {
	Phase  string `json:"phase"`
	Status *int32 `json:"status,omitempty"`
}

func phaseOf(t store.Task) string {
	var p progress
	if t.Status != store.StatusRunning || json.Unmarshal(t.Result, &p) != nil {
		return ""
	}
	return p.Phase
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("tasks: marshalling %T: %v", v, err)) // only plain structs are marshalled
	}
	return b
}

// newKey returns a ParameterKey/CommandKey unique to one task (18
// characters, within the 32 TR-069 allows).
func newKey() string {
	b := make([]byte, 12)
	rand.Read(b)
	return "t-" + base64.RawURLEncoding.EncodeToString(b)
}
