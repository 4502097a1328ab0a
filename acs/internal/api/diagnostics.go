package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"gatewarden/acs/internal/store"
)

// TicketStore archives diagnostics under the ticket they were run for.
type TicketStore interface {
	store.Tickets
}

// diagRequest is POST /devices/{id}/diagnostics.
type diagRequest struct {
	Kind    string `json:"kind" enum:"ping,traceroute,download,upload" doc:"which TR-143 diagnostic"`
	Host    string `json:"host,omitempty" doc:"ping and traceroute: the host to reach"`
	Count   int    `json:"count,omitempty" doc:"ping: echoes to send (default 4, at most 100)"`
	URL     string `json:"url,omitempty" doc:"download and upload: the http(s) URL of the test server"`
	Size    uint64 `json:"size,omitempty" doc:"upload: bytes to send (default 1 MiB)"`
	Timeout int    `json:"timeout,omitempty" doc:"ping and traceroute: milliseconds to wait per echo or hop"`
	Ticket  string `json:"ticket,omitempty" doc:"the support ticket the result is archived under (GET /tickets/{ref})"`
}

// ticketView is GET /tickets/{ref}.
type ticketView struct {
	Ticket  string        `json:"ticket"`
	Entries []ticketEntry `json:"entries"`
}

type ticketEntry struct {
	Device string    `json:"device"`
	Kind   string    `json:"kind"`
	Actor  string    `json:"actor"`
	Time   jsonTime  `json:"time"`
	Task   *taskView `json:"task,omitempty" doc:"absent once the task has been pruned"`
}

// taskDiagnostics is the task type behind a diagnostics request.
const taskDiagnostics = "diagnostics"

// postDiagnostics runs a TR-143 diagnostic for support staff: it goes
// ahead of bulk work (support priority whoever asks), reaches the device
// with a connection request, and answers like a task.
func (a *api) postDiagnostics(c *call) (reply, error) {
	start := time.Now()
	id, err := deviceCall(c)
	if err != nil {
		return reply{}, err
	}
	wait, err := waitParam(c)
	if err != nil {
		return reply{}, err
	}
	var req diagRequest
	if err := c.decode(&req); err != nil {
		return reply{}, err
	}
	d, err := a.loadDevice(c, id)
	if err != nil {
		return reply{}, err
	}
	payload, err := json.Marshal(req)
	if err != nil {
		return reply{}, fmt.Errorf("encode diagnostics payload: %w", err)
	}
	if a.validateTask != nil {
		if err := a.validateTask(taskDiagnostics, payload, d.Root); err != nil {
			return reply{}, taskErr("%v", err)
		}
	}
	if req.Ticket != "" && a.tickets == nil {
		return reply{}, errorf(http.StatusServiceUnavailable, codeUnavailable, "this ACS keeps no ticket archive")
	}
	t := &store.Task{
		Device:   id,
		Type:     taskDiagnostics,
		Priority: store.PrioritySupport,
		Payload:  payload,
		Actor:    c.who.name,
	}
	c.detail = req.Kind + " " + req.Host + req.URL
	if req.Ticket != "" {
		c.detail += " ticket " + req.Ticket
	}
	r, err := a.submitAndAnswer(c, t, start, wait)
	if err != nil || req.Ticket == "" {
		return r, err
	}
	// The task exists now; the entry points the ticket at it. Losing the
	// entry (a crash right here) loses only the archive link, never the
	// diagnostic.
	if err := a.tickets.AddTicketEntry(context.WithoutCancel(c.ctx()), req.Ticket, store.TicketEntry{
		Task: t.ID, Device: id, Kind: req.Kind, Actor: c.who.name, Time: a.now().UTC(),
	}); err != nil {
		a.log.Error("archiving a diagnostic under its ticket", "ticket", req.Ticket, "task", t.ID, "err", err)
	}
	return r, nil
}

// getTicket shows what was run under a ticket, with the results.
func (a *api) getTicket(c *call) (reply, error) {
	ref := c.r.PathValue("ref")
	c.target = ref
	if a.tickets == nil {
		return reply{}, errorf(http.StatusServiceUnavailable, codeUnavailable, "this ACS keeps no ticket archive")
	}
	entries, err := a.tickets.TicketEntries(c.ctx(), ref)
	if err != nil {
		return reply{}, fmt.Errorf("ticket %s: %w", ref, err)
	}
	if len(entries) == 0 {
		return reply{}, notFound("ticket %s has no diagnostics", ref)
	}
	v := ticketView{Ticket: ref, Entries: make([]ticketEntry, 0, len(entries))}
	for _, e := range entries {
		te := ticketEntry{Device: e.Device, Kind: e.Kind, Actor: e.Actor, Time: jsonTime(e.Time)}
		if t, err := a.store.Task(c.ctx(), e.Task); err == nil {
			tv := viewTask(&t, c.seesSecrets())
			te.Task = &tv
		} else if !isNotFound(err) {
			return reply{}, fmt.Errorf("ticket %s: task %s: %w", ref, e.Task, err)
		}
		v.Entries = append(v.Entries, te)
	}
	return ok(v)
}

// supportRoutes are the support call's routes.
func (a *api) supportRoutes() []*route {
	return append(a.lineHealthRoutes(), []*route{
		{
			method: "POST", path: "/devices/{id}/diagnostics", perm: PermTaskSupport,
			summary: "Run a TR-143 diagnostic (ping, traceroute, download, upload) on a device ahead of bulk work, and wait for its result",
			query:   []queryParam{{"wait", "string", "Go duration to wait for the result, at most 120s (default 0: do not wait)"}},
			body:    diagRequest{},
			replies: []replySpec{
				{200, taskView{}, "the diagnostic finished within `wait`; `result` holds its state and figures"},
				{202, taskView{}, "the diagnostic is queued or running; poll GET /tasks/{id}"},
			},
			handle: a.postDiagnostics,
		},
		{
			method: "GET", path: "/tickets/{ref}", perm: PermRead, deviceRead: true,
			summary: "Show the diagnostics run under a support ticket, with their results",
			replies: []replySpec{{200, ticketView{}, "the ticket's diagnostics, oldest first"}},
			handle:  a.getTicket,
		},
	}...)
}

func init() {
	schemaNames[typeOf(diagRequest{})] = "DiagnosticsRequest"
	schemaNames[typeOf(ticketView{})] = "Ticket"
	schemaNames[typeOf(ticketEntry{})] = "TicketEntry"
}
