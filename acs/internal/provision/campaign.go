package provision

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"gatewarden/acs/internal/store"
)

// CampaignStore is what campaigns need of the store: their own records,
// the inventory to pick targets from, and the task queue their downloads
// go through.
type CampaignStore interface {
	store.Campaigns
	ListDevices(ctx context.Context, q store.DeviceQuery) ([]store.Device, string, error)
	AddTask(ctx context.Context, t *store.Task) error
	Task(ctx context.Context, id string) (store.Task, error)
	UpdateTask(ctx context.Context, t store.Task) error
}

// MatchFunc is a compiled filter.
type MatchFunc func(d *store.Device, params func(name string) (store.Param, bool)) bool

// CampaignOptions configure NewCampaigns; every field but Wake, Interval,
// Now and Logger is required.
type CampaignOptions struct {
	Store CampaignStore
	// File returns a repository file's record.
	File func(ctx context.Context, name string) (store.File, error)
	// DownloadURL mints the URL a device fetches a file from.
	DownloadURL func(device, file string) string
	// Compile compiles a filter with the same online rule as the API.
	Compile func(expr string) (MatchFunc, error)
	// Wake asks a device for a session now (connection request); nil
	// leaves it to the device's next Inform.
	Wake func(ctx context.Context, device string) error
	// Interval between driver rounds; default 5 s. A TransferComplete
	// (Nudge) starts a round at once.
	Interval time.Duration
	Now      func() time.Time
	Logger   *slog.Logger
}

// Campaigns runs firmware campaigns.
//
// Life of a campaign: Create stores it as preparing; the driver enrols
// the devices its filter matches (a snapshot: devices that appear later
// are not added) and splits them into waves by a hash of campaign and
// device ID, so each wave is a fair sample; then it runs. A running
// campaign starts the pending devices of its current wave, at most
// MaxConcurrent at once and only inside its windows, by queueing a
// download task (priority campaign) with a per-device URL and waking the
// device; a device that informs by itself gets its download in that very
// session (OnInform). The task ends with the device's TransferComplete;
// the device then counts as succeeded or failed (a fault, or no result
// within DeviceTimeout). When a wave's failures pass FailureThreshold
// (exceeds) the campaign halts; when every device of the wave ended, the
// next wave starts; after the last the campaign is completed. Pause stops
// new starts, Resume continues (after a halt it accepts that wave's
// failures), Abort ends the campaign and withdraws downloads not yet sent.
//
// Every decision is one atomic store update (UpdateCampaignDevice checks
// the device's state, the campaign's state and the concurrency limit in
// the same transaction), so several ACS nodes may run drivers side by side
// and a restart continues where the store says.
type Campaigns struct {
	o       CampaignOptions
	log     *slog.Logger
	nudge   chan struct{}
	running atomic.Pointer[[]store.Campaign]
	wakes   chan struct{}
}

// ErrCampaignState: the campaign's state does not allow the operation
// (resume a completed campaign, pause an aborted one).
var ErrCampaignState = errors.New("not possible in the campaign's state")

// Fault codes the ACS puts on tasks it ends itself: 8001 "Request
// denied" (TR-069's ACS fault range).
const faultCanceled = 8001

// NewCampaigns builds the engine; Run drives it.
func NewCampaigns(o CampaignOptions) (*Campaigns, error) {
	if o.Store == nil || o.File == nil || o.DownloadURL == nil || o.Compile == nil {
		return nil, errors.New("campaigns: Store, File, DownloadURL and Compile are required")
	}
	if o.Interval <= 0 {
		o.Interval = 5 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	e := &Campaigns{o: o, log: o.Logger, nudge: make(chan struct{}, 1), wakes: make(chan struct{}, 32)}
	e.running.Store(&[]store.Campaign{})
	return e, nil
}

// Nudge starts a driver round soon (a download ended, a campaign changed).
func (e *Campaigns) Nudge() {
	select {
	case e.nudge <- struct{}{}:
	default:
	}
}

// Create checks a spec (JSON), its filter and file, and stores the
// campaign in state preparing; the driver enrols the targets.
func (e *Campaigns) Create(ctx context.Context, spec []byte, actor string) (store.Campaign, error) {
	c, err := ParseCampaignSpec(spec)
	if err != nil {
		return store.Campaign{}, err
	}
	if _, err := e.o.Compile(c.Filter); err != nil {
		return store.Campaign{}, fmt.Errorf("campaign: filter: %v: %w", err, store.ErrInvalid)
	}
	f, err := e.o.File(ctx, c.File)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return store.Campaign{}, fmt.Errorf("campaign: no file %q in the repository (GET /api/v1/files): %w", c.File, store.ErrInvalid)
	case err != nil:
		return store.Campaign{}, err
	}
	if f.FileType != "" {
		c.FileType = f.FileType
	}
	if c.Name == "" {
		c.Name = f.Name
	}
	c.Actor = actor
	if err := e.o.Store.CreateCampaign(ctx, &c); err != nil {
		return store.Campaign{}, err
	}
	e.Nudge()
	return c, nil
}

// Get returns a campaign.
func (e *Campaigns) Get(ctx context.Context, id string) (store.Campaign, error) {
	return e.o.Store.Campaign(ctx, id)
}

// List pages through campaigns, oldest first.
func (e *Campaigns) List(ctx context.Context, after string, limit int) ([]store.Campaign, string, error) {
	return e.o.Store.ListCampaigns(ctx, after, limit)
}

