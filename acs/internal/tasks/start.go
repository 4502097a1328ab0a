package tasks

import (
	"context"
	"fmt"
	"time"

	"gatewarden/acs/internal/cwmpserver"
	"gatewarden/acs/internal/store"
	"gatewarden/protocol/cwmp"
)

// Start settles, from the Inform, every task left running by an earlier
// session whose answer never arrived (the session broke, or the ACS
// crashed between sending and recording). This is the exactly-once state
// machine:
//
//	running task      the Inform shows                    becomes
//	setParameterValues ParameterKey = task key            done (values cached)
//	deleteObject       ParameterKey = task key            done
//	addObject          ParameterKey = task key, or phase  running/applied; this session
//	                   "applied" from before              finds the instance (GetParameterNames)
//	reboot             "M Reboot" with the task key        done
//	factoryReset       "0 BOOTSTRAP"                       done
//	download           "M Download" with the key, or       running: the TransferComplete
//	                   phase "accepted"                    settles it
//	any of the above   nothing                             queued: sent again (same key)
//	getParameterValues, refresh, setParameterAttributes    queued: sent again (harmless)
//
// The ParameterKey names the last SetParameterValues, AddObject or
// DeleteObject the device applied. It is conclusive because a session sends
// such requests one at a time, records each answer before the next goes
// out, settles running tasks here before it sends anything, and stops
// sending when an answer is lost or cannot be recorded.
func (r *Runner) Start(ctx context.Context, s *cwmpserver.Session) error {
	st := stateOf(s)
	open, err := r.cfg.Store.OpenTasks(ctx, s.DeviceID)
	if err != nil {
		return fmt.Errorf("reading open tasks of %s: %w", s.DeviceID, err)
	}
	for _, t := range open {
		if t.Status != store.StatusRunning {
			continue
		}
		if err := r.settle(ctx, s, st, t); err != nil {
			return fmt.Errorf("settling task %s: %w", t.ID, err)
		}
	}
	return nil
}

func (r *Runner) settle(ctx context.Context, s *cwmpserver.Session, st *sessionState, t store.Task) error {
	keyMatch := t.Key != "" && s.Device.ParameterKey == t.Key
	phase := phaseOf(t)
	switch t.Type {
	case TypeDiagnostics:
		return r.settleDiag(ctx, s, st, t)
	case TypeSetParameterValues:
		if keyMatch {
			rpc, err := buildRPC(t.Type, t.Payload, s.Device.Root, t.Key)
			if err == nil {
				r.cacheValues(ctx, s.DeviceID, rpc.(*cwmp.SetParameterValues).ParameterList)
			}
			return r.complete(ctx, t, recovered{Recovered: true})
		}
	case TypeDeleteObject:
		if keyMatch {
			if rpc, err := buildRPC(t.Type, t.Payload, s.Device.Root, t.Key); err == nil {
				r.forget(ctx, s.DeviceID, rpc.(*cwmp.DeleteObject).ObjectName)
			}
			return r.complete(ctx, t, recovered{Recovered: true})
		}
	case TypeAddObject:
		if keyMatch || phase == phaseApplied {
			if phase != phaseApplied {
				t.Result = mustJSON(progress{Phase: phaseApplied})
				if err := r.cfg.Store.UpdateTask(ctx, t); err != nil {
					return err
				}
			}
			st.recover = append(st.recover, t)
			return nil
		}
	case TypeReboot:
		if s.HasMethodEvent("Reboot", t.Key) {
			return r.complete(ctx, t, recovered{Recovered: true})
		}
	case TypeFactoryReset:
		if _, ok := s.HasEvent(cwmp.EventBootstrap); ok {
			return r.complete(ctx, t, recovered{Recovered: true})
		}
	case TypeDownload:
		if phase == phaseAccepted || s.HasMethodEvent("Download", t.Key) {
			return nil
		}
	case TypeUpload:
		if phase == phaseAccepted || s.HasMethodEvent("Upload", t.Key) {
			return nil
		}
	}
	return r.requeue(ctx, t)
}

// requeue makes a task whose RPC did not take effect eligible again at
// once, keeping its key.
func (r *Runner) requeue(ctx context.Context, t store.Task) error {
	t.Status = store.StatusQueued
	t.Result = nil
	t.NotBefore = time.Time{}
	return r.cfg.Store.UpdateTask(ctx, t)
}

// recovered is the result of a task settled from an Inform: it took
// effect, but its answer (e.g. SetParameterValues' Status) was lost.
type recovered struct {
	Recovered bool `json:"recovered"`
}
