package tasks

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"gatewarden/acs/internal/cwmpserver"
	"gatewarden/acs/internal/store"
	"gatewarden/protocol/cwmp"
)

// Done records the CPE's answer to a task's RPC.
//
//	answer                          task becomes
//	the response                    done with its result (download Status 1:
//	                                running/accepted until TransferComplete)
//	fault 9002, 9004, 8005          queued again after a backoff, at most
//	                                MaxAttempts sends, then fault
//	any other fault                 fault (recorded with AddFault too)
//	none, idempotent task           queued again after a backoff
//	none, task that changes the     running: the next Inform settles it (see
//	device                          Start); the session sends nothing more
//
// If recording fails the session sends nothing more either, for the same
// reason: the next Inform must still be able to tell what happened.
func (r *Runner) Done(ctx context.Context, s *cwmpserver.Session, tk any, resp cwmp.Body) (err error) {
	st := stateOf(s)
	defer func() {
		if err != nil {
			st.blocked = true
		}
	}()
	t, ok := tk.(*ticket)
	if !ok {
		return fmt.Errorf("tasks: foreign ticket %T", tk)
	}
	defer func() {
		if errors.Is(err, store.ErrNotFound) {
			// The task was deleted while its RPC was out: nothing to
			// record, and the device is no less known than before.
			err = nil
		}
	}()
	if t.step == stepPreset {
		return r.presetDone(ctx, s, st, t, resp)
	}
	switch resp := resp.(type) {
	case nil:
		return r.lost(ctx, st, t)
	case *cwmp.Fault:
		if t.step == stepRecoverAdd {
			// The object was added; only its number is unknown.
			return r.complete(ctx, t.task, addResult{Recovered: true})
		}
		code, msg := int(resp.FaultCode), faultMessage(resp)
		if transient(resp.FaultCode) {
			return r.retry(ctx, t.task, code, msg)
		}
		return r.fail(ctx, t.task, t.rpc.Method(), code, msg)
	}
	if want := t.rpc.Method() + "Response"; resp.Method() != want {
		return r.lost(ctx, st, t)
	}
	return r.succeed(ctx, s, st, t, resp)
}

// transient reports whether a fault may pass if the request is sent later.
func transient(c cwmp.FaultCode) bool {
	switch c {
	case cwmp.FaultInternalError, cwmp.FaultResourcesExceeded, cwmp.FaultACSRetryRequest:
		return true
	}
	return false
}

// faultMessage describes a CPE fault, with its per-parameter faults.
func faultMessage(f *cwmp.Fault) string {
	var b strings.Builder
	b.WriteString(f.FaultString)
	if b.Len() == 0 {
		b.WriteString(f.FaultCode.Text())
	}
	for i, p := range f.SetParameterValuesFault {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s %d", p.ParameterName, p.FaultCode)
		if p.FaultString != "" {
			b.WriteString(" " + p.FaultString)
		}
	}
	return b.String()
}

// lost handles an RPC whose answer will not come.
func (r *Runner) lost(ctx context.Context, st *sessionState, t *ticket) error {
	switch {
	case t.step == stepRecoverAdd:
		return nil // still applied; the next session looks again
	case idempotent(t.task.Type):
		return r.retry(ctx, t.task, int(cwmp.FaultACSInternalError), "no answer from the device")
	}
	st.blocked = true
	return nil
}

// Results of the task types (ARCHITECTURE.md: getParameterValues gives
// values, addObject instanceNumber).
type (
	valueResult struct {
		Name  string `json:"name"`
		Value string `json:"value"`
		Type  string `json:"type"`
	}
	gpvResult struct {
		Values []valueResult `json:"values"`
	}
	statusResult struct {
		Status int32 `json:"status"`
	}
	addResult struct {
		InstanceNumber uint32 `json:"instanceNumber,omitempty"`
		Status         int32  `json:"status"`
		Recovered      bool   `json:"recovered,omitempty"`
	}
	downloadResult struct {
		Status       int32         `json:"status"`
		StartTime    cwmp.DateTime `json:"startTime,omitempty"`
		CompleteTime cwmp.DateTime `json:"completeTime,omitempty"`
	}
	refreshResult struct {
		Parameters int `json:"parameters"`
	}
	emptyResult struct{}
)

