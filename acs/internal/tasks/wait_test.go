package tasks

import (
	"context"
	"errors"
	"testing"
	"time"

	"gatewarden/acs/internal/store"
	"gatewarden/protocol/cwmp"
)

// TestWaitInProcess: Wait returns as soon as the session completes the
// task on this node.
func TestWaitInProcess(t *testing.T) {
	e := newEnv(t, nil, func(c *Config) { c.PollInterval = time.Hour }) // no polling: notification only
	d := e.device("SN-WAIT", "Device.")
	task := e.addTask(d, TypeGetParameterValues, store.PrioritySupport, map[string]any{"parameters": []string{"Device.DeviceInfo."}})
	got := make(chan store.Task, 1)
	go func() {
		tk, err := e.runner().Wait(context.Background(), task.ID)
		if err != nil {
			t.Error(err)
		}
		got <- tk
	}()
	time.Sleep(20 * time.Millisecond)
	e.session(d)
	select {
	case tk := <-got:
		if tk.Status != store.StatusDone {
			t.Errorf("Wait returned %s", tk.Status)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Wait did not return after the task completed")
	}
}

// TestWaitAcrossNodes: a task completed by another node (another Runner on
// the same store) is seen by polling.
func TestWaitAcrossNodes(t *testing.T) {
	e := newEnv(t, nil, nil)
	d := e.device("SN-WAIT-X", "Device.")
	task := e.addTask(d, TypeReboot, store.PrioritySupport, nil)
	waiter := e.runner()
	e.restart() // the device's session runs on the new node
	got := make(chan store.Task, 1)
	go func() {
		tk, _ := waiter.Wait(context.Background(), task.ID)
		got <- tk
	}()
	e.session(d)
	select {
	case tk := <-got:
		if tk.Status != store.StatusDone {
			t.Errorf("Wait returned %s", tk.Status)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Wait did not see the other node's completion")
	}
}

// TestWaitTimeout: Wait gives up with the context and returns the task as
// it stands.
func TestWaitTimeout(t *testing.T) {
	e := newEnv(t, nil, nil)
	d := e.device("SN-WAIT-T", "Device.")
	task := e.addTask(d, TypeReboot, store.PrioritySupport, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	tk, err := e.runner().Wait(ctx, task.ID)
	if !errors.Is(err, context.DeadlineExceeded) || tk.Status != store.StatusQueued {
		t.Errorf("Wait = %s, %v; want queued and deadline exceeded", tk.Status, err)
	}
	if _, err := e.runner().Wait(context.Background(), "no-such-task"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Wait on an unknown task: %v", err)
	}
	e.runner().waiters.mu.Lock()
	left := len(e.runner().waiters.waiters)
	e.runner().waiters.mu.Unlock()
	if left != 0 {
		t.Errorf("%d waiter sets left behind", left)
	}
}

// TestTransferCompleteReports: a failed download ends its task with the
// transfer's fault; reports nobody asked for are kept as device faults,
// successes without a task are acknowledged and dropped.
func TestTransferCompleteReports(t *testing.T) {
	e := newEnv(t, nil, nil)
	d := e.device("SN-TC", "Device.")
	task := e.addTask(d, TypeDownload, store.PriorityCampaign, map[string]string{"url": "https://files.example/fw.bin"})
	var key string
	d.Intercept = func(req cwmp.Body) (cwmp.Body, bool, bool) {
		if dl, ok := req.(*cwmp.Download); ok {
			key = dl.CommandKey
			return &cwmp.DownloadResponse{Status: 1, StartTime: cwmp.UnknownTime, CompleteTime: cwmp.UnknownTime}, true, false
		}
		return nil, false, false
	}
	e.session(d)
	e.expectStatus(task.ID, store.StatusRunning)
	ctx := context.Background()
	d.EndSession()
	r, err := d.Send(ctx, d.Inform(cwmp.EventStruct{EventCode: cwmp.EventTransferComplete}, cwmp.EventStruct{EventCode: cwmp.EventMDownload, CommandKey: key}))
	if err != nil || r.Method() != "InformResponse" {
		t.Fatalf("inform: %v %v", r, err)
	}
	for _, tc := range []*cwmp.TransferComplete{
		{CommandKey: key, FaultStruct: cwmp.FaultStruct{FaultCode: cwmp.FaultFileCorrupted, FaultString: "bad signature"}, StartTime: cwmp.UnknownTime, CompleteTime: cwmp.UnknownTime},
		{CommandKey: key, StartTime: cwmp.UnknownTime, CompleteTime: cwmp.UnknownTime}, // a repeat: no change
		{CommandKey: "unknown-key", FaultStruct: cwmp.FaultStruct{FaultCode: cwmp.FaultDownloadFailure}, StartTime: cwmp.UnknownTime, CompleteTime: cwmp.UnknownTime},
		{CommandKey: "other-ok", StartTime: cwmp.UnknownTime, CompleteTime: cwmp.UnknownTime},
	} {
		r, err := d.Send(ctx, &cwmp.Envelope{Body: tc})
		if err != nil || r.Method() != "TransferCompleteResponse" {
			t.Fatalf("TransferComplete %q: %v %v", tc.CommandKey, r, err)
		}
	}
	r, err = d.Send(ctx, &cwmp.Envelope{Body: &cwmp.AutonomousTransferComplete{
		TransferURL: "http://vendor.example/fw", IsDownload: true, FileType: cwmp.FileTypeFirmwareUpgradeImage,
		FaultStruct: cwmp.FaultStruct{FaultCode: cwmp.FaultFileAuthFailure}, StartTime: cwmp.UnknownTime, CompleteTime: cwmp.UnknownTime,
	}})
	if err != nil || r.Method() != "AutonomousTransferCompleteResponse" {
		t.Fatalf("AutonomousTransferComplete: %v %v", r, err)
	}
	if r, err = d.SendEmpty(ctx); err != nil || r.Status != 204 {
		t.Fatalf("empty POST: %v %v", r, err)
	}
	f := e.expectStatus(task.ID, store.StatusFault)
	if f.Fault.Code != 9018 || f.Fault.Message != "bad signature" {
		t.Errorf("task fault %+v", f.Fault)
	}
	var codes []int
	for _, rec := range e.store.AllFaults() {
		codes = append(codes, rec.Code)
	}
	if len(codes) != 3 || codes[0] != 9018 || codes[1] != 9010 || codes[2] != 9019 {
		t.Errorf("recorded fault codes %v, want [9018 9010 9019]", codes)
	}
}
