package storetest

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"gatewarden/acs/internal/store"
)

func testAddTask(t *testing.T, s store.Store) {
	id := deviceID(1)
	record(t, s, inform(id, base))
	before := time.Now().Add(-time.Second)
	task := store.Task{Device: id, Type: "setParameterValues", Priority: store.PriorityOperator, Key: "pk-1",
		Status: store.StatusDone, Payload: json.RawMessage(`{"values":[{"name":"Device.X","value":"1"}]}`), Actor: "alice"}
	must(t, s.AddTask(ctx, &task))
	if task.ID == "" || task.Status != store.StatusQueued || task.Created.Before(before) {
		t.Fatalf("AddTask did not assign ID, Status, Created: %+v", task)
	}
	got, err := s.Task(ctx, task.ID)
	must(t, err)
	if got.ID != task.ID || got.Device != id || got.Type != "setParameterValues" || got.Key != "pk-1" ||
		got.Status != store.StatusQueued || got.Actor != "alice" || !got.Created.Equal(task.Created) {
		t.Fatalf("stored task = %+v, want %+v", got, task)
	}
	var payload map[string]any
	must(t, json.Unmarshal(got.Payload, &payload))
	if _, ok := payload["values"]; !ok {
		t.Fatalf("payload = %s", got.Payload)
	}

	other := addTask(t, s, id, store.PriorityOperator, "")
	if other.ID == task.ID {
		t.Fatal("two tasks got one ID")
	}
	// A caller-chosen ID is kept, and a taken one refused.
	mine := store.Task{ID: "client-chosen-1", Device: id, Type: "reboot"}
	must(t, s.AddTask(ctx, &mine))
	if _, err := s.Task(ctx, "client-chosen-1"); err != nil {
		t.Fatal(err)
	}
	again := store.Task{ID: "client-chosen-1", Device: id, Type: "reboot"}
	wantErr(t, s.AddTask(ctx, &again), store.ErrConflict, "taken task ID")
	// Keys are unique per device.
	dup := store.Task{Device: id, Type: "reboot", Key: "pk-1"}
	wantErr(t, s.AddTask(ctx, &dup), store.ErrConflict, "taken key")
	record(t, s, inform(deviceID(2), base))
	elsewhere := store.Task{Device: deviceID(2), Type: "reboot", Key: "pk-1"}
	must(t, s.AddTask(ctx, &elsewhere))
	// Unknown device.
	lost := store.Task{Device: "nobody", Type: "reboot"}
	wantErr(t, s.AddTask(ctx, &lost), store.ErrNotFound, "AddTask for an unknown device")
}

func testTaskQueueOrder(t *testing.T, s store.Store) {
	id := deviceID(1)
	record(t, s, inform(id, base))
	record(t, s, inform(deviceID(2), base))
	addTask(t, s, deviceID(2), store.PrioritySupport, "") // another device's work never shows up
	// Created explicitly so "older" does not depend on clock resolution.
	add := func(prio int, created time.Time, name string) string {
		task := store.Task{Device: id, Type: name, Priority: prio, Created: created}
		must(t, s.AddTask(ctx, &task))
		return task.ID
	}
	presetOld := add(store.PriorityPreset, base, "preset-old")
	opNew := add(store.PriorityOperator, base.Add(3*time.Second), "op-new")
	opOld := add(store.PriorityOperator, base.Add(1*time.Second), "op-old")
	support := add(store.PrioritySupport, base.Add(5*time.Second), "support")
	campaign := add(store.PriorityCampaign, base.Add(-time.Hour), "campaign")
	want := []string{support, opOld, opNew, campaign, presetOld}

	now := base.Add(time.Hour)
	for i, w := range want {
		task, ok, err := s.NextTask(ctx, id, now)
		must(t, err)
		if !ok || task.ID != w {
			t.Fatalf("NextTask #%d = %s (%s) ok=%v, want %s", i, task.ID, task.Type, ok, w)
		}
		task.Status = store.StatusRunning
		must(t, s.UpdateTask(ctx, task))
	}
	if task, ok, err := s.NextTask(ctx, id, now); err != nil || ok {
		t.Fatalf("NextTask on an empty queue = %+v ok=%v err=%v", task, ok, err)
	}
	if _, ok, err := s.NextTask(ctx, "nobody", now); err != nil || ok {
		t.Fatalf("NextTask for an unknown device: ok=%v err=%v", ok, err)
	}
}

