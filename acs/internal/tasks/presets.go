package tasks

import (
	"context"

	"gatewarden/acs/internal/cwmpserver"
	"gatewarden/acs/internal/store"
	"gatewarden/protocol/cwmp"
)

// maxParameterKey is the ParameterKey's length limit (string(32)).
const maxParameterKey = 32

// recentFaults is how many of a device's latest faults are searched for
// an earlier failure of the same preset difference.
const recentFaults = 50

// presetFaultTask marks a preset difference's fault in Fault.Task, so the
// next sessions can tell the same difference failed before.
func presetFaultTask(key string) string { return "preset:" + key }

// presetRPC asks the Reconciler for the device's preset difference and
// turns it into one SetParameterValues. A difference that faulted within
// PresetRetryAfter is not sent again unless it changed (its key with it):
// a device that refuses a preset would otherwise be asked, and fault,
// every session.
func (r *Runner) presetRPC(ctx context.Context, s *cwmpserver.Session) (cwmp.Body, *ticket) {
	values, key, err := r.cfg.Reconciler.Diff(ctx, s.Device)
	if err != nil {
		r.log.Error("tasks: computing preset difference", "device", s.DeviceID, "err", err)
		return nil, nil
	}
	if len(values) == 0 {
		return nil, nil
	}
	if key == "" || len(key) > maxParameterKey {
		key = newKey()
	} else if r.failedRecently(ctx, s.DeviceID, key) {
		return nil, nil
	}
	rpc := &cwmp.SetParameterValues{ParameterList: withTypes(values), ParameterKey: key}
	return rpc, &ticket{step: stepPreset, rpc: rpc, preset: key}
}

func (r *Runner) failedRecently(ctx context.Context, device, key string) bool {
	faults, err := r.cfg.Store.Faults(ctx, device, recentFaults)
	if err != nil {
		r.log.Warn("tasks: reading recent faults", "device", device, "err", err)
		return true // unsure: do not risk a fault loop
	}
	since := r.cfg.Now().Add(-r.cfg.PresetRetryAfter)
	for _, f := range faults {
		if f.Task == presetFaultTask(key) && f.Time.After(since) {
			return true
		}
	}
	return false
}

// presetDone records the answer to a preset difference. There is no task
// to settle: the next session computes the difference afresh from the
// cache, which a success updates here.
func (r *Runner) presetDone(ctx context.Context, s *cwmpserver.Session, st *sessionState, t *ticket, resp cwmp.Body) error {
	switch resp := resp.(type) {
	case *cwmp.SetParameterValuesResponse:
		r.cacheValues(ctx, s.DeviceID, t.rpc.(*cwmp.SetParameterValues).ParameterList)
	case *cwmp.Fault:
		return r.cfg.Store.AddFault(ctx, &store.Fault{
			Device:  s.DeviceID,
			Task:    presetFaultTask(t.preset),
			RPC:     t.rpc.Method(),
			Code:    int(resp.FaultCode),
			Message: faultMessage(resp),
			Time:    r.cfg.Now(),
		})
	default:
		st.blocked = true // fate unknown: keep the ParameterKey readable
	}
	return nil
}
