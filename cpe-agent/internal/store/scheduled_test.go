package store

import (
	"testing"
	"time"
)

func TestScheduledInforms(t *testing.T) {
	s, _ := openTemp(t)
	late, err := s.AddScheduledInform(t0.Add(time.Hour), "late")
	must(t, err)
	early, err := s.AddScheduledInform(t0.Add(time.Minute), "early")
	must(t, err)
	tie, err := s.AddScheduledInform(t0.Add(time.Hour), "tie")
	must(t, err)

	s = reopen(t, s)
	list, err := s.ScheduledInforms()
	must(t, err)
	if len(list) != 3 || list[0].ID != early || list[1].ID != late || list[2].ID != tie {
		t.Fatalf("order = %+v", list)
	}
	if list[0].CommandKey != "early" || !list[0].Due.Equal(t0.Add(time.Minute)) {
		t.Fatalf("first = %+v", list[0])
	}

	// When one comes due: drop it and queue its events in one commit.
	must(t, s.Update(func(tx *Tx) error {
		if err := tx.DeleteScheduledInforms(early); err != nil {
			return err
		}
		if _, err := tx.AppendEvent(Event{Code: "3 SCHEDULED"}); err != nil {
			return err
		}
		_, err := tx.AppendEvent(Event{Code: "M ScheduleInform", CommandKey: "early"})
		return err
	}))
	list, _ = s.ScheduledInforms()
	events, _ := s.Events()
	if len(list) != 2 || len(events) != 2 {
		t.Fatalf("after firing: %d scheduled, %d events", len(list), len(events))
	}
	must(t, s.DeleteScheduledInforms(late, tie, 12345))
	if list, _ = s.ScheduledInforms(); len(list) != 0 {
		t.Fatalf("left: %+v", list)
	}
}
