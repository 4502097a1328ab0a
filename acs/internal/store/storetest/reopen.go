package storetest

import (
	"crypto/sha256"
	"testing"
	"time"

	"gatewarden/acs/internal/store"
)

// Reopen closes s and opens the same data again.
type Reopen func(t *testing.T, s store.Store) store.Store

// RunReopen checks that everything acknowledged survives closing the
// store, indexes included, and that numbering goes on where it stopped.
func RunReopen(t *testing.T, open Open, reopen Reopen) {
	s := open(t)
	id := deviceID(1)
	in := inform(id, base, store.Param{Name: "Device.DeviceInfo.UpTime", Value: "42", Type: "xsd:unsignedInt", Writable: boolp(false)})
	in.Boot = true
	record(t, s, in)
	_, err := s.UpdateDevice(ctx, id, func(d *store.Device) error { d.Tags = []string{"pilot"}; return nil })
	must(t, err)
	queued := addTask(t, s, id, store.PrioritySupport, "pk-q")
	done := addTask(t, s, id, store.PriorityOperator, "pk-d")
	done.Status, done.Completed = store.StatusDone, base
	must(t, s.UpdateTask(ctx, done))
	must(t, s.AddFault(ctx, &store.Fault{Device: id, RPC: "Reboot", Code: 9002, Time: base}))
	p := store.Preset{Name: "wifi", Filter: "true"}
	must(t, s.PutPreset(ctx, &p))
	audit := store.AuditEntry{Actor: "a", Action: "x"}
	must(t, s.AppendAudit(ctx, &audit))
	h := sha256.Sum256([]byte("tok"))
	must(t, s.PutToken(ctx, store.Token{Name: "t", Role: "admin", Hash: h[:], Created: base}))

	s = reopen(t, s)
	t.Cleanup(func() { _ = s.Close() })

	d, err := s.Device(ctx, id)
	must(t, err)
	if len(d.Tags) != 1 || !d.LastBoot.Equal(base) || !d.FirstSeen.Equal(base) {
		t.Fatalf("device after reopen: %+v", d)
	}
	ps, err := s.Params(ctx, id, "")
	must(t, err)
	if len(ps) != 1 || ps[0].Value != "42" || ps[0].Writable == nil || *ps[0].Writable {
		t.Fatalf("params after reopen: %+v", ps)
	}
	if ev, err := s.RecentEvents(ctx, id, 0); err != nil || len(ev) != 1 {
		t.Fatalf("events after reopen: %+v %v", ev, err)
	}
	next, ok, err := s.NextTask(ctx, id, time.Now().Add(time.Hour))
	if err != nil || !ok || next.ID != queued.ID {
		t.Fatalf("queue after reopen: %+v ok=%v err=%v", next, ok, err)
	}
	if got, err := s.TaskByKey(ctx, id, "pk-d"); err != nil || got.Status != store.StatusDone {
		t.Fatalf("key index after reopen: %+v %v", got, err)
	}
	if fs, err := s.Faults(ctx, id, 0); err != nil || len(fs) != 1 {
		t.Fatalf("faults after reopen: %+v %v", fs, err)
	}
	p2 := store.Preset{Name: "wifi", Filter: "false"}
	must(t, s.PutPreset(ctx, &p2))
	if p2.Version <= p.Version {
		t.Fatalf("preset version after reopen %d, before %d", p2.Version, p.Version)
	}
	a2 := store.AuditEntry{Actor: "a", Action: "y"}
	must(t, s.AppendAudit(ctx, &a2))
	if a2.Seq <= audit.Seq {
		t.Fatalf("audit seq after reopen %d, before %d", a2.Seq, audit.Seq)
	}
	if tok, err := s.TokenByHash(ctx, h[:]); err != nil || tok.Name != "t" {
		t.Fatalf("token after reopen: %+v %v", tok, err)
	}
	if n, err := s.Prune(ctx, base.Add(time.Second)); err != nil || n != 2 {
		t.Fatalf("prune after reopen: %d %v (want the done task and the fault)", n, err)
	}
}