// succeed turns a response into the task's result.
func (r *Runner) succeed(ctx context.Context, s *cwmpserver.Session, st *sessionState, t *ticket, resp cwmp.Body) error {
	dev := s.DeviceID
	switch resp := resp.(type) {
	case *cwmp.GetParameterValuesResponse:
		if t.step == stepRefreshValues {
			return r.refreshed(ctx, s, t, resp.ParameterList)
		}
		if t.step == stepDiagResults {
			return r.diagDone(ctx, t, resp.ParameterList)
		}
		r.cacheValues(ctx, dev, resp.ParameterList)
		res := gpvResult{Values: make([]valueResult, len(resp.ParameterList))}
		for i, p := range resp.ParameterList {
			res.Values[i] = valueResult{Name: p.Name, Value: p.Value, Type: typeOrString(p.Type)}
		}
		return r.complete(ctx, t.task, res)
	case *cwmp.SetParameterValuesResponse:
		if t.task.Type == TypeDiagnostics {
			return r.diagRequested(ctx, t.task)
		}
		r.cacheValues(ctx, dev, t.rpc.(*cwmp.SetParameterValues).ParameterList)
		return r.complete(ctx, t.task, statusResult{Status: resp.Status})
	case *cwmp.AddObjectResponse:
		return r.complete(ctx, t.task, addResult{InstanceNumber: resp.InstanceNumber, Status: resp.Status})
	case *cwmp.DeleteObjectResponse:
		r.forget(ctx, dev, t.rpc.(*cwmp.DeleteObject).ObjectName)
		return r.complete(ctx, t.task, statusResult{Status: resp.Status})
	case *cwmp.UploadResponse:
		if resp.Status == 1 {
			status := resp.Status
			t.task.Result = mustJSON(progress{Phase: phaseAccepted, Status: &status})
			return r.cfg.Store.UpdateTask(ctx, t.task)
		}
		return r.complete(ctx, t.task, downloadResult{Status: resp.Status, StartTime: resp.StartTime, CompleteTime: resp.CompleteTime})
	case *cwmp.DownloadResponse:
		if resp.Status == 1 {
			// Accepted: the TransferComplete of a later session ends it.
			status := resp.Status
			t.task.Result = mustJSON(progress{Phase: phaseAccepted, Status: &status})
			return r.cfg.Store.UpdateTask(ctx, t.task)
		}
		return r.complete(ctx, t.task, downloadResult{Status: resp.Status, StartTime: resp.StartTime, CompleteTime: resp.CompleteTime})
	case *cwmp.GetParameterNamesResponse:
		if t.step == stepRecoverAdd {
			table := t.rpc.(*cwmp.GetParameterNames).ParameterPath
			var highest uint32
			for _, p := range resp.ParameterList {
				highest = max(highest, instanceOf(table, p.Name))
			}
			return r.complete(ctx, t.task, addResult{InstanceNumber: highest, Recovered: true})
		}
		// refresh, step 1: now read the values of what was found.
		path := t.rpc.(*cwmp.GetParameterNames).ParameterPath
		if path == "" && len(resp.ParameterList) > 0 {
			path, _, _ = strings.Cut(resp.ParameterList[0].Name, ".")
			path += "."
		}
		gpv := &cwmp.GetParameterValues{ParameterNames: []string{path}}
		st.followUp = &ticket{task: t.task, step: stepRefreshValues, rpc: gpv, names: resp.ParameterList}
		return nil
	case *cwmp.RebootResponse, *cwmp.FactoryResetResponse, *cwmp.SetParameterAttributesResponse:
		return r.complete(ctx, t.task, emptyResult{})
	}
	return fmt.Errorf("tasks: unexpected %s for task %s", resp.Method(), t.task.ID)
}

// refreshed replaces the cached parameters below the refreshed path with
// what the device reported, writability included.
func (r *Runner) refreshed(ctx context.Context, s *cwmpserver.Session, t *ticket, values []cwmp.ParameterValueStruct) error {
	prefix := t.rpc.(*cwmp.GetParameterValues).ParameterNames[0]
	writable := make(map[string]bool, len(t.names))
	for _, n := range t.names {
		writable[n.Name] = n.Writable
	}
	now := r.cfg.Now()
	params := make([]store.Param, 0, len(values))
	var masked []string
	for _, v := range values {
		if maskedSecret(v) {
			masked = append(masked, v.Name)
			continue
		}
		p := store.Param{Name: v.Name, Value: v.Value, Type: typeOrString(v.Type), Updated: now}
		if w, ok := writable[v.Name]; ok {
			p.Writable = &w
		}
		params = append(params, p)
	}
	if strings.HasSuffix(prefix, ".") {
		// A secret the device masked keeps the value the ACS last set;
		// read it back before the subtree is cleared.
		for _, name := range masked {
			if old, err := r.cfg.Store.Params(ctx, s.DeviceID, name); err == nil {
				for _, p := range old {
					if p.Name == name {
						params = append(params, p)
					}
				}
			}
		}
		// Instances deleted on the device must leave the cache too.
		if err := r.cfg.Store.DeleteParams(ctx, s.DeviceID, prefix); err != nil {
			return fmt.Errorf("clearing cached %s: %w", prefix, err)
		}
	}
	if err := r.cfg.Store.SaveParams(ctx, s.DeviceID, params); err != nil {
		return fmt.Errorf("caching %s: %w", prefix, err)
	}
	return r.complete(ctx, t.task, refreshResult{Parameters: len(params)})
}

