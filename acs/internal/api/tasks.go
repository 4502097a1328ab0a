package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"gatewarden/acs/internal/store"
)

// MaxWait bounds ?wait= of task requests.
const MaxWait = 120 * time.Second

func waitParam(c *call) (time.Duration, error) {
	s := c.query("wait")
	if s == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, badRequest(codeInvalidQuery, "wait must be a Go duration such as 30s or 2m, got %q", s)
	}
	if d > MaxWait {
		return 0, badRequest(codeInvalidQuery, "wait %s is longer than the maximum %s; poll GET /api/v1/tasks/{id} instead", d, MaxWait)
	}
	return d, nil
}

func finished(t *store.Task) bool {
	return t.Status == store.StatusDone || t.Status == store.StatusFault
}

func (a *api) postTask(c *call) (reply, error) {
	start := time.Now()
	id, err := deviceCall(c)
	if err != nil {
		return reply{}, err
	}
	wait, err := waitParam(c)
	if err != nil {
		return reply{}, err
	}
	var req taskRequest
	if err := c.decode(&req); err != nil {
		return reply{}, err
	}
	c.detail = req.Type
	if perm, known := taskPermission[req.Type]; known && !c.who.role.Can(perm) {
		return reply{}, errorf(http.StatusForbidden, codeForbidden,
			"role %s may not run %s tasks; ask an operator", c.who.role, req.Type)
	}
	d, err := a.loadDevice(c, id)
	if err != nil {
		return reply{}, err
	}
	if err := req.validate(d.Root); err != nil {
		return reply{}, err
	}
	payload, err := json.Marshal(req)
	if err != nil {
		return reply{}, fmt.Errorf("encode task payload: %w", err)
	}
	if a.validateTask != nil {
		if err := a.validateTask(req.Type, payload, d.Root); err != nil {
			return reply{}, taskErr("%v", err)
		}
	}
	t := &store.Task{
		Device:   id,
		Type:     req.Type,
		Priority: priorityOf(c.who.role),
		Payload:  payload,
		Actor:    c.who.name,
	}
	c.detail = req.Type
	if s := req.summary(); s != "" {
		c.detail += ": " + s
	}
	return a.submitAndAnswer(c, t, start, wait)
}

// submitAndAnswer queues t, asks the device to connect, and answers with
// the task: 200 when it finishes within wait, else 202 with its location.
func (a *api) submitAndAnswer(c *call, t *store.Task, start time.Time, wait time.Duration) (reply, error) {
	id := t.Device
	if err := a.tasks.Submit(c.ctx(), t); err != nil {
		return reply{}, fmt.Errorf("submit %s task for %s: %w", t.Type, id, err)
	}
	c.detail = fmt.Sprintf("task %s %s", t.ID, c.detail)
	a.wake(c.ctx(), id)

	if wait > 0 {
		ctx, cancel := context.WithDeadline(c.ctx(), start.Add(wait))
		done, err := a.tasks.Wait(ctx, t.ID)
		cancel()
		switch {
		case err == nil && finished(&done):
			return ok(viewTask(&done, c.seesSecrets()))
		case err != nil && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled):
			a.log.Warn("waiting for task", "task", t.ID, "device", id, "err", err)
		}
	}
	// Not finished within wait: answer with the task as it stands now.
	now, err := a.store.Task(context.WithoutCancel(c.ctx()), t.ID)
	if err != nil {
		now = *t
	}
	if finished(&now) {
		return ok(viewTask(&now, c.seesSecrets()))
	}
	return reply{
		status:   http.StatusAccepted,
		body:     viewTask(&now, c.seesSecrets()),
		location: apiPrefix + "/tasks/" + url.PathEscape(t.ID),
	}, nil
}

// wake asks the device to connect now, in the background: the request
// may end (wait=0) long before a connection request to a slow CPE does,
// and must not cancel it. A device that cannot be reached keeps its task
// queued for its next periodic Inform, so a failure is only logged.
func (a *api) wake(ctx context.Context, id string) {
	if a.waker == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.wakeTimeout)
	a.wakes.Add(1)
	go func() {
		defer a.wakes.Done()
		defer cancel()
		if err := a.waker.Wake(ctx, id); err != nil {
			a.log.Info("connection request failed; the task waits for the next Inform", "device", id, "err", err)
		}
	}()
}

// priorityOf ranks work as the task queue expects: support staff are on
// the phone with a customer.
func priorityOf(r Role) int {
	if r == RoleSupport {
		return store.PrioritySupport
	}
	return store.PriorityOperator
}

func (a *api) getTask(c *call) (reply, error) {
	id := c.r.PathValue("id")
	c.target = id
	t, err := a.store.Task(c.ctx(), id)
	if isNotFound(err) {
		return reply{}, notFound("task %s not found", id)
	}
	if err != nil {
		return reply{}, fmt.Errorf("task %s: %w", id, err)
	}
	c.detail = "device " + t.Device
	return ok(viewTask(&t, c.seesSecrets()))
}
