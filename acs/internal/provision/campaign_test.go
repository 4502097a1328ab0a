package provision

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"gatewarden/acs/internal/store"
	boltstore "gatewarden/acs/internal/store/bbolt"
)

type campaignRig struct {
	t     *testing.T
	st    *boltstore.Store
	e     *Campaigns
	now   time.Time
	mu    sync.Mutex
	woken []string
}

func newCampaignRig(t *testing.T, devices int) *campaignRig {
	t.Helper()
	st, err := boltstore.Open(filepath.Join(t.TempDir(), "acs.db"), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	r := &campaignRig{t: t, st: st, now: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)}
	ctx := context.Background()
	// In parallel, so that the store's group commit shares the fsyncs.
	var wg sync.WaitGroup
	sem := make(chan struct{}, 32)
	for i := range devices {
		pc := "GW"
		if i%10 == 9 {
			pc = "OTHER"
		}
		id := fmt.Sprintf("00D09E-%s-SN%04d", pc, i)
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if _, err := st.RecordInform(ctx, store.Inform{Device: store.Device{ID: id, OUI: "00D09E", ProductClass: pc,
				SerialNumber: fmt.Sprintf("SN%04d", i), SoftwareVersion: "1.0"}, Time: r.now}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if err := st.PutFile(ctx, store.File{Name: "fw-2.0", FileType: "1 Firmware Upgrade Image", Version: "2.0", Size: 4096}); err != nil {
		t.Fatal(err)
	}
	r.e = r.engine()
	return r
}

func (r *campaignRig) engine() *Campaigns {
	e, err := NewCampaigns(CampaignOptions{
		Store:       r.st,
		File:        r.st.File,
		DownloadURL: func(device, file string) string { return "http://files.example:7567/firmware/" + file + "?d=" + device },
		Compile: func(expr string) (MatchFunc, error) {
			f, err := Compile(expr)
			if err != nil {
				return nil, err
			}
			return f.Match, nil
		},
		Wake: func(_ context.Context, device string) error {
			r.mu.Lock()
			r.woken = append(r.woken, device)
			r.mu.Unlock()
			return nil
		},
		Now:    func() time.Time { return r.now },
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		r.t.Fatal(err)
	}
	return e
}

func (r *campaignRig) create(spec string) store.Campaign {
	r.t.Helper()
	c, err := r.e.Create(context.Background(), []byte(spec), "tester")
	if err != nil {
		r.t.Fatal(err)
	}
	r.e.Round(context.Background())
	return r.get(c.ID)
}

func (r *campaignRig) get(id string) store.Campaign {
	r.t.Helper()
	c, err := r.st.Campaign(context.Background(), id)
	if err != nil {
		r.t.Fatal(err)
	}
	return c
}

// active lists the campaign's active devices with their tasks.
func (r *campaignRig) active(id string) []store.CampaignDevice {
	r.t.Helper()
	ds, _, err := r.st.CampaignDevices(context.Background(), store.CampaignDeviceQuery{Campaign: id, State: store.CampaignDeviceActive, Wave: -1, Limit: 1000})
	if err != nil {
		r.t.Fatal(err)
	}
	return ds
}

// finishTasks ends the active devices' tasks, failing those fail picks.
func (r *campaignRig) finishTasks(id string, fail func(n int) bool) int {
	r.t.Helper()
	ctx := context.Background()
	n := 0
	var wg sync.WaitGroup
	for _, d := range r.active(id) {
		t, err := r.st.Task(ctx, d.Task)
		if err != nil {
			r.t.Fatalf("task of %s: %v", d.Device, err)
		}
		if t.Type != "download" || t.Priority != store.PriorityCampaign || t.Actor != "campaign:"+id {
			r.t.Fatalf("task %+v", t)
		}
		var p struct {
			URL      string `json:"url"`
			FileType string `json:"fileType"`
			FileSize int64  `json:"fileSize"`
		}
		if err := json.Unmarshal(t.Payload, &p); err != nil || !strings.Contains(p.URL, "d="+d.Device) || p.FileSize != 4096 || p.FileType != "1 Firmware Upgrade Image" {
			r.t.Fatalf("payload %s", t.Payload)
		}
		t.Status = store.StatusDone
		if fail(n) {
			t.Status, t.Fault = store.StatusFault, &store.TaskFault{Code: 9010, Message: "download failed"}
		}
		t.Completed = r.now
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := r.st.UpdateTask(ctx, t); err != nil {
				r.t.Error(err)
			}
		}()
		n++
	}
	wg.Wait()
	r.e.Round(ctx)
	return n
}

func total(c store.Campaign) (size, pend, act, ok, failed int) {
	for _, s := range c.Stats {
		size += s.Size
		pend += s.Pending
		act += s.Active
		ok += s.Succeeded
		failed += s.Failed
	}
	return
}

func TestCampaignCompletesAllWaves(t *testing.T) {
	r := newCampaignRig(t, 100)
	c := r.create(`{"file":"fw-2.0","filter":"productClass = \"GW\"","waves":[10,50,100],"maxConcurrent":20}`)
	size, pend, act, _, _ := total(c)
	if c.State != store.CampaignRunning || size != 90 || c.Stats[0].Size != 9 || c.Stats[1].Size != 36 || c.Stats[2].Size != 45 {
		t.Fatalf("after enrolment: %+v", c)
	}
	if act != 9 || pend != 81 {
		t.Fatalf("first round started %d (pending %d), want the 9 of wave 1", act, pend)
	}
	for round := 0; round < 20 && r.get(c.ID).State == store.CampaignRunning; round++ {
		if n := r.finishTasks(c.ID, func(int) bool { return false }); n > 20 {
			t.Fatalf("%d active at once, limit 20", n)
		}
		if got := r.get(c.ID); got.State == store.CampaignRunning && totalActive(&got) == 0 {
			t.Fatalf("running with nothing active: %+v", got)
		}
	}
	c = r.get(c.ID)
	_, pend, act, ok, failed := total(c)
	if c.State != store.CampaignCompleted || ok != 90 || pend+act+failed != 0 || c.Finished.IsZero() || c.Wave != 2 {
		t.Fatalf("end: %+v", c)
	}
	// Wakes run in the background.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		r.mu.Lock()
		woken := len(r.woken)
		r.mu.Unlock()
		if woken == 90 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d devices woken, want each of the 90 started", woken)
		}
	}
	// OTHER devices were never targeted.
	if _, err := r.st.CampaignDevice(context.Background(), c.ID, "00D09E-OTHER-SN0009"); err == nil {
		t.Fatal("a device outside the filter was enrolled")
	}
}