func testTaskNotBefore(t *testing.T, s store.Store) {
	id := deviceID(1)
	record(t, s, inform(id, base))
	retry := store.Task{Device: id, Type: "high-retry", Priority: store.PrioritySupport, Created: base, NotBefore: base.Add(10 * time.Minute)}
	must(t, s.AddTask(ctx, &retry))
	low := store.Task{Device: id, Type: "low", Priority: store.PriorityPreset, Created: base.Add(time.Second)}
	must(t, s.AddTask(ctx, &low))

	task, ok, err := s.NextTask(ctx, id, base.Add(time.Minute))
	must(t, err)
	if !ok || task.ID != low.ID {
		t.Fatalf("before NotBefore: NextTask = %s ok=%v, want the due low-priority task", task.Type, ok)
	}
	task, ok, err = s.NextTask(ctx, id, base.Add(10*time.Minute))
	must(t, err)
	if !ok || task.ID != retry.ID {
		t.Fatalf("at NotBefore: NextTask = %s ok=%v, want the retry", task.Type, ok)
	}
	sameTime(t, "NotBefore", task.NotBefore, base.Add(10*time.Minute))

	// A fault that can pass: back to the queue with a later NotBefore.
	task.Attempts++
	task.NotBefore = base.Add(20 * time.Minute)
	must(t, s.UpdateTask(ctx, task))
	low.Status = store.StatusDone
	must(t, s.UpdateTask(ctx, low))
	if _, ok, err := s.NextTask(ctx, id, base.Add(15*time.Minute)); err != nil || ok {
		t.Fatalf("delayed retry handed out early: ok=%v err=%v", ok, err)
	}
	task, ok, err = s.NextTask(ctx, id, base.Add(21*time.Minute))
	must(t, err)
	if !ok || task.ID != retry.ID || task.Attempts != 1 {
		t.Fatalf("after the delay: %+v ok=%v", task, ok)
	}
}

func testUpdateTask(t *testing.T, s store.Store) {
	id := deviceID(1)
	record(t, s, inform(id, base))
	task := addTask(t, s, id, store.PriorityOperator, "ck-1")
	created := task.Created

	task.Status = store.StatusRunning
	task.Attempts = 1
	task.Created = time.Time{} // ignored: Created stays
	task.Device = deviceID(9)  // ignored: Device stays
	must(t, s.UpdateTask(ctx, task))
	got, err := s.Task(ctx, task.ID)
	must(t, err)
	if got.Status != store.StatusRunning || got.Attempts != 1 || got.Device != id || !got.Created.Equal(created) {
		t.Fatalf("after running: %+v", got)
	}
	if _, ok, _ := s.NextTask(ctx, id, base.Add(time.Hour)); ok {
		t.Fatal("a running task is still handed out")
	}

	before := time.Now().Add(-time.Second)
	got.Status = store.StatusDone
	got.Result = json.RawMessage(`{"values":[]}`)
	must(t, s.UpdateTask(ctx, got))
	done, err := s.Task(ctx, task.ID)
	must(t, err)
	if done.Status != store.StatusDone || done.Completed.Before(before) || string(done.Result) != `{"values":[]}` {
		t.Fatalf("after done: %+v", done)
	}

	failed := addTask(t, s, id, store.PriorityOperator, "")
	failed.Status = store.StatusFault
	failed.Completed = base
	failed.Fault = &store.TaskFault{Code: 9002, Message: "internal error"}
	must(t, s.UpdateTask(ctx, failed))
	f, err := s.Task(ctx, failed.ID)
	must(t, err)
	if f.Fault == nil || f.Fault.Code != 9002 {
		t.Fatalf("fault not kept: %+v", f)
	}
	sameTime(t, "Completed as given", f.Completed, base)

	// Re-queued with a new priority, it comes back in the right place.
	a := addTask(t, s, id, store.PriorityPreset, "")
	b := addTask(t, s, id, store.PriorityCampaign, "")
	a.Priority = store.PrioritySupport
	must(t, s.UpdateTask(ctx, a))
	next, ok, err := s.NextTask(ctx, id, time.Now().Add(time.Hour))
	must(t, err)
	if !ok || next.ID != a.ID {
		t.Fatalf("after raising priority NextTask = %s, want %s (b=%s)", next.ID, a.ID, b.ID)
	}

	wantErr(t, s.UpdateTask(ctx, store.Task{ID: "missing", Device: id, Status: store.StatusDone}), store.ErrNotFound, "UpdateTask of a missing task")
	_, err = s.Task(ctx, "missing")
	wantErr(t, err, store.ErrNotFound, "Task(missing)")
}

