package store

import (
	"fmt"
	"slices"
	"time"
)

// ScheduledInform is a pending ScheduleInform: at Due the agent opens a
// session with "3 SCHEDULED" and "M ScheduleInform" carrying CommandKey.
type ScheduledInform struct {
	_          incomparable
	ID         uint64    `json:"-"`
	Due        time.Time `json:"due"`
	CommandKey string    `json:"command_key"`
}

// AddScheduledInform records a ScheduleInform whose DelaySeconds the
// caller resolved to due, and returns its ID.
func (tx *Tx) AddScheduledInform(due time.Time, commandKey string) (id uint64, err error) {
	defer tx.catch(&err)
	b, err := tx.bucket(bucketSchedule)
	if err != nil {
		return 0, err
	}
	if id, err = b.NextSequence(); err != nil {
		return 0, fmt.Errorf("store: scheduling inform: %w", err)
	}
	if err := putJSON(b, seqKey(id), "scheduled inform", ScheduledInform{Due: due, CommandKey: commandKey}); err != nil {
		return 0, err
	}
	return id, nil
}

// ScheduledInforms returns the pending ones, earliest due first (ties in
// the order they were added).
func (tx *Tx) ScheduledInforms() (list []ScheduledInform, err error) {
	defer tx.catch(&err)
	b, err := tx.bucket(bucketSchedule)
	if err != nil {
		return nil, err
	}
	err = forEachSeq(tx.path, "scheduled inform", b, func(id uint64, data []byte) error {
		si := ScheduledInform{ID: id}
		if err := decodeJSON(tx.path, "scheduled inform", data, &si); err != nil {
			return err
		}
		si.ID = id
		list = append(list, si)
		return nil
	})
	return byDue(list), err
}

// byDue orders list by due time, ties in ID (insertion) order. It sorts
// pointers: the router already links the stable sort over pointers, while
// sort.SliceStable, or a sort over this element type, would add a sort
// family and reflect's swapper of their own (about 8 KB of router code).
func byDue(list []ScheduledInform) []ScheduledInform {
	if len(list) < 2 {
		return list
	}
	ptrs := make([]*ScheduledInform, len(list))
	for i := range list {
		ptrs[i] = &list[i]
	}
	slices.SortStableFunc(ptrs, func(a, b *ScheduledInform) int { return a.Due.Compare(b.Due) })
	out := make([]ScheduledInform, len(list))
	for i, p := range ptrs {
		out[i] = *p
	}
	return out
}

// DeleteScheduledInforms removes these (delivered, or dropped after an ACS
// URL change); missing IDs are ignored.
func (tx *Tx) DeleteScheduledInforms(ids ...uint64) error {
	return tx.deleteSeqs(bucketSchedule, "scheduled inform", ids)
}

// AddScheduledInform records a ScheduleInform in its own commit.
func (s *Store) AddScheduledInform(due time.Time, commandKey string) (uint64, error) {
	return updateValue(s, func(tx *Tx) (uint64, error) { return tx.AddScheduledInform(due, commandKey) })
}

// ScheduledInforms returns the pending ScheduleInforms, earliest first.
func (s *Store) ScheduledInforms() (list []ScheduledInform, err error) {
	err = s.View(func(tx *Tx) (err error) {
		list, err = tx.ScheduledInforms()
		return err
	})
	return list, err
}

// DeleteScheduledInforms removes these in one commit.
func (s *Store) DeleteScheduledInforms(ids ...uint64) error {
	return s.Update(func(tx *Tx) error { return tx.DeleteScheduledInforms(ids...) })
}