func TestCampaignHaltsOnFailures(t *testing.T) {
	r := newCampaignRig(t, 200)
	c := r.create(`{"file":"fw-2.0","waves":[5,50,100],"maxConcurrent":100,"failureThreshold":10}`)
	if c.Stats[0].Size != 10 {
		t.Fatalf("wave 1: %+v", c.Stats)
	}
	r.finishTasks(c.ID, func(n int) bool { return false }) // wave 1 healthy
	c = r.get(c.ID)
	if c.Wave != 1 || c.State != store.CampaignRunning || c.Stats[1].Active != 90 {
		t.Fatalf("after wave 1: %+v", c)
	}
	r.finishTasks(c.ID, func(n int) bool { return n%5 == 0 }) // 20% fail
	c = r.get(c.ID)
	if c.State != store.CampaignHalted || c.Wave != 1 || !strings.Contains(c.HaltReason, "wave 2") {
		t.Fatalf("not halted: %+v", c)
	}
	if c.Stats[2].Active != 0 || c.Stats[2].Pending != c.Stats[2].Size {
		t.Fatalf("wave 3 started after the halt: %+v", c.Stats[2])
	}
	r.e.Round(context.Background())
	if got := r.get(c.ID); totalActive(&got) != 0 {
		t.Fatalf("a halted campaign started downloads: %+v", got)
	}
	// An operator accepts the failures: the campaign goes on.
	if _, err := r.e.Resume(context.Background(), c.ID); err != nil {
		t.Fatal(err)
	}
	r.e.Round(context.Background())
	if got := r.get(c.ID); got.State != store.CampaignRunning || got.Wave != 2 || totalActive(&got) == 0 {
		t.Fatalf("after resume: %+v", got)
	}
}

// The canary wave of two: one failure is already half of it.
func TestCampaignCanaryFailureHalts(t *testing.T) {
	r := newCampaignRig(t, 200)
	c := r.create(`{"file":"fw-2.0"}`)
	if c.Stats[0].Size != 2 || len(c.Stats) != 4 {
		t.Fatalf("default waves: %+v", c.Stats)
	}
	r.finishTasks(c.ID, func(n int) bool { return n == 0 })
	if got := r.get(c.ID); got.State != store.CampaignHalted {
		t.Fatalf("canary failure: %+v", got)
	}
}

