package store

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

func codes(events []StoredEvent) []string {
	var out []string
	for _, e := range events {
		out = append(out, e.Code)
	}
	return out
}

func TestEventsKeepOrderAndIdentity(t *testing.T) {
	s, _ := openTemp(t)
	var seqs []uint64
	for i, code := range []string{"0 BOOTSTRAP", "1 BOOT", "M Reboot", "M Download"} {
		seq, err := s.AppendEvent(Event{Code: code, CommandKey: string(rune('a' + i)), Time: t0.Add(time.Duration(i) * time.Second)})
		must(t, err)
		if len(seqs) > 0 && seq <= seqs[len(seqs)-1] {
			t.Fatalf("seq %d not above %d", seq, seqs[len(seqs)-1])
		}
		seqs = append(seqs, seq)
	}
	events, err := s.Events()
	must(t, err)
	if got := codes(events); !reflect.DeepEqual(got, []string{"0 BOOTSTRAP", "1 BOOT", "M Reboot", "M Download"}) {
		t.Fatalf("events = %v", got)
	}
	for i, e := range events {
		if e.Seq != seqs[i] || e.CommandKey != string(rune('a'+i)) || !e.Time.Equal(t0.Add(time.Duration(i)*time.Second)) {
			t.Fatalf("event %d = %+v", i, e)
		}
	}

	must(t, s.DeleteEvents(seqs[1], seqs[2], 9999)) // unknown seq ignored
	must(t, s.DeleteEvents(seqs[1]))                // twice is harmless
	events, _ = s.Events()
	if got := codes(events); !reflect.DeepEqual(got, []string{"0 BOOTSTRAP", "M Download"}) {
		t.Fatalf("after delete = %v", got)
	}

	// Deleting the newest must not let its number come back.
	must(t, s.DeleteEvents(seqs[3]))
	s = reopen(t, s)
	seq, err := s.AppendEvent(Event{Code: "2 PERIODIC"})
	must(t, err)
	if seq <= seqs[3] {
		t.Fatalf("seq %d reused a number up to %d", seq, seqs[3])
	}
}

func TestAppendEventRejectsEmptyCode(t *testing.T) {
	s, _ := openTemp(t)
	if _, err := s.AppendEvent(Event{}); err == nil {
		t.Fatal("event without code accepted")
	}
	if ev, _ := s.Events(); len(ev) != 0 {
		t.Fatalf("events = %v", ev)
	}
}

// TestNewBootReplacesEventsAtomically is the session's boot sequence: drop
// what does not survive a reboot, queue "1 BOOT" and record the boot id,
// all in one commit.
func TestNewBootReplacesEventsAtomically(t *testing.T) {
	s, _ := openTemp(t)
	for _, code := range []string{"1 BOOT", "4 VALUE CHANGE", "7 TRANSFER COMPLETE", "8 DIAGNOSTICS COMPLETE"} {
		_, err := s.AppendEvent(Event{Code: code})
		must(t, err)
	}
	dropOnReboot := map[string]bool{"1 BOOT": true, "4 VALUE CHANGE": true, "8 DIAGNOSTICS COMPLETE": true}
	newBoot := func(tx *Tx) error {
		events, err := tx.Events()
		if err != nil {
			return err
		}
		for _, e := range events {
			if dropOnReboot[e.Code] {
				if err := tx.DeleteEvents(e.Seq); err != nil {
					return err
				}
			}
		}
		if _, err := tx.AppendEvent(Event{Code: "1 BOOT", Time: t0}); err != nil {
			return err
		}
		return tx.SetBootID("boot-2")
	}

	// A failure late in the transaction leaves everything as it was.
	boom := errors.New("boom")
	err := s.Update(func(tx *Tx) error {
		if err := newBoot(tx); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update = %v", err)
	}
	events, _ := s.Events()
	if len(events) != 4 {
		t.Fatalf("rolled-back boot left %v", codes(events))
	}
	if id, _ := s.BootID(); id != "" {
		t.Fatalf("rolled-back boot id = %q", id)
	}

	must(t, s.Update(newBoot))
	events, _ = s.Events()
	if got := codes(events); !reflect.DeepEqual(got, []string{"7 TRANSFER COMPLETE", "1 BOOT"}) {
		t.Fatalf("after new boot = %v", got)
	}
	if id, _ := s.BootID(); id != "boot-2" {
		t.Fatalf("boot id = %q", id)
	}
}

func TestReplaceEvents(t *testing.T) {
	s, _ := openTemp(t)
	a, _ := s.AppendEvent(Event{Code: "6 CONNECTION REQUEST"})
	b, _ := s.AppendEvent(Event{Code: "2 PERIODIC"})
	seqs, err := s.ReplaceEvents([]uint64{a}, []Event{{Code: "3 SCHEDULED"}, {Code: "M ScheduleInform", CommandKey: "s1"}})
	must(t, err)
	if len(seqs) != 2 || seqs[0] <= b || seqs[1] <= seqs[0] {
		t.Fatalf("new seqs = %v (after %d)", seqs, b)
	}
	events, _ := s.Events()
	if got := codes(events); !reflect.DeepEqual(got, []string{"2 PERIODIC", "3 SCHEDULED", "M ScheduleInform"}) {
		t.Fatalf("events = %v", got)
	}
	// All or nothing: an invalid event cancels the drop too.
	if _, err := s.ReplaceEvents([]uint64{b}, []Event{{Code: "1 BOOT"}, {}}); err == nil {
		t.Fatal("ReplaceEvents with an empty code succeeded")
	}
	if events2, _ := s.Events(); len(events2) != 3 {
		t.Fatalf("failed ReplaceEvents changed the queue: %v", codes(events2))
	}
}

func TestViewRefusesWrites(t *testing.T) {
	s, _ := openTemp(t)
	err := s.View(func(tx *Tx) error {
		_, err := tx.AppendEvent(Event{Code: "1 BOOT"})
		return err
	})
	if err == nil {
		t.Fatal("AppendEvent inside View succeeded")
	}
}

// TestPanicInCallerCodePropagates: a bug in the caller's function is not
// disguised as a corrupt store, and its transaction is rolled back.
func TestPanicInCallerCodePropagates(t *testing.T) {
	s, _ := openTemp(t)
	func() {
		defer func() {
			if r := recover(); r != "caller bug" {
				t.Fatalf("recovered %v, want the caller's own panic", r)
			}
		}()
		s.Update(func(tx *Tx) error {
			tx.AppendEvent(Event{Code: "1 BOOT"})
			panic("caller bug")
		})
	}()
	if ev, err := s.Events(); err != nil || len(ev) != 0 {
		t.Fatalf("after the panic: events %v, err %v", ev, err)
	}
}
