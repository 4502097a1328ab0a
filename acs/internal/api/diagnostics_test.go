package api

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"testing"

	"gatewarden/acs/internal/store"
	"gatewarden/acs/internal/tasks"
)

// fakeTickets keeps tickets in memory; the bbolt store passes the same
// contract (storetest.RunTickets).
type fakeTickets struct {
	mu sync.Mutex
	m  map[string][]store.TicketEntry
}

func newFakeTickets() *fakeTickets { return &fakeTickets{m: map[string][]store.TicketEntry{}} }

func (f *fakeTickets) AddTicketEntry(_ context.Context, ref string, e store.TicketEntry) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.m[ref] = append(f.m[ref], e)
	return nil
}

func (f *fakeTickets) TicketEntries(_ context.Context, ref string) ([]store.TicketEntry, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]store.TicketEntry(nil), f.m[ref]...), nil
}

func TestDiagnosticsRunAheadAndAreArchived(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.ValidateTask = tasks.Validate })
	r := e.do("POST", apiPrefix+"/devices/"+urlID(dev1ID)+"/diagnostics", RoleSupport,
		`{"kind":"ping","host":"198.51.100.1","count":3,"ticket":"T-7"}`)
	wantStatus(t, r, http.StatusAccepted)
	id := r.json(t)["id"].(string)
	task, err := e.mem.Task(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if task.Type != "diagnostics" || task.Priority != store.PrioritySupport || task.Actor != "support-token" {
		t.Fatalf("task %+v", task)
	}
	var p map[string]any
	json.Unmarshal(task.Payload, &p)
	if p["kind"] != "ping" || p["host"] != "198.51.100.1" || p["count"] != 3.0 {
		t.Fatalf("payload %s", task.Payload)
	}
	e.api.wakes.Wait()
	if len(e.waker.Woken()) == 0 {
		t.Fatal("the device was not woken")
	}
	// An operator's diagnostic goes ahead of bulk work too.
	r = e.do("POST", apiPrefix+"/devices/"+urlID(dev1ID)+"/diagnostics", RoleOperator, `{"kind":"download","url":"http://speed.example.net/10MB"}`)
	wantStatus(t, r, http.StatusAccepted)
	if tk, _ := e.mem.Task(context.Background(), r.json(t)["id"].(string)); tk.Priority != store.PrioritySupport {
		t.Fatalf("operator's diagnostic priority %d", tk.Priority)
	}

	r = e.do("GET", apiPrefix+"/tickets/T-7", RoleReadonly, "")
	wantStatus(t, r, http.StatusOK)
	var v struct {
		Ticket  string
		Entries []struct {
			Device, Kind, Actor string
			Task                struct{ ID, Type string }
		}
	}
	if err := json.Unmarshal(r.Body.Bytes(), &v); err != nil {
		t.Fatal(err)
	}
	if v.Ticket != "T-7" || len(v.Entries) != 1 || v.Entries[0].Task.ID != id || v.Entries[0].Kind != "ping" || v.Entries[0].Actor != "support-token" {
		t.Fatalf("ticket %s", r.Body.String())
	}
	wantStatus(t, e.do("GET", apiPrefix+"/tickets/T-8", RoleSupport, ""), http.StatusNotFound)

	// Bad requests are refused with the reason, before anything is queued.
	for _, body := range []string{
		`{"kind":"smoke","host":"x"}`,
		`{"kind":"ping"}`,
		`{"kind":"ping","host":"a b"}`,
		`{"kind":"download","url":"ftp://x/y"}`,
		`{"kind":"ping","host":"h","count":1000}`,
		`{"kind":"ping","host":"h","count":-1}`,
	} {
		r := e.do("POST", apiPrefix+"/devices/"+urlID(dev1ID)+"/diagnostics", RoleSupport, body)
		if r.Code != http.StatusBadRequest {
			t.Errorf("%s: status %d %s", body, r.Code, r.Body.String())
		}
	}
	// Readonly may look but not run.
	wantStatus(t, e.do("POST", apiPrefix+"/devices/"+urlID(dev1ID)+"/diagnostics", RoleReadonly, `{"kind":"ping","host":"h"}`), http.StatusForbidden)
}