func TestCampaignPauseResumeAbort(t *testing.T) {
	r := newCampaignRig(t, 50)
	ctx := context.Background()
	c := r.create(`{"file":"fw-2.0","waves":[100],"maxConcurrent":5}`)
	if _, err := r.e.Pause(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	r.finishTasks(c.ID, func(int) bool { return false })
	c = r.get(c.ID)
	if c.State != store.CampaignPaused || c.Stats[0].Succeeded != 5 || c.Stats[0].Active != 0 {
		t.Fatalf("paused: %+v", c)
	}
	if _, err := r.e.Pause(ctx, c.ID); err == nil {
		t.Fatal("paused twice")
	}
	if _, err := r.e.Resume(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	r.e.Round(ctx)
	act := r.active(c.ID)
	if len(act) != 5 {
		t.Fatalf("after resume %d active", len(act))
	}
	if _, err := r.e.Abort(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	r.e.Round(ctx)
	c = r.get(c.ID)
	if c.State != store.CampaignAborted || c.Stats[0].Active != 0 || c.Stats[0].Skipped != 5 {
		t.Fatalf("aborted: %+v", c)
	}
	for _, d := range act {
		task, _ := r.st.Task(ctx, d.Task)
		if task.Status != store.StatusFault || task.Fault == nil || task.Fault.Code != faultCanceled {
			t.Fatalf("queued download not withdrawn: %+v", task)
		}
	}
	if _, err := r.e.Resume(ctx, c.ID); err == nil {
		t.Fatal("resumed an aborted campaign")
	}
}

// A new engine on the same store (an ACS restart) carries on.
func TestCampaignContinuesAfterRestart(t *testing.T) {
	r := newCampaignRig(t, 40)
	c := r.create(`{"file":"fw-2.0","waves":[50,100],"maxConcurrent":10}`)
	r.finishTasks(c.ID, func(int) bool { return false })
	before := r.get(c.ID)
	r.e = r.engine()
	r.e.Round(context.Background())
	for round := 0; round < 10 && r.get(c.ID).State == store.CampaignRunning; round++ {
		r.finishTasks(c.ID, func(int) bool { return false })
	}
	after := r.get(c.ID)
	if after.State != store.CampaignCompleted || after.Version <= before.Version {
		t.Fatalf("after restart: %+v", after)
	}
}

// A crash between a device's start and its task: the next round queues
// the task under the recorded ID.
func TestCampaignRequeuesLostTask(t *testing.T) {
	r := newCampaignRig(t, 10)
	ctx := context.Background()
	c := r.create(`{"file":"fw-2.0","waves":[100],"maxConcurrent":1}`)
	d := r.active(c.ID)[0]
	// Simulate the loss by pointing the record at a task that was never stored.
	if _, _, err := r.st.UpdateCampaignDevice(ctx, c.ID, d.Device, func(_ *store.Campaign, x *store.CampaignDevice) error {
		x.Task = "lost-task-id"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	r.e.Round(ctx)
	if got, err := r.st.Task(ctx, "lost-task-id"); err != nil || got.Device != d.Device || got.Type != "download" {
		t.Fatalf("lost task not queued again: %+v %v", got, err)
	}
}

func TestCampaignWindowsAndTimeout(t *testing.T) {
	r := newCampaignRig(t, 10)
	ctx := context.Background()
	c := r.create(`{"file":"fw-2.0","waves":[100],"maxConcurrent":3,"windows":["22:00-05:00"],"deviceTimeout":"1h"}`)
	if got := r.get(c.ID); totalActive(&got) != 0 {
		t.Fatalf("started outside the window: %+v", got)
	}
	r.now = r.now.Add(11 * time.Hour) // 23:00
	r.e.Round(ctx)
	if got := r.get(c.ID); totalActive(&got) != 3 {
		t.Fatalf("inside the window: %+v", got)
	}
	r.now = r.now.Add(2 * time.Hour) // 01:00, the downloads never ended
	r.e.Round(ctx)
	got := r.get(c.ID)
	if got.Stats[0].Failed != 3 {
		t.Fatalf("timeouts: %+v", got)
	}
	if got.State != store.CampaignHalted {
		t.Fatalf("3 of 10 timed out, threshold 10%%: %+v", got)
	}
}

func TestCampaignStartsAtInform(t *testing.T) {
	r := newCampaignRig(t, 30)
	ctx := context.Background()
	c := r.create(`{"file":"fw-2.0","waves":[100],"maxConcurrent":2}`)
	act := r.active(c.ID)
	r.finishTasks(c.ID, func(int) bool { return false })
	// The round after finishing started two more; finish those without a
	// round, then let an Inform start the device it names.
	for _, d := range r.active(c.ID) {
		task, _ := r.st.Task(ctx, d.Task)
		task.Status = store.StatusDone
		_ = r.st.UpdateTask(ctx, task)
		if _, err := r.e.finish(ctx, c.ID, d.Device, store.CampaignDeviceSucceeded, nil, r.now); err != nil {
			t.Fatal(err)
		}
	}
	pend, _, _ := r.st.CampaignDevices(ctx, store.CampaignDeviceQuery{Campaign: c.ID, State: store.CampaignDevicePending, Wave: 0, Limit: 1})
	r.e.OnInform(ctx, pend[0].Device)
	d, _ := r.st.CampaignDevice(ctx, c.ID, pend[0].Device)
	if d.State != store.CampaignDeviceActive {
		t.Fatalf("Inform did not start the device: %+v (first batch %d)", d, len(act))
	}
	if _, err := r.st.Task(ctx, d.Task); err != nil {
		t.Fatalf("no task: %v", err)
	}
}

func TestCampaignCreateChecks(t *testing.T) {
	r := newCampaignRig(t, 1)
	for _, spec := range []string{
		`{"file":"missing"}`,
		`{"file":"fw-2.0","filter":"productClass ="}`,
		`{"file":"fw-2.0","waves":[50]}`,
		`{"file":"fw-2.0","bogus":1}`,
	} {
		if _, err := r.e.Create(context.Background(), []byte(spec), "x"); err == nil {
			t.Errorf("accepted %s", spec)
		}
	}
}
