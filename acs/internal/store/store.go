// Package store declares what the ACS keeps: devices and their last known
// parameters, tasks, faults, presets, the audit log, API tokens and session
// leases. The interfaces are shaped by what the ACS does, so a PostgreSQL
// implementation can follow the bbolt one; storetest holds the contract
// suite every implementation must pass.
//
// Durability rule: a method returns only after its change is durable
// (fsync'd), because the ACS acknowledges to CPEs and API clients right
// after. Implementations share fsyncs between concurrent callers (group
// commit) instead of weakening that rule.
//
// Memory rule: no method loads the whole fleet; listing is paged.
//
// Errors: ErrNotFound, ErrLeaseHeld, ErrConflict and ErrInvalid are wrapped
// with context; match them with errors.Is. Methods that take a device ID
// and read one device's own data (Device, Params, RecentEvents) answer
// ErrNotFound for an unknown device; queries over a device's tasks or
// faults answer an empty list instead (a fault may name a device the
// inventory never recorded).
package store

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// Sentinel errors, matched with errors.Is.
var (
	ErrNotFound = errors.New("not found")
	// ErrLeaseHeld: another session holds the device's lease.
	ErrLeaseHeld = errors.New("device is in another session")
	// ErrConflict: a create found the key taken, or an update lost a race.
	ErrConflict = errors.New("conflict")
	// ErrInvalid: an argument the store cannot keep (empty ID, NUL byte in
	// a key, unknown task status, ...). The API maps it to 400.
	ErrInvalid = errors.New("invalid argument")
)

// DefaultLimit is the page size used when a query's limit is zero or
// negative; no query returns an unbounded list of fleet-sized data.
const DefaultLimit = 100

// Device is one CPE as the inventory knows it.
type Device struct {
	ID              string    `json:"id"`
	OUI             string    `json:"oui"`
	ProductClass    string    `json:"productClass"`
	SerialNumber    string    `json:"serialNumber"`
	Manufacturer    string    `json:"manufacturer"`
	SoftwareVersion string    `json:"softwareVersion"`
	HardwareVersion string    `json:"hardwareVersion"`
	FirstSeen       time.Time `json:"firstSeen"`
	LastInform      time.Time `json:"lastInform"`
	LastBoot        time.Time `json:"lastBoot"`
	// ConnectionRequestURL and IP come from the latest Inform.
	ConnectionRequestURL string   `json:"connectionRequestURL"`
	IP                   string   `json:"ip"`
	Tags                 []string `json:"tags"`
	// Root is "Device." (TR-181) or "InternetGatewayDevice." (TR-098).
	Root string `json:"root"`
	// CWMPVersion negotiated in the latest session, e.g. "1.4".
	CWMPVersion string `json:"cwmpVersion"`
	// ParameterKey as reported in the latest Inform: tells the ACS whether
	// a configuration task took effect before a crash.
	ParameterKey string `json:"parameterKey"`
	// Connection-request credentials the ACS set in its first session with
	// the device. Secret: only admin API responses may carry them.
	ConnReqUsername string `json:"connReqUsername,omitempty"`
	ConnReqPassword string `json:"connReqPassword,omitempty"`
	// Provisioned is set once the first-session setup (credentials) is
	// confirmed by the device.
	Provisioned bool `json:"provisioned"`
}

// Param is the last known value of one device parameter.
type Param struct {
	Name     string    `json:"name"`
	Value    string    `json:"value"`
	Type     string    `json:"type"`
	Writable *bool     `json:"writable,omitempty"` // nil: unknown (not yet learnt by GetParameterNames)
	Updated  time.Time `json:"updated"`
}

// Event is one Inform event as received.
type Event struct {
	Code       string `json:"code"`
	CommandKey string `json:"commandKey"`
	// Time of the Inform that carried the event; RecordInform fills it
	// from Inform.Time when zero.
	Time time.Time `json:"time"`
}

// Inform is everything one Inform tells the ACS; RecordInform stores it
// in one durable step before the InformResponse is sent.
type Inform struct {
	// Device carries the identity and the fields an Inform updates: OUI,
	// ProductClass, SerialNumber, Manufacturer and ParameterKey always
	// (an empty ParameterKey is a value); SoftwareVersion, HardwareVersion,
	// ConnectionRequestURL, IP, Root and CWMPVersion only when not empty
	// (an Inform may omit them). Device.LastInform is ignored: Time sets
	// it. Tags, connection-request credentials and Provisioned are never
	// touched by RecordInform: they belong to UpdateDevice.
	Device Device
	Events []Event
	// Params are merged into the cache: each gets Updated = Time unless
	// set; a nil Writable or empty Type keeps what the cache knew.
	Params []Param
	// Time of the Inform; zero means now. New devices get FirstSeen = Time.
	Time time.Time
	// Boot is true when the events include "1 BOOT": LastBoot = Time.
	Boot bool
}