func typeOrString(t string) string {
	if t == "" {
		return "string"
	}
	return t
}

// cacheValues keeps values the device reported or accepted, so the API's
// parameter view and the preset difference see them. A failure costs
// freshness only, not correctness: the next refresh or Inform repairs it.
func (r *Runner) cacheValues(ctx context.Context, device string, values []cwmp.ParameterValueStruct) {
	now := r.cfg.Now()
	params := make([]store.Param, 0, len(values))
	for _, v := range values {
		if maskedSecret(v) {
			continue
		}
		params = append(params, store.Param{Name: v.Name, Value: v.Value, Type: typeOrString(v.Type), Updated: now})
	}
	if err := r.cfg.Store.SaveParams(ctx, device, params); err != nil {
		r.log.Warn("tasks: caching parameter values", "device", device, "err", err)
	}
}

// forget drops a deleted object's parameters from the cache.
func (r *Runner) forget(ctx context.Context, device, object string) {
	if err := r.cfg.Store.DeleteParams(ctx, device, object); err != nil {
		r.log.Warn("tasks: dropping cached parameters", "device", device, "object", object, "err", err)
	}
}

// complete marks a task done with its result.
func (r *Runner) complete(ctx context.Context, t store.Task, result any) error {
	t.Status = store.StatusDone
	t.Result = mustJSON(result)
	t.Fault = nil
	t.Completed = r.cfg.Now()
	if err := r.cfg.Store.UpdateTask(ctx, t); err != nil {
		return fmt.Errorf("completing task %s: %w", t.ID, err)
	}
	r.waiters.notify(t.ID)
	return nil
}

// fail ends a task with a fault and records the fault for support staff.
// rpc names the RPC the device faulted ("" for an ACS-side failure).
func (r *Runner) fail(ctx context.Context, t store.Task, rpc string, code int, msg string) error {
	now := r.cfg.Now()
	t.Status = store.StatusFault
	t.Result = nil
	t.Fault = &store.TaskFault{Code: code, Message: msg}
	t.Completed = now
	if err := r.cfg.Store.UpdateTask(ctx, t); err != nil {
		return fmt.Errorf("failing task %s: %w", t.ID, err)
	}
	r.waiters.notify(t.ID)
	if rpc == "" {
		rpc = t.Type
	}
	err := r.cfg.Store.AddFault(ctx, &store.Fault{Device: t.Device, Task: t.ID, RPC: rpc, Code: code, Message: msg, Time: now})
	if err != nil {
		r.log.Warn("tasks: recording a fault", "device", t.Device, "task", t.ID, "err", err)
	}
	return nil
}

// retry queues a task again after a backoff, or fails it when it has used
// its attempts.
func (r *Runner) retry(ctx context.Context, t store.Task, code int, msg string) error {
	if t.Attempts >= r.cfg.MaxAttempts {
		return r.fail(ctx, t, "", code, fmt.Sprintf("gave up after %d attempts: %s", t.Attempts, msg))
	}
	t.Status = store.StatusQueued
	t.Result = nil
	t.Fault = &store.TaskFault{Code: code, Message: msg}
	t.NotBefore = r.cfg.Now().Add(r.backoff(t.Attempts))
	if err := r.cfg.Store.UpdateTask(ctx, t); err != nil {
		return fmt.Errorf("requeueing task %s: %w", t.ID, err)
	}
	return nil
}

// backoff is RetryBase·2^(attempt-1), capped at RetryMax, ±20 %.
func (r *Runner) backoff(attempt int) time.Duration {
	d := r.cfg.RetryBase
	for i := 1; i < attempt && d < r.cfg.RetryMax; i++ {
		d *= 2
	}
	d = min(d, r.cfg.RetryMax)
	jitter := time.Duration(rand.Int64N(int64(d)/5*2+1)) - d/5
	return d + jitter
}

// maskedSecret reports a hidden or secured parameter read back as the
// empty string: CPEs never reveal those values, so the empty string says
// nothing about the device and must not replace what the ACS last set
// (a preset would otherwise send the secret again after every read).
func maskedSecret(v cwmp.ParameterValueStruct) bool {
	if v.Value != "" {
		return false
	}
	sc := schemaFor(v.Name)
	if sc == nil {
		return false
	}
	n, ok := sc.Lookup(v.Name)
	return ok && n.Secret()
}
