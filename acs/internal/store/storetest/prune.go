package storetest

import (
	"testing"
	"time"

	"gatewarden/acs/internal/store"
)

func testPrune(t *testing.T, s store.Store) {
	id := deviceID(1)
	record(t, s, inform(id, base))
	old, recent := base.Add(-48*time.Hour), base.Add(-time.Hour)
	cut := base.Add(-24 * time.Hour)

	finish := func(status string, completed time.Time, key string) store.Task {
		task := addTask(t, s, id, store.PriorityOperator, key)
		task.Status, task.Completed = status, completed
		must(t, s.UpdateTask(ctx, task))
		return task
	}
	oldDone := finish(store.StatusDone, old, "old-done")
	oldFault := finish(store.StatusFault, old, "")
	recentDone := finish(store.StatusDone, recent, "recent-done")
	// Open tasks are never pruned, however old.
	oldQueued := store.Task{Device: id, Type: "reboot", Created: old.Add(-time.Hour), Key: "old-queued"}
	must(t, s.AddTask(ctx, &oldQueued))
	oldRunning := store.Task{Device: id, Type: "reboot", Created: old.Add(-time.Hour)}
	must(t, s.AddTask(ctx, &oldRunning))
	oldRunning.Status = store.StatusRunning
	must(t, s.UpdateTask(ctx, oldRunning))

	for _, at := range []time.Time{old, old.Add(time.Minute), recent} {
		must(t, s.AddFault(ctx, &store.Fault{Device: id, RPC: "Reboot", Code: 9001, Time: at}))
	}
	for _, at := range []time.Time{old, old, recent, recent} {
		must(t, s.AppendAudit(ctx, &store.AuditEntry{Actor: "a", Action: "x", Time: at}))
	}

	n, err := s.Prune(ctx, cut)
	must(t, err)
	if want := 2 + 2 + 2; n != want {
		t.Fatalf("Prune removed %d records, want %d", n, want)
	}
	for _, gone := range []store.Task{oldDone, oldFault} {
		_, err := s.Task(ctx, gone.ID)
		wantErr(t, err, store.ErrNotFound, "pruned task")
	}
	_, err = s.TaskByKey(ctx, id, "old-done")
	wantErr(t, err, store.ErrNotFound, "key of a pruned task")
	for _, kept := range []store.Task{recentDone, oldQueued, oldRunning} {
		if _, err := s.Task(ctx, kept.ID); err != nil {
			t.Fatalf("task %s pruned: %v", kept.ID, err)
		}
	}
	if _, err := s.TaskByKey(ctx, id, "recent-done"); err != nil {
		t.Fatalf("key of a kept task: %v", err)
	}
	if next, ok, err := s.NextTask(ctx, id, base); err != nil || !ok || next.ID != oldQueued.ID {
		t.Fatalf("queue after prune: %v ok=%v err=%v", next.ID, ok, err)
	}
	fs, err := s.Faults(ctx, id, 0)
	must(t, err)
	if len(fs) != 1 || !fs[0].Time.Equal(recent) {
		t.Fatalf("faults after prune: %+v", fs)
	}
	if all, err := s.Faults(ctx, "", 0); err != nil || len(all) != 1 {
		t.Fatalf("global faults after prune: %+v %v", all, err)
	}
	log, err := s.AuditLog(ctx, 0, 0)
	must(t, err)
	if len(log) != 2 || !log[0].Time.Equal(recent) {
		t.Fatalf("audit after prune: %+v", log)
	}
	// Audit numbering goes on past pruned entries.
	e := store.AuditEntry{Actor: "a", Action: "y"}
	must(t, s.AppendAudit(ctx, &e))
	if e.Seq <= log[1].Seq {
		t.Fatalf("seq %d after pruning, last kept %d", e.Seq, log[1].Seq)
	}

	n, err = s.Prune(ctx, cut)
	must(t, err)
	if n != 0 {
		t.Fatalf("second Prune removed %d", n)
	}
	// A fresh key may reuse a pruned task's key.
	addTask(t, s, id, store.PriorityOperator, "old-done")
}
