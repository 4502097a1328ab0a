package provision

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"gatewarden/acs/internal/store"
)

// Run drives campaigns until ctx ends: enrol targets, settle finished
// downloads, move waves on, start downloads up to the limits.
func (e *Campaigns) Run(ctx context.Context) error {
	t := time.NewTicker(e.o.Interval)
	defer t.Stop()
	for {
		e.Round(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-e.nudge:
		}
	}
}

// Round is one pass of the driver over the open campaigns.
func (e *Campaigns) Round(ctx context.Context) {
	var running []store.Campaign
	after := ""
	for {
		cs, next, err := e.o.Store.ListCampaigns(ctx, after, 100)
		if err != nil {
			if ctx.Err() == nil {
				e.log.Warn("campaigns: list", "err", err)
			}
			return
		}
		for _, c := range cs {
			c, err := e.drive(ctx, c)
			if err != nil && ctx.Err() == nil {
				e.log.Warn("campaigns: round", "campaign", c.ID, "err", err)
			}
			if c.State == store.CampaignRunning {
				running = append(running, c)
			}
		}
		if next == "" {
			break
		}
		after = next
	}
	e.running.Store(&running)
}

func (e *Campaigns) drive(ctx context.Context, c store.Campaign) (store.Campaign, error) {
	switch c.State {
	case store.CampaignCompleted:
		return c, nil
	case store.CampaignAborted:
		if totalActive(&c) == 0 {
			return c, nil
		}
	case store.CampaignPreparing:
		var err error
		if c, err = e.prepare(ctx, c); err != nil {
			return c, err
		}
	}
	c, err := e.settle(ctx, c)
	if err != nil || c.State != store.CampaignRunning {
		return c, err
	}
	return e.startSome(ctx, c)
}

// prepare enrols the devices the filter matches, in two passes over the
// inventory so that memory holds one number per target, not the targets:
// the first ranks them to find each wave's cut, the second records them.
func (e *Campaigns) prepare(ctx context.Context, c store.Campaign) (store.Campaign, error) {
	match, err := e.o.Compile(c.Filter)
	if err != nil {
		return e.o.Store.UpdateCampaign(ctx, c.ID, func(x *store.Campaign) error {
			x.State, x.HaltReason = store.CampaignHalted, "filter: "+err.Error()
			return nil
		})
	}
	var ranks []uint64
	if err := e.scan(ctx, match, func(d *store.Device) error {
		ranks = append(ranks, rank(c.ID, d.ID))
		return nil
	}); err != nil {
		return c, err
	}
	slices.Sort(ranks)
	n := len(ranks)
	// cut[k] is the highest rank in waves 0..k; has[k] whether they hold
	// any device at all.
	cut := make([]uint64, len(c.Waves))
	has := make([]bool, len(c.Waves))
	for k, w := range c.Waves {
		end := (n*w + 9999) / 10000
		if end > 0 {
			cut[k], has[k] = ranks[end-1], true
		}
	}
	ranks = nil
	counts := make([]int, len(c.Waves))
	batch := make([]store.CampaignDevice, 0, 500)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := e.o.Store.AddCampaignDevices(ctx, c.ID, batch)
		batch = batch[:0]
		return err
	}
	if err := e.scan(ctx, match, func(d *store.Device) error {
		r := rank(c.ID, d.ID)
		wave := len(c.Waves) - 1 // a device that appeared since the first pass
		for k := range c.Waves {
			if has[k] && r <= cut[k] {
				wave = k
				break
			}
		}
		counts[wave]++
		batch = append(batch, store.CampaignDevice{Device: d.ID, Wave: wave, State: store.CampaignDevicePending})
		if len(batch) == cap(batch) {
			return flush()
		}
		return nil
	}); err != nil {
		return c, err
	}
	if err := flush(); err != nil {
		return c, err
	}
	now := e.o.Now().UTC()
	c, err = e.o.Store.UpdateCampaign(ctx, c.ID, func(x *store.Campaign) error {
		x.Stats = make([]store.WaveStats, len(x.Waves))
		for k, n := range counts {
			x.Stats[k] = store.WaveStats{Size: n, Pending: n}
		}
		if x.State == store.CampaignPreparing {
			x.State = store.CampaignRunning
			evaluate(x, now)
		}
		return nil
	})
	if err == nil {
		e.log.Info("campaign enrolled its devices", "campaign", c.ID, "devices", n, "state", c.State)
	}
	return c, err
}