// Task status values.
const (
	StatusQueued  = "queued"
	StatusRunning = "running"
	StatusDone    = "done"
	StatusFault   = "fault"
)

// Task priorities: support work runs before operator work, before
// campaigns, before preset reconciliation.
const (
	PrioritySupport  = 400
	PriorityOperator = 300
	PriorityCampaign = 200
	PriorityPreset   = 100
)

// Task is one unit of work for one device.
type Task struct {
	ID       string    `json:"id"`
	Device   string    `json:"device"`
	Type     string    `json:"type"` // API task type, e.g. "setParameterValues"
	Priority int       `json:"priority"`
	Status   string    `json:"status"`
	Created  time.Time `json:"created"`
	// Completed is zero until the task is done or faulted.
	Completed time.Time `json:"completed"`
	// NotBefore delays a retry after a transient fault.
	NotBefore time.Time `json:"notBefore"`
	Attempts  int       `json:"attempts"`
	// Key is the ParameterKey or CommandKey the task's RPC carries, unique
	// per task, so the next Inform tells whether it took effect.
	Key     string          `json:"key"`
	Payload json.RawMessage `json:"payload"`
	Result  json.RawMessage `json:"result,omitempty"`
	Fault   *TaskFault      `json:"fault,omitempty"`
	// Actor is who asked: a token name, "preset:NAME" or "campaign:ID".
	Actor string `json:"actor"`
}

// TaskFault is the CWMP fault (or ACS-side failure) that ended a task.
type TaskFault struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// Fault is one fault recorded against a device, for support staff.
type Fault struct {
	ID      string    `json:"id"`
	Device  string    `json:"device"`
	Task    string    `json:"task,omitempty"`
	RPC     string    `json:"rpc"`
	Code    int       `json:"code"`
	Message string    `json:"message"`
	Time    time.Time `json:"time"`
}

// Preset is declarative desired state for the devices its filter matches.
type Preset struct {
	Name   string `json:"name"`
	Filter string `json:"filter"`
	// Values to set, with an optional xsd type (default from the schema).
	Values []PresetValue `json:"values"`
	// Attributes: notification settings to keep.
	Attributes []PresetAttribute `json:"attributes,omitempty"`
	// Version increases with every change; pushes and acks refer to it.
	Version int64     `json:"version"`
	Updated time.Time `json:"updated"`
}

// PresetValue is one desired parameter value.
type PresetValue struct {
	Name  string `json:"name"`
	Value string `json:"value"`
	Type  string `json:"type,omitempty"`
}

// PresetAttribute is one desired notification setting.
type PresetAttribute struct {
	Name         string `json:"name"`
	Notification int    `json:"notification"`
}

// AuditEntry records one operator action. Seq orders the log.
type AuditEntry struct {
	Seq    uint64    `json:"seq"`
	Time   time.Time `json:"time"`
	Actor  string    `json:"actor"` // token name
	Role   string    `json:"role"`
	Action string    `json:"action"` // e.g. "POST /api/v1/devices/{id}/tasks"
	Target string    `json:"target"` // e.g. a device ID
	Status int       `json:"status"` // HTTP status answered
	Detail string    `json:"detail,omitempty"`
}

// Token is an API bearer token; only its SHA-256 is kept.
type Token struct {
	Name    string    `json:"name"`
	Role    string    `json:"role"`
	Hash    []byte    `json:"hash"`
	Created time.Time `json:"created"`
}

// DeviceQuery pages through devices in ID order.
type DeviceQuery struct {
	After string // exclusive: the last ID of the previous page
	Limit int    // <= 0: DefaultLimit
	// Match, when set, keeps only matching devices. params reads one of the
	// device's cached parameters; implementations may push known forms of a
	// filter down to their query language and still call Match. Neither d
	// nor params may be kept after Match returns, and Match must not call
	// the store.
	Match func(d *Device, params func(name string) (Param, bool)) bool
}

// Devices is the inventory.
type Devices interface {
	// RecordInform creates or updates the device and its reported
	// parameters and keeps the events, in one durable step. Only the
	// latest events are kept per device (at least 64).
	RecordInform(ctx context.Context, in Inform) (Device, error)
	Device(ctx context.Context, id string) (Device, error)
	// UpdateDevice reads, changes and writes one device atomically. fn may
	// run more than once (optimistic retry), so it must only change d; if
	// it returns an error nothing is written and that error is returned.
	// fn may not change d.ID.
	UpdateDevice(ctx context.Context, id string, fn func(d *Device) error) (Device, error)
	// DeleteDevice removes the device with its parameters, events, tasks,
	// faults and lease.
	DeleteDevice(ctx context.Context, id string) error
	// ListDevices returns at most q.Limit devices after q.After and the ID
	// to continue from ("" at the end). A page shorter than the limit is
	// the last one; with a Match, a full page may be followed by an empty
	// one (looking ahead for a further match could walk the whole fleet).
	ListDevices(ctx context.Context, q DeviceQuery) (devs []Device, next string, err error)
	// RecentEvents returns the latest events of a device, newest first
	// (limit <= 0: all that are kept).
	RecentEvents(ctx context.Context, device string, limit int) ([]Event, error)
}

