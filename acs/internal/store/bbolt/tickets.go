package bbolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"gatewarden/acs/internal/store"
)

// bTickets: ref NUL big-endian sequence -> entry JSON. The sequence keeps
// a ticket's entries in the order they were added. Created on first
// write, so older stores open unchanged.
var bTickets = []byte("tickets")

var _ store.Tickets = (*Store)(nil)

// AddTicketEntry appends e to the ticket ref.
func (s *Store) AddTicketEntry(ctx context.Context, ref string, e store.TicketEntry) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkID("ticket", ref); err != nil {
		return err
	}
	enc, err := json.Marshal(&e)
	if err != nil {
		return fmt.Errorf("encode ticket entry: %w", err)
	}
	err = s.w.do(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bTickets)
		if err != nil {
			return err
		}
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		key := append([]byte(ref), 0)
		key = binary.BigEndian.AppendUint64(key, seq)
		return b.Put(key, enc)
	})
	if err != nil {
		return fmt.Errorf("add ticket entry: %w", err)
	}
	return nil
}

// TicketEntries lists the ticket's entries in order.
func (s *Store) TicketEntries(ctx context.Context, ref string) ([]store.TicketEntry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []store.TicketEntry
	prefix := append([]byte(ref), 0)
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bTickets)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			var e store.TicketEntry
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("ticket %q: %w", ref, err)
			}
			out = append(out, e)
		}
		return nil
	})
	return out, err
}
