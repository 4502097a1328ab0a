package store

import (
	"context"
	"time"
)

// Campaign states. preparing: devices are being enrolled; running: waves
// proceed; paused: an operator stopped new starts; halted: a wave's
// failure rate passed the threshold; aborted: stopped for good by an
// operator; completed: every wave finished.
const (
	CampaignPreparing = "preparing"
	CampaignRunning   = "running"
	CampaignPaused    = "paused"
	CampaignHalted    = "halted"
	CampaignAborted   = "aborted"
	CampaignCompleted = "completed"
)

// States of one device in a campaign.
const (
	CampaignDevicePending   = "pending"   // not started
	CampaignDeviceActive    = "active"    // its download task is queued or running
	CampaignDeviceSucceeded = "succeeded" // the task ended done
	CampaignDeviceFailed    = "failed"    // the task faulted or timed out
	CampaignDeviceSkipped   = "skipped"   // the campaign ended before it started
)

// Campaign is a firmware rollout: its specification, where it stands, and
// per-wave counters the provision package keeps in step with the device
// records (UpdateCampaignDevice changes both in one transaction).
type Campaign struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	File     string `json:"file"`
	FileType string `json:"fileType"`
	Filter   string `json:"filter"`
	// Waves are cumulative shares of the target devices in hundredths of
	// a percent (100 = 1%), increasing, the last 10000.
	Waves         []int `json:"waves"`
	MaxConcurrent int   `json:"maxConcurrent"`
	// Windows: times of day when new downloads may start ("HH:MM-HH:MM"),
	// in Location; empty means any time.
	Windows  []string `json:"windows,omitempty"`
	Location string   `json:"location,omitempty"`
	// FailureThreshold in percent: a wave whose failures pass it halts
	// the campaign.
	FailureThreshold float64 `json:"failureThreshold"`
	// DeviceTimeout: a device whose download has not ended by then counts
	// as failed.
	DeviceTimeout time.Duration `json:"deviceTimeout"`

	State      string `json:"state"`
	Wave       int    `json:"wave"` // index of the current wave
	HaltReason string `json:"haltReason,omitempty"`
	// HaltOverride is 1 + the wave whose halt an operator overrode by
	// resuming; that wave is not checked again.
	HaltOverride int         `json:"haltOverride,omitempty"`
	Stats        []WaveStats `json:"stats"`
	Created      time.Time   `json:"created"`
	Updated      time.Time   `json:"updated"`
	Finished     time.Time   `json:"finished"`
	Actor        string      `json:"actor"`
	// Version increases with every change.
	Version int64 `json:"version"`
}

// WaveStats counts one wave's devices by state.
type WaveStats struct {
	Size      int `json:"size"`
	Pending   int `json:"pending"`
	Active    int `json:"active"`
	Succeeded int `json:"succeeded"`
	Failed    int `json:"failed"`
	Skipped   int `json:"skipped"`
}

// CampaignDevice is one target device of a campaign.
type CampaignDevice struct {
	Campaign string     `json:"campaign"`
	Device   string     `json:"device"`
	Wave     int        `json:"wave"`
	State    string     `json:"state"`
	Task     string     `json:"task,omitempty"`
	Started  time.Time  `json:"started"`
	Finished time.Time  `json:"finished"`
	Fault    *TaskFault `json:"fault,omitempty"`
}

// CampaignDeviceQuery pages through one campaign's devices in device ID
// order. State "" means any state; Wave < 0 any wave (Wave is used only
// with a State).
type CampaignDeviceQuery struct {
	Campaign string
	State    string
	Wave     int
	After    string
	Limit    int
}

// Campaigns keeps campaigns and their devices. Like Files, it is apart
// from Store.
type Campaigns interface {
	// CreateCampaign assigns ID (unless set), Created and Updated (unless
	// set) and Version, also in *c. ErrConflict: the ID is taken.
	CreateCampaign(ctx context.Context, c *Campaign) error
	// AddCampaignDevices enrols devices (Campaign is set from id).
	// ErrNotFound: no such campaign; a device already enrolled is
	// replaced.
	AddCampaignDevices(ctx context.Context, id string, devs []CampaignDevice) error
	Campaign(ctx context.Context, id string) (Campaign, error)
	// ListCampaigns pages through campaigns, oldest first (IDs sort by
	// creation time).
	ListCampaigns(ctx context.Context, after string, limit int) (cs []Campaign, next string, err error)
	// UpdateCampaign reads, changes and writes one campaign atomically; fn
	// may run more than once and must only change c (not its ID). Version
	// goes up and Updated is set to now.
	UpdateCampaign(ctx context.Context, id string, fn func(c *Campaign) error) (Campaign, error)
	CampaignDevice(ctx context.Context, id, device string) (CampaignDevice, error)
	CampaignDevices(ctx context.Context, q CampaignDeviceQuery) (devs []CampaignDevice, next string, err error)
	// UpdateCampaignDevice changes one device's record and its campaign in
	// one atomic step: fn sees both and may change both (not their keys).
	// An error from fn writes nothing and is returned.
	UpdateCampaignDevice(ctx context.Context, id, device string, fn func(c *Campaign, d *CampaignDevice) error) (Campaign, CampaignDevice, error)
}
