package store

import (
	"context"
	"time"
)

// Delivery statuses of a push, per device. Pending is the only one that
// changes; the others are final for that push.
const (
	DeliveryPending   = "pending"   // published, no answer yet
	DeliveryApplied   = "applied"   // the agent applied the bundle
	DeliveryUnchanged = "unchanged" // the agent already had this version
	DeliveryFault     = "fault"     // the agent refused it (SetParameterValues fault)
	DeliveryRejected  = "rejected"  // the agent found it stale or invalid
	// DeliveryConverged: no ack, but the device's Inform reported the
	// bundle's version as its ParameterKey (it applied it and the ack was
	// lost, e.g. to an ACS crash).
	DeliveryConverged = "converged"
)

// Push is one preset pushed to a group over MQTT as one signed bundle.
type Push struct {
	ID            string `json:"id"`
	Preset        string `json:"preset"`
	PresetVersion int64  `json:"presetVersion"`
	Group         string `json:"group"`
	// Version is the bundle's version: the ParameterKey an agent sets when
	// it applies the bundle.
	Version string        `json:"version"`
	Values  []PresetValue `json:"values"`
	Created time.Time     `json:"created"`
	Actor   string        `json:"actor"`
	// Counts of deliveries by status, kept in step by the store.
	Counts map[string]int `json:"counts"`
}

// Total is the number of devices the push targets.
func (p *Push) Total() int {
	n := 0
	for _, c := range p.Counts {
		n += c
	}
	return n
}

// Delivery is one device's state in a push.
type Delivery struct {
	Push    string     `json:"push"`
	Device  string     `json:"device"`
	Status  string     `json:"status"`
	Updated time.Time  `json:"updated"`
	Fault   *TaskFault `json:"fault,omitempty"`
}

// Pushes keeps MQTT pushes and their per-device delivery state durably,
// so an ACS restarted in the middle of a push knows which devices have not
// answered (and re-publishes to them) and which did (never again).
type Pushes interface {
	// CreatePush assigns ID (unless set) and Created (unless set) and
	// stores the push with no deliveries.
	CreatePush(ctx context.Context, p *Push) error
	// AddDeliveries adds a pending delivery for each device the push does
	// not have yet (callers add a large group page by page).
	// ErrNotFound: no such push.
	AddDeliveries(ctx context.Context, push string, devices []string) error
	// SettleDelivery moves the device's delivery from pending to d.Status
	// (not pending) and reports whether it did; a delivery already settled
	// stays as it is (false, nil). Updated defaults to now.
	// ErrNotFound: no such delivery.
	SettleDelivery(ctx context.Context, d Delivery) (bool, error)
	Push(ctx context.Context, id string) (Push, error)
	// ListPushes returns pushes newest first, of one preset ("" for all).
	ListPushes(ctx context.Context, preset string, limit int) ([]Push, error)
	// Deliveries pages through a push's deliveries in device order after
	// the given device; next is "" at the end.
	Deliveries(ctx context.Context, push, after string, limit int) (ds []Delivery, next string, err error)
	// PendingDeliveries lists the device's pending deliveries, oldest push
	// first.
	PendingDeliveries(ctx context.Context, device string) ([]Delivery, error)
	// PendingPushes lists pushes with at least one pending delivery,
	// oldest first (for resuming after a restart).
	PendingPushes(ctx context.Context, limit int) ([]Push, error)
	// PrunePushes deletes pushes created before before, with their
	// deliveries.
	PrunePushes(ctx context.Context, before time.Time) (int, error)
}