// Pause stops new downloads; those under way finish and are counted.
func (e *Campaigns) Pause(ctx context.Context, id string) (store.Campaign, error) {
	return e.change(ctx, id, "pause", func(c *store.Campaign) bool {
		if c.State != store.CampaignRunning {
			return false
		}
		c.State = store.CampaignPaused
		return true
	})
}

// Resume continues a paused campaign, or a halted one: the operator
// accepts the current wave's failures and it is not checked again.
func (e *Campaigns) Resume(ctx context.Context, id string) (store.Campaign, error) {
	now := e.o.Now().UTC()
	return e.change(ctx, id, "resume", func(c *store.Campaign) bool {
		switch c.State {
		case store.CampaignPaused:
		case store.CampaignHalted:
			c.HaltOverride = c.Wave + 1
			c.HaltReason = ""
		default:
			return false
		}
		c.State = store.CampaignRunning
		evaluate(c, now)
		return true
	})
}

// Abort ends a campaign for good: no new downloads; queued ones are
// withdrawn by the driver.
func (e *Campaigns) Abort(ctx context.Context, id string) (store.Campaign, error) {
	now := e.o.Now().UTC()
	return e.change(ctx, id, "abort", func(c *store.Campaign) bool {
		switch c.State {
		case store.CampaignPreparing, store.CampaignRunning, store.CampaignPaused, store.CampaignHalted:
		default:
			return false
		}
		c.State, c.Finished = store.CampaignAborted, now
		return true
	})
}

func (e *Campaigns) change(ctx context.Context, id, verb string, fn func(c *store.Campaign) bool) (store.Campaign, error) {
	c, err := e.o.Store.UpdateCampaign(ctx, id, func(c *store.Campaign) error {
		if !fn(c) {
			return fmt.Errorf("cannot %s a campaign that is %s: %w", verb, c.State, ErrCampaignState)
		}
		return nil
	})
	if err == nil {
		e.Nudge()
	}
	return c, err
}

// exceeds reports whether a wave's failures pass the threshold: either
// for certain (more than threshold% of the whole wave failed), or among
// the devices finished so far once a sample of min(size, 10) finished.
func exceeds(st store.WaveStats, threshold float64) bool {
	if st.Failed == 0 {
		return false
	}
	if float64(st.Failed)*100 > threshold*float64(st.Size) {
		return true
	}
	finished := st.Succeeded + st.Failed
	return finished >= min(st.Size, 10) && float64(st.Failed)*100 > threshold*float64(finished)
}

// evaluate moves a running campaign on: halt when its current wave fails
// too often, next wave when the current one is finished, completed after
// the last.
func evaluate(c *store.Campaign, now time.Time) {
	for c.State == store.CampaignRunning && c.Wave < len(c.Stats) {
		st := c.Stats[c.Wave]
		if c.HaltOverride != c.Wave+1 && exceeds(st, c.FailureThreshold) {
			c.State = store.CampaignHalted
			c.HaltReason = fmt.Sprintf("wave %d: %d of %d devices failed (%d finished), threshold %g%%",
				c.Wave+1, st.Failed, st.Size, st.Succeeded+st.Failed, c.FailureThreshold)
			return
		}
		if st.Pending > 0 || st.Active > 0 {
			return
		}
		if c.Wave+1 == len(c.Stats) {
			c.State, c.Finished = store.CampaignCompleted, now
			return
		}
		c.Wave++
	}
}

func totalActive(c *store.Campaign) int {
	n := 0
	for _, st := range c.Stats {
		n += st.Active
	}
	return n
}

// move takes a device from one state to another in the wave counters.
func move(c *store.Campaign, d *store.CampaignDevice, to string) {
	if d.Wave < 0 || d.Wave >= len(c.Stats) {
		return
	}
	st := &c.Stats[d.Wave]
	for _, s := range []struct {
		state string
		n     *int
	}{{store.CampaignDevicePending, &st.Pending}, {store.CampaignDeviceActive, &st.Active},
		{store.CampaignDeviceSucceeded, &st.Succeeded}, {store.CampaignDeviceFailed, &st.Failed},
		{store.CampaignDeviceSkipped, &st.Skipped}} {
		if s.state == d.State {
			*s.n--
		}
		if s.state == to {
			*s.n++
		}
	}
	d.State = to
}

// rank orders a campaign's devices pseudo-randomly but reproducibly, so
// that waves are a fair sample of the targets rather than the lowest IDs.
func rank(campaign, device string) uint64 {
	h := sha256.Sum256([]byte(campaign + "\x00" + device))
	return binary.BigEndian.Uint64(h[:8])
}

func newTaskID(now time.Time) string {
	var b [12]byte
	binary.BigEndian.PutUint64(b[:8], uint64(now.UnixMilli())<<16)
	_, _ = rand.Read(b[6:])
	return hex.EncodeToString(b[:])
}

// downloadPayload is the download task's payload (the tasks package's
// form).
func downloadPayload(url string, f store.File) json.RawMessage {
	p := map[string]any{"url": url, "fileType": f.FileType, "file": f.Name}
	if f.FileType == "" {
		p["fileType"] = "1 Firmware Upgrade Image"
	}
	if f.Size > 0 && f.Size <= 1<<32-1 {
		p["fileSize"] = f.Size
	}
	b, _ := json.Marshal(p)
	return b
}