// Params is the cache of last known parameter values per device.
type Params interface {
	// SaveParams merges like RecordInform does (Updated = now unless set).
	SaveParams(ctx context.Context, device string, params []Param) error
	// Params returns the device's parameters whose names start with prefix
	// ("" for all), sorted by name.
	Params(ctx context.Context, device, prefix string) ([]Param, error)
	DeleteParams(ctx context.Context, device, prefix string) error
}

// Tasks is the per-device work queue.
type Tasks interface {
	// AddTask assigns ID (unless set), Created (unless set) and Status
	// (queued) and stores the task. ErrNotFound: the device is unknown;
	// ErrConflict: the ID, or the Key on this device, is taken.
	AddTask(ctx context.Context, t *Task) error
	Task(ctx context.Context, id string) (Task, error)
	// UpdateTask replaces the stored task (ID, Device and Created stay as
	// stored) and keeps the queue in step with Status, Priority and
	// NotBefore. A done or fault task without Completed gets now.
	// ErrNotFound: no such task; ErrConflict: the new Key is taken.
	UpdateTask(ctx context.Context, t Task) error
	// NextTask returns the device's queued task of highest priority
	// (oldest first among equals) whose NotBefore has passed.
	NextTask(ctx context.Context, device string, now time.Time) (Task, bool, error)
	// OpenTasks lists the device's queued and running tasks, highest
	// priority first, oldest first among equals.
	OpenTasks(ctx context.Context, device string) ([]Task, error)
	// TaskByKey finds the device's task carrying a ParameterKey or
	// CommandKey.
	TaskByKey(ctx context.Context, device, key string) (Task, error)
}

// Faults records what went wrong, per device.
type Faults interface {
	// AddFault assigns ID (unless set) and Time (unless set). The device
	// need not be in the inventory (a first Inform may be what failed).
	AddFault(ctx context.Context, f *Fault) error
	// Faults lists faults, newest first; device "" means every device.
	Faults(ctx context.Context, device string, limit int) ([]Fault, error)
}

// Presets holds desired state.
type Presets interface {
	// PutPreset creates or replaces; it sets a new Version (higher than
	// any this name had, even across a delete), and Updated to now unless
	// set, also in *p. A non-zero p.Version makes the put conditional: it
	// succeeds only if the stored preset has that version, else
	// ErrConflict (also when there is none), so read-modify-write from
	// the API cannot lose a concurrent change.
	PutPreset(ctx context.Context, p *Preset) error
	Preset(ctx context.Context, name string) (Preset, error)
	Presets(ctx context.Context) ([]Preset, error)
	DeletePreset(ctx context.Context, name string) error
}

// Audit is the append-only log of operator actions.
type Audit interface {
	// AppendAudit assigns Seq (increasing, never reused) and Time (unless
	// set), also in *e.
	AppendAudit(ctx context.Context, e *AuditEntry) error
	// AuditLog returns entries with Seq > after, oldest first.
	AuditLog(ctx context.Context, after uint64, limit int) ([]AuditEntry, error)
}

// Tokens keeps API tokens by hash.
type Tokens interface {
	// PutToken creates or replaces the token with t.Hash.
	PutToken(ctx context.Context, t Token) error
	TokenByHash(ctx context.Context, hash []byte) (Token, error)
	ListTokens(ctx context.Context) ([]Token, error)
}

// Leases makes one CWMP session per device at a time across every ACS
// node. A lease expires by itself so a crashed node cannot block a device.
// Whether a live lease survives a restart is the implementation's choice:
// bbolt keeps leases in memory (one process owns the file, and a restart
// ends every session it held, so a persisted lease would only block its
// device until expiry); a shared database keeps them in a table.
type Leases interface {
	// AcquireLease takes the device's lease for holder until now+ttl; it
	// returns ErrLeaseHeld while another holder's lease is live. The same
	// holder may acquire again (renew).
	AcquireLease(ctx context.Context, device, holder string, ttl time.Duration) error
	// ReleaseLease drops the lease if holder still has it; otherwise it
	// does nothing and returns nil.
	ReleaseLease(ctx context.Context, device, holder string) error
}

// Store is everything the ACS keeps.
type Store interface {
	Devices
	Params
	Tasks
	Faults
	Presets
	Audit
	Tokens
	Leases
	// Prune deletes finished (done or fault) tasks completed before
	// before, faults and audit entries older than before, and returns how
	// many records went. It works in small transactions, so sessions keep
	// flowing while it runs.
	Prune(ctx context.Context, before time.Time) (int, error)
	Close() error
}
