package tasks

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gatewarden/acs/internal/cwmpserver"
	"gatewarden/acs/internal/store"
	"gatewarden/protocol/cwmp"
)

// maxSkipped bounds how many unusable tasks (bad payload, too many
// attempts) one Next call retires before it answers, so a queue full of
// them cannot hold a request for long; the rest go on the next call.
const maxSkipped = 32

// Next picks the session's next RPC: the second step of a two-step task,
// then recoveries of addObject tasks, then queued tasks by priority (the
// store orders them: support > operator > campaign > preset), then the
// preset difference, once per session.
//
// A task's state is written durably before its RPC is handed out: status
// running, attempts counted, its key assigned. Whatever happens next, the
// store knows the RPC may have reached the device.
func (r *Runner) Next(ctx context.Context, s *cwmpserver.Session) (cwmp.Body, any, error) {
	st := stateOf(s)
	if st.blocked {
		return nil, nil, nil
	}
	if tk := st.followUp; tk != nil {
		st.followUp = nil
		return tk.rpc, tk, nil
	}
	if len(st.diagFetch) > 0 {
		tk := st.diagFetch[0]
		st.diagFetch = st.diagFetch[1:]
		return tk.rpc, tk, nil
	}
	if len(st.recover) > 0 {
		t := st.recover[0]
		st.recover = st.recover[1:]
		rpc, err := buildRPC(t.Type, t.Payload, s.Device.Root, t.Key)
		if err != nil {
			// It was sent once, so it built then; a payload cannot change.
			return nil, nil, fmt.Errorf("rebuilding task %s: %w", t.ID, err)
		}
		gpn := &cwmp.GetParameterNames{ParameterPath: rpc.(*cwmp.AddObject).ObjectName, NextLevel: true}
		return gpn, &ticket{task: t, step: stepRecoverAdd, rpc: gpn}, nil
	}
	for range maxSkipped {
		t, ok, err := r.cfg.Store.NextTask(ctx, s.DeviceID, r.cfg.Now())
		if err != nil {
			return nil, nil, fmt.Errorf("next task of %s: %w", s.DeviceID, err)
		}
		if !ok {
			break
		}
		if t.Attempts >= r.cfg.MaxAttempts {
			code, msg := int(cwmp.FaultACSInternalError), "no answer"
			if t.Fault != nil {
				code, msg = t.Fault.Code, t.Fault.Message
			}
			if err := r.fail(ctx, t, "", code, "gave up after "+strconv.Itoa(t.Attempts)+" attempts: "+msg); err != nil {
				return nil, nil, err
			}
			continue
		}
		if t.Type == TypeDiagnostics && r.diagBusy(ctx, t) {
			// One object per kind on the device: wait for the one out.
			t.NotBefore = r.cfg.Now().Add(30 * time.Second)
			if err := r.cfg.Store.UpdateTask(ctx, t); err != nil {
				return nil, nil, fmt.Errorf("deferring task %s: %w", t.ID, err)
			}
			continue
		}
		if t.Key == "" && needsKey(t.Type) {
			t.Key = newKey()
		}
		rpc, err := buildRPC(t.Type, t.Payload, s.Device.Root, t.Key)
		if err != nil {
			if err := r.fail(ctx, t, "", faultOf(err), err.Error()); err != nil {
				return nil, nil, err
			}
			continue
		}
		t.Status = store.StatusRunning
		t.Attempts++
		t.Result = mustJSON(progress{Phase: phaseSent})
		if err := r.cfg.Store.UpdateTask(ctx, t); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				continue // deleted meanwhile
			}
			return nil, nil, fmt.Errorf("marking task %s running: %w", t.ID, err)
		}
		return rpc, &ticket{task: t, rpc: rpc}, nil
	}
	if !st.presetTried && r.cfg.Reconciler != nil {
		st.presetTried = true
		if rpc, tk := r.presetRPC(ctx, s); rpc != nil {
			return rpc, tk, nil
		}
	}
	return nil, nil, nil
}

// instanceOf returns the instance number a GetParameterNames entry names
// directly below table ("X.Y." → "X.Y.7." is 7), or 0.
func instanceOf(table, name string) uint32 {
	rest, ok := strings.CutPrefix(name, table)
	if !ok {
		return 0
	}
	seg, _, _ := strings.Cut(rest, ".")
	n, err := strconv.ParseUint(seg, 10, 32)
	if err != nil {
		return 0
	}
	return uint32(n)
}