func (e *Campaigns) scan(ctx context.Context, match MatchFunc, fn func(d *store.Device) error) error {
	after := ""
	for {
		devs, next, err := e.o.Store.ListDevices(ctx, store.DeviceQuery{After: after, Limit: 1000, Match: match})
		if err != nil {
			return fmt.Errorf("campaign targets: %w", err)
		}
		for i := range devs {
			if err := fn(&devs[i]); err != nil {
				return err
			}
		}
		if next == "" {
			return nil
		}
		after = next
	}
}

// settle looks at the tasks of the campaign's active devices and records
// those that ended, withdrawing queued downloads of an aborted campaign
// and of devices past their timeout.
func (e *Campaigns) settle(ctx context.Context, c store.Campaign) (store.Campaign, error) {
	if totalActive(&c) == 0 {
		return c, nil
	}
	now := e.o.Now().UTC()
	q := store.CampaignDeviceQuery{Campaign: c.ID, State: store.CampaignDeviceActive, Wave: -1, Limit: 500}
	for {
		devs, next, err := e.o.Store.CampaignDevices(ctx, q)
		if err != nil {
			return c, err
		}
		cur := c
		nc, err := parallel(devs, func(d store.CampaignDevice) (store.Campaign, error) {
			return e.settleOne(ctx, cur, d, now)
		})
		if nc.ID != "" && nc.Version > c.Version {
			c = nc
		}
		if err != nil {
			return c, err
		}
		if next == "" {
			return c, nil
		}
		q.After = next
	}
}

func (e *Campaigns) settleOne(ctx context.Context, c store.Campaign, d store.CampaignDevice, now time.Time) (store.Campaign, error) {
	t, err := e.o.Store.Task(ctx, d.Task)
	switch {
	case errors.Is(err, store.ErrNotFound):
		// The ACS stopped between the device's start and its task.
		return c, e.addTask(ctx, c, d)
	case err != nil:
		return c, err
	}
	var to string
	var fault *store.TaskFault
	switch {
	case t.Status == store.StatusDone:
		to = store.CampaignDeviceSucceeded
	case t.Status == store.StatusFault:
		to, fault = store.CampaignDeviceFailed, t.Fault
	case c.State == store.CampaignAborted && t.Status == store.StatusQueued:
		to, fault = store.CampaignDeviceSkipped, &store.TaskFault{Code: faultCanceled, Message: "campaign aborted"}
	case c.DeviceTimeout > 0 && now.Sub(d.Started) > c.DeviceTimeout:
		to, fault = store.CampaignDeviceFailed, &store.TaskFault{Code: faultCanceled,
			Message: fmt.Sprintf("no result within the campaign's device timeout of %s", c.DeviceTimeout)}
	default:
		return c, nil
	}
	if to != store.CampaignDeviceSucceeded && t.Status == store.StatusQueued {
		// Withdraw the download before it is sent.
		t.Status, t.Fault, t.Completed = store.StatusFault, fault, now
		if err := e.o.Store.UpdateTask(ctx, t); err != nil {
			return c, err
		}
	}
	return e.finish(ctx, c.ID, d.Device, to, fault, now)
}

func (e *Campaigns) finish(ctx context.Context, id, device, to string, fault *store.TaskFault, now time.Time) (store.Campaign, error) {
	c, _, err := e.o.Store.UpdateCampaignDevice(ctx, id, device, func(c *store.Campaign, d *store.CampaignDevice) error {
		if d.State != store.CampaignDeviceActive {
			return errSkip
		}
		move(c, d, to)
		d.Finished, d.Fault = now, fault
		evaluate(c, now)
		return nil
	})
	if errors.Is(err, errSkip) {
		return store.Campaign{}, nil
	}
	if err == nil && c.State == store.CampaignHalted {
		e.log.Warn("campaign halted", "campaign", id, "reason", c.HaltReason)
	}
	return c, err
}

// errSkip: a transition found the records already moved on (another node
// or an earlier round did it).
var errSkip = errors.New("nothing to do")

// startSome starts pending devices of the current wave up to the
// concurrency limit, inside the allowed windows.
func (e *Campaigns) startSome(ctx context.Context, c store.Campaign) (store.Campaign, error) {
	now := e.o.Now()
	free := c.MaxConcurrent - totalActive(&c)
	if free <= 0 || !campaignOpen(&c, now) {
		return c, nil
	}
	devs, _, err := e.o.Store.CampaignDevices(ctx, store.CampaignDeviceQuery{
		Campaign: c.ID, State: store.CampaignDevicePending, Wave: c.Wave, Limit: free})
	if err != nil {
		return c, err
	}
	nc, err := parallel(devs, func(d store.CampaignDevice) (store.Campaign, error) {
		nc, started, err := e.start(ctx, c.ID, d.Device)
		if started {
			e.wake(d.Device)
		}
		return nc, err
	})
	if nc.ID != "" && nc.Version > c.Version {
		c = nc
	}
	return c, err
}

