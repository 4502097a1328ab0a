package storetest

import (
	"testing"
	"time"

	"gatewarden/acs/internal/store"
)

// RunTickets is the contract of store.Tickets.
func RunTickets(t *testing.T, open func(t *testing.T) store.Tickets) {
	s := open(t)
	for i, k := range []string{"ping", "traceroute", "download"} {
		must(t, s.AddTicketEntry(ctx, "T-1", store.TicketEntry{Task: "task-" + k, Device: "D1", Kind: k, Actor: "sam", Time: base.Add(time.Duration(i) * time.Second)}))
	}
	// A reference that extends another is a different ticket.
	must(t, s.AddTicketEntry(ctx, "T-10", store.TicketEntry{Task: "other", Device: "D2", Kind: "ping"}))
	got, err := s.TicketEntries(ctx, "T-1")
	must(t, err)
	if len(got) != 3 || got[0].Task != "task-ping" || got[2].Kind != "download" || got[1].Actor != "sam" || !got[1].Time.Equal(base.Add(time.Second)) {
		t.Fatalf("T-1 = %+v", got)
	}
	got, err = s.TicketEntries(ctx, "T-2")
	must(t, err)
	if len(got) != 0 {
		t.Fatalf("unknown ticket = %+v", got)
	}
	wantErr(t, s.AddTicketEntry(ctx, "", store.TicketEntry{Task: "x"}), store.ErrInvalid, "empty reference")
}
