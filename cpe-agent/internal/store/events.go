package store

import (
	"errors"
	"fmt"
	"time"
)

// Event is an Inform event waiting for delivery. The store keeps events in
// the order they were appended and gives each a sequence number that is
// never reused; which ones to send, keep or drop is the session's policy.
type Event struct {
	_ incomparable
	// Code is the EventCode: "1 BOOT", "M Reboot", "X 00D09E ...".
	Code string `json:"code"`
	// CommandKey is the request's key for "M <method>" events.
	CommandKey string `json:"command_key,omitempty"`
	// Time is when the event was raised.
	Time time.Time `json:"time"`
}

// StoredEvent is an Event with its sequence number.
type StoredEvent struct {
	Seq uint64
	Event
}

// AppendEvent stores e at the end of the queue and returns its sequence
// number, which is greater than every number handed out before, even
// across Wipe.
func (tx *Tx) AppendEvent(e Event) (seq uint64, err error) {
	defer tx.catch(&err)
	if e.Code == "" {
		return 0, errors.New("store: event without a code")
	}
	b, err := tx.bucket(bucketEvents)
	if err != nil {
		return 0, err
	}
	seq, err = b.NextSequence()
	if err != nil {
		return 0, fmt.Errorf("store: appending event %q: %w", e.Code, err)
	}
	if err := putJSON(b, seqKey(seq), "event", e); err != nil {
		return 0, fmt.Errorf("store: appending event %q: %w", e.Code, err)
	}
	return seq, nil
}

// Events returns the queued events in the order they were appended.
func (tx *Tx) Events() (events []StoredEvent, err error) {
	defer tx.catch(&err)
	b, err := tx.bucket(bucketEvents)
	if err != nil {
		return nil, err
	}
	err = forEachSeq(tx.path, "event", b, func(seq uint64, data []byte) error {
		se := StoredEvent{Seq: seq}
		if err := decodeJSON(tx.path, "event", data, &se.Event); err != nil {
			return err
		}
		events = append(events, se)
		return nil
	})
	return events, err
}

// DeleteEvents removes the events with these sequence numbers. Numbers
// that are not queued are ignored, so a retried delete is harmless.
func (tx *Tx) DeleteEvents(seqs ...uint64) error {
	return tx.deleteSeqs(bucketEvents, "event", seqs)
}

// AppendEvent queues one event durably (committed and fsync'd on return).
func (s *Store) AppendEvent(e Event) (uint64, error) {
	return updateValue(s, func(tx *Tx) (uint64, error) { return tx.AppendEvent(e) })
}

// Events returns the queued events in order.
func (s *Store) Events() (events []StoredEvent, err error) {
	err = s.View(func(tx *Tx) (err error) {
		events, err = tx.Events()
		return err
	})
	return events, err
}

// DeleteEvents removes delivered or dropped events in one commit.
func (s *Store) DeleteEvents(seqs ...uint64) error {
	return s.Update(func(tx *Tx) error { return tx.DeleteEvents(seqs...) })
}

// ReplaceEvents drops some events and appends others in one commit, e.g.
// on a new boot: drop the events that do not survive a reboot and queue
// "1 BOOT". It returns the new events' sequence numbers.
func (s *Store) ReplaceEvents(drop []uint64, add []Event) ([]uint64, error) {
	return updateValue(s, func(tx *Tx) ([]uint64, error) {
		if err := tx.DeleteEvents(drop...); err != nil {
			return nil, err
		}
		seqs := make([]uint64, 0, len(add))
		for _, e := range add {
			seq, err := tx.AppendEvent(e)
			if err != nil {
				return nil, err
			}
			seqs = append(seqs, seq)
		}
		return seqs, nil
	})
}