// parallelism is how many device transitions a round runs at once: each
// waits for an fsync, and concurrent ones share it (the store's group
// commit), so a wave of starts costs a few commits rather than one each.
const parallelism = 16

// parallel runs fn for every device, a few at a time, and returns the
// newest campaign any of them saw and the first error.
func parallel(devs []store.CampaignDevice, fn func(d store.CampaignDevice) (store.Campaign, error)) (store.Campaign, error) {
	var (
		mu     sync.Mutex
		newest store.Campaign
		first  error
		wg     sync.WaitGroup
	)
	sem := make(chan struct{}, parallelism)
	for _, d := range devs {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			c, err := fn(d)
			mu.Lock()
			defer mu.Unlock()
			if err != nil && first == nil {
				first = err
			}
			if c.ID != "" && c.Version > newest.Version {
				newest = c
			}
		}()
	}
	wg.Wait()
	return newest, first
}

// start moves one pending device to active and queues its download.
func (e *Campaigns) start(ctx context.Context, id, device string) (store.Campaign, bool, error) {
	now := e.o.Now().UTC()
	taskID := newTaskID(now)
	c, d, err := e.o.Store.UpdateCampaignDevice(ctx, id, device, func(c *store.Campaign, d *store.CampaignDevice) error {
		if c.State != store.CampaignRunning || d.State != store.CampaignDevicePending || d.Wave > c.Wave ||
			totalActive(c) >= c.MaxConcurrent || !campaignOpen(c, now) {
			return errSkip
		}
		move(c, d, store.CampaignDeviceActive)
		d.Task, d.Started = taskID, now
		return nil
	})
	if errors.Is(err, errSkip) {
		return store.Campaign{}, false, nil
	}
	if err != nil {
		return store.Campaign{}, false, err
	}
	if err := e.addTask(ctx, c, d); err != nil {
		return c, false, err
	}
	return c, true, nil
}

// addTask queues the device's download under the ID its record holds, so
// that a repeat after a crash finds the same task.
func (e *Campaigns) addTask(ctx context.Context, c store.Campaign, d store.CampaignDevice) error {
	f, err := e.o.File(ctx, c.File)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			_, err = e.o.Store.UpdateCampaign(ctx, c.ID, func(x *store.Campaign) error {
				if x.State == store.CampaignRunning {
					x.State, x.HaltReason = store.CampaignHalted, fmt.Sprintf("file %q is gone from the repository", c.File)
				}
				return nil
			})
		}
		return err
	}
	t := store.Task{
		ID: d.Task, Device: d.Device, Type: "download", Priority: store.PriorityCampaign,
		Payload: downloadPayload(e.o.DownloadURL(d.Device, f.Name), f), Actor: "campaign:" + c.ID,
	}
	err = e.o.Store.AddTask(ctx, &t)
	switch {
	case err == nil, errors.Is(err, store.ErrConflict):
		return nil
	case errors.Is(err, store.ErrNotFound):
		// The device left the inventory.
		_, err = e.finish(ctx, c.ID, d.Device, store.CampaignDeviceSkipped,
			&store.TaskFault{Code: faultCanceled, Message: "device is no longer in the inventory"}, e.o.Now().UTC())
		return err
	}
	return err
}

// wake asks the device for a session in the background, a bounded number
// at a time; a device that cannot be reached gets its download at its
// next Inform.
func (e *Campaigns) wake(device string) {
	if e.o.Wake == nil {
		return
	}
	go func() {
		e.wakes <- struct{}{}
		defer func() { <-e.wakes }()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := e.o.Wake(ctx, device); err != nil {
			e.log.Debug("campaign: wake", "device", device, "err", err)
		}
	}()
}

// OnInform starts the device's download in the session that is opening,
// when one of the running campaigns has it pending in a wave that is due.
// A failure here never fails the Inform: the driver tries again.
func (e *Campaigns) OnInform(ctx context.Context, device string) {
	for _, c := range *e.running.Load() {
		d, err := e.o.Store.CampaignDevice(ctx, c.ID, device)
		if err != nil || d.State != store.CampaignDevicePending || d.Wave > c.Wave {
			continue
		}
		if _, _, err := e.start(ctx, c.ID, device); err != nil {
			e.log.Warn("campaign: start at Inform", "campaign", c.ID, "device", device, "err", err)
		}
	}
}
