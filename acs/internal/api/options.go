package api

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"gatewarden/acs/internal/store"
)

// Store is the part of the ACS store the API uses; store.Store satisfies
// it.
type Store interface {
	Device(ctx context.Context, id string) (store.Device, error)
	UpdateDevice(ctx context.Context, id string, fn func(d *store.Device) error) (store.Device, error)
	DeleteDevice(ctx context.Context, id string) error
	ListDevices(ctx context.Context, q store.DeviceQuery) ([]store.Device, string, error)
	Params(ctx context.Context, device, prefix string) ([]store.Param, error)
	Task(ctx context.Context, id string) (store.Task, error)
	Faults(ctx context.Context, device string, limit int) ([]store.Fault, error)
	PutPreset(ctx context.Context, p *store.Preset) error
	Preset(ctx context.Context, name string) (store.Preset, error)
	Presets(ctx context.Context) ([]store.Preset, error)
	AppendAudit(ctx context.Context, e *store.AuditEntry) error
	AuditLog(ctx context.Context, after uint64, limit int) ([]store.AuditEntry, error)
	TokenByHash(ctx context.Context, hash []byte) (store.Token, error)
}

// TaskRunner queues tasks and reports their end; the tasks package
// implements it.
type TaskRunner interface {
	// Submit stores a new task durably (store.AddTask fills ID, Created and
	// Status); the API has set Device, Type, Priority, Payload and Actor.
	// The task engine gives it its ParameterKey or CommandKey.
	Submit(ctx context.Context, t *store.Task) error
	// Wait returns the task once its status is done or fault, or ctx's
	// error when ctx ends first. It must work for tasks another ACS node
	// runs (in-process notification with store polling as the fallback).
	Wait(ctx context.Context, id string) (store.Task, error)
}

// Waker asks a device to open a session now (connection request). The API
// calls it in the background, detached from the request, bounded by
// Options.WakeTimeout, so a slow or unreachable device never delays the
// answer; the task waits in the queue for the device's next session either
// way.
type Waker interface {
	Wake(ctx context.Context, deviceID string) error
}

// FilterCompiler compiles a device filter expression (ARCHITECTURE.md's
// filter language) into a store.DeviceQuery Match function. Its error
// message is shown to the API client as is.
type FilterCompiler func(expr string) (func(d *store.Device, params func(name string) (store.Param, bool)) bool, error)

// TaskValidator checks that the task engine can execute a task (the
// tasks package's Validate), after the API's own checks. Its error message
// is shown to the API client as is.
type TaskValidator func(typ string, payload json.RawMessage, root string) error

// PresetValidator checks a preset against the data-model schema before it
// is saved. Its error message is shown to the API client as is.
type PresetValidator func(p *store.Preset) error

// Options configure New. Store, Tasks and CompileFilter are required.
type Options struct {
	Store          Store
	Tasks          TaskRunner
	Waker          Waker           // nil: tasks wait for the device's next periodic session
	CompileFilter  FilterCompiler  // required: lists and presets use it
	ValidatePreset PresetValidator // nil: only the API's own structural checks
	ValidateTask   TaskValidator   // nil: only the API's own checks
	Files          FileRepo        // nil: POST/GET /files answer 503
	Campaigns      CampaignService // nil: the campaign routes answer 503
	MQTT           PushService     // nil: the MQTT lane's routes (push, telemetry) answer 503
	Tickets        TicketStore     // nil: diagnostics with a ticket and GET /tickets answer 503
	LineHealth     LineHealthStore // nil: GET /health/degraded and /devices/{id}/health answer 503
	// WakeTimeout bounds one background connection request; 0:
	// DefaultWakeTimeout.
	WakeTimeout time.Duration
	Logger      *slog.Logger // nil: slog.Default()
	// Registry receives the API's metrics and is served on /metrics; the
	// server registers the CWMP metrics on the same one. nil: a new
	// registry with the Go and process collectors.
	Registry *prometheus.Registry
	// Now is the clock (tests); nil: time.Now.
	Now func() time.Time
	// Online tells whether a device counts as online in the Device object;
	// pass the same rule the filter language uses (provision.OnlineWithin).
	// nil: it sent an Inform within OnlineWindow.
	Online func(d *store.Device) bool
	// OnlineWindow for the default Online; 0: DefaultOnlineWindow.
	OnlineWindow time.Duration
}

// DefaultOnlineWindow: two periodic-inform intervals at the agent's
// default of one hour, as the filter language's `online` has it, until
// the MQTT lane reports presence directly.
const DefaultOnlineWindow = 2 * time.Hour

// DefaultWakeTimeout bounds a connection request made for a task.
const DefaultWakeTimeout = 30 * time.Second