func testTaskByKey(t *testing.T, s store.Store) {
	id := deviceID(1)
	record(t, s, inform(id, base))
	a := addTask(t, s, id, store.PriorityOperator, "pk-a")
	addTask(t, s, id, store.PriorityOperator, "pk-b")
	got, err := s.TaskByKey(ctx, id, "pk-a")
	must(t, err)
	if got.ID != a.ID {
		t.Fatalf("TaskByKey = %s, want %s", got.ID, a.ID)
	}
	_, err = s.TaskByKey(ctx, id, "pk-c")
	wantErr(t, err, store.ErrNotFound, "unknown key")
	_, err = s.TaskByKey(ctx, deviceID(2), "pk-a")
	wantErr(t, err, store.ErrNotFound, "key of another device")

	// A retry under a new key moves the index; the old key is free.
	a.Key = "pk-a2"
	must(t, s.UpdateTask(ctx, a))
	if _, err := s.TaskByKey(ctx, id, "pk-a"); err == nil {
		t.Fatal("old key still finds the task")
	}
	got, err = s.TaskByKey(ctx, id, "pk-a2")
	must(t, err)
	if got.ID != a.ID {
		t.Fatalf("new key finds %s", got.ID)
	}
	a.Key = "pk-b"
	wantErr(t, s.UpdateTask(ctx, a), store.ErrConflict, "moving to a taken key")
	// Finished tasks stay findable by key: the next Inform may report it.
	a.Key = "pk-a2"
	a.Status = store.StatusDone
	must(t, s.UpdateTask(ctx, a))
	got, err = s.TaskByKey(ctx, id, "pk-a2")
	must(t, err)
	if got.Status != store.StatusDone {
		t.Fatalf("finished task by key = %+v", got)
	}
}

func testOpenTasks(t *testing.T, s store.Store) {
	id := deviceID(1)
	record(t, s, inform(id, base))
	var ids []string
	for i, prio := range []int{store.PriorityPreset, store.PrioritySupport, store.PriorityOperator, store.PriorityOperator} {
		task := store.Task{Device: id, Type: fmt.Sprint("t", i), Priority: prio, Created: base.Add(time.Duration(i) * time.Second)}
		must(t, s.AddTask(ctx, &task))
		ids = append(ids, task.ID)
	}
	running, _ := s.Task(ctx, ids[2])
	running.Status = store.StatusRunning
	must(t, s.UpdateTask(ctx, running))
	done, _ := s.Task(ctx, ids[3])
	done.Status = store.StatusDone
	must(t, s.UpdateTask(ctx, done))

	open, err := s.OpenTasks(ctx, id)
	must(t, err)
	want := []string{ids[1], ids[2], ids[0]} // support, operator (running), preset
	if len(open) != len(want) {
		t.Fatalf("open tasks = %+v", open)
	}
	for i, task := range open {
		if task.ID != want[i] {
			t.Fatalf("open task %d = %s (%s), want %s", i, task.ID, task.Type, want[i])
		}
	}
	none, err := s.OpenTasks(ctx, "nobody")
	must(t, err)
	if len(none) != 0 {
		t.Fatalf("open tasks of an unknown device: %+v", none)
	}
}
