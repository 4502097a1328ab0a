package api

import (
	"fmt"
	"strconv"

	"gatewarden/acs/internal/store"
)

// auditView is one audit log entry.
type auditView struct {
	Seq    uint64   `json:"seq"`
	Time   jsonTime `json:"time"`
	Actor  string   `json:"actor" doc:"token name"`
	Role   string   `json:"role"`
	Action string   `json:"action" doc:"METHOD and route pattern, e.g. POST /api/v1/devices/{id}/tasks"`
	Target string   `json:"target" doc:"device ID, task ID or preset name"`
	Status int      `json:"status" doc:"HTTP status answered"`
	Detail string   `json:"detail"`
}

type auditLog struct {
	Entries []auditView `json:"entries"`
	Next    string      `json:"next,omitempty" doc:"pass as after= for the next page; absent on the last page"`
}

func (a *api) getAudit(c *call) (reply, error) {
	limit, err := limitParam(c)
	if err != nil {
		return reply{}, err
	}
	var after uint64
	if s := c.query("after"); s != "" {
		after, err = strconv.ParseUint(s, 10, 64)
		if err != nil {
			return reply{}, badRequest(codeInvalidQuery, "after must be a sequence number, got %q", s)
		}
	}
	// One more than asked tells whether another page follows.
	es, err := a.store.AuditLog(c.ctx(), after, limit+1)
	if err != nil {
		return reply{}, fmt.Errorf("audit log: %w", err)
	}
	out := auditLog{Entries: make([]auditView, 0, min(len(es), limit))}
	for i := range es {
		if i == limit {
			out.Next = strconv.FormatUint(es[i-1].Seq, 10)
			break
		}
		out.Entries = append(out.Entries, viewAudit(&es[i]))
	}
	return ok(out)
}

func viewAudit(e *store.AuditEntry) auditView {
	return auditView{Seq: e.Seq, Time: jsonTime(e.Time), Actor: e.Actor, Role: e.Role,
		Action: e.Action, Target: e.Target, Status: e.Status, Detail: e.Detail}
}
