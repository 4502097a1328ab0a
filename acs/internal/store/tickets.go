package store

import (
	"context"
	"time"
)

// Tickets archives what support staff ran for a customer under the
// reference of their ticket, so the case can be read back later (GET
// /api/v1/tickets/{ref}). Entries point at tasks; the tasks hold the
// results and are pruned with them.
type Tickets interface {
	// AddTicketEntry links a task to a ticket. ErrInvalid: an empty or
	// over-long reference.
	AddTicketEntry(ctx context.Context, ref string, e TicketEntry) error
	// TicketEntries lists a ticket's entries, oldest first; an unknown
	// ticket has none.
	TicketEntries(ctx context.Context, ref string) ([]TicketEntry, error)
}

// TicketEntry is one piece of work done under a ticket.
type TicketEntry struct {
	Task   string    `json:"task"`
	Device string    `json:"device"`
	Kind   string    `json:"kind"` // ping, traceroute, download, upload
	Actor  string    `json:"actor"`
	Time   time.Time `json:"time"`
}
