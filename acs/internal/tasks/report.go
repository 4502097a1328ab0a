package tasks

import (
	"context"
	"errors"
	"fmt"

	"gatewarden/acs/internal/cwmpserver"
	"gatewarden/acs/internal/store"
	"gatewarden/protocol/cwmp"
)

// Report records a completion report the CPE sent in its session; the
// CWMP server acknowledges it once Report returns nil. A TransferComplete
// settles the download task whose CommandKey it carries (a report for a
// task already settled is a repeat and changes nothing); failures nobody
// asked for are kept as device faults.
func (r *Runner) Report(ctx context.Context, s *cwmpserver.Session, req cwmp.Body) error {
	switch req := req.(type) {
	case *cwmp.TransferComplete:
		return r.transferComplete(ctx, s, req)
	case *cwmp.AutonomousTransferComplete:
		if req.FaultStruct.FaultCode == 0 {
			return nil
		}
		dir := "upload"
		if req.IsDownload {
			dir = "download"
		}
		return r.deviceFault(ctx, s, req.Method(), req.FaultStruct.FaultCode,
			fmt.Sprintf("autonomous %s of %s (%s): %s", dir, req.TransferURL, req.FileType, transferText(req.FaultStruct)))
	case *cwmp.DUStateChangeComplete:
		for _, res := range req.Results {
			if err := r.duFault(ctx, s, req.Method(), res); err != nil {
				return err
			}
		}
		return nil
	case *cwmp.AutonomousDUStateChangeComplete:
		for _, res := range req.Results {
			if err := r.duFault(ctx, s, req.Method(), res.OpResultStruct); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("tasks: cannot record %s", req.Method())
}

func (r *Runner) transferComplete(ctx context.Context, s *cwmpserver.Session, tc *cwmp.TransferComplete) error {
	t, err := r.cfg.Store.TaskByKey(ctx, s.DeviceID, tc.CommandKey)
	switch {
	case errors.Is(err, store.ErrNotFound) || err == nil && t.Type != TypeDownload && t.Type != TypeUpload:
		if tc.FaultStruct.FaultCode == 0 {
			return nil
		}
		return r.deviceFault(ctx, s, tc.Method(), tc.FaultStruct.FaultCode,
			fmt.Sprintf("transfer %q: %s", tc.CommandKey, transferText(tc.FaultStruct)))
	case err != nil:
		return fmt.Errorf("finding the task of transfer %q: %w", tc.CommandKey, err)
	case t.Status == store.StatusDone || t.Status == store.StatusFault:
		return nil
	}
	if tc.FaultStruct.FaultCode != 0 {
		return r.fail(ctx, t, tc.Method(), int(tc.FaultStruct.FaultCode), transferText(tc.FaultStruct))
	}
	return r.complete(ctx, t, downloadResult{StartTime: tc.StartTime, CompleteTime: tc.CompleteTime})
}

func (r *Runner) duFault(ctx context.Context, s *cwmpserver.Session, method string, res cwmp.OpResultStruct) error {
	if res.Fault.FaultCode == 0 {
		return nil
	}
	msg := res.Fault.FaultString
	if msg == "" {
		msg = res.Fault.FaultCode.Text()
	}
	return r.deviceFault(ctx, s, method, res.Fault.FaultCode, fmt.Sprintf("deployment unit %s %s: %s", res.UUID, res.CurrentState, msg))
}

func (r *Runner) deviceFault(ctx context.Context, s *cwmpserver.Session, rpc string, code cwmp.FaultCode, msg string) error {
	return r.cfg.Store.AddFault(ctx, &store.Fault{Device: s.DeviceID, RPC: rpc, Code: int(code), Message: msg, Time: r.cfg.Now()})
}

func transferText(f cwmp.FaultStruct) string {
	if f.FaultString != "" {
		return f.FaultString
	}
	return f.FaultCode.Text()
}
