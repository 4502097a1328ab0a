package session

import (
	"context"
	"errors"
	"slices"
	"time"

	"gatewarden/protocol/cwmp"
)

// cpeMethods are the RPCs this agent really handles (GetRPCMethods
// answers with them), with the namespaces that define them.
var cpeMethods = []struct {
	name  string
	since string // the first namespace whose schema has it
}{
	{"GetRPCMethods", cwmp.NamespaceCWMP10},
	{"SetParameterValues", cwmp.NamespaceCWMP10},
	{"GetParameterValues", cwmp.NamespaceCWMP10},
	{"GetParameterNames", cwmp.NamespaceCWMP10},
	{"SetParameterAttributes", cwmp.NamespaceCWMP10},
	{"GetParameterAttributes", cwmp.NamespaceCWMP10},
	{"AddObject", cwmp.NamespaceCWMP10},
	{"DeleteObject", cwmp.NamespaceCWMP10},
	{"Reboot", cwmp.NamespaceCWMP10},
	{"Download", cwmp.NamespaceCWMP10},
	{"Upload", cwmp.NamespaceCWMP10},
	{"FactoryReset", cwmp.NamespaceCWMP10},
	{"ScheduleInform", cwmp.NamespaceCWMP10},
	{"GetQueuedTransfers", cwmp.NamespaceCWMP10},
	{"GetAllQueuedTransfers", cwmp.NamespaceCWMP11},
	{"ScheduleDownload", cwmp.NamespaceCWMP12},
	{"CancelTransfer", cwmp.NamespaceCWMP12},
}

// methodsFor lists the supported RPCs an ACS speaking ns can call.
func methodsFor(ns string) []string {
	order := []string{cwmp.NamespaceCWMP10, cwmp.NamespaceCWMP11, cwmp.NamespaceCWMP12}
	level := slices.Index(order, ns)
	if level < 0 {
		level = len(order) - 1 // cwmp-1-2 and the 1-3/1-4 URNs some stacks send
	}
	var out []string
	for _, m := range cpeMethods {
		if slices.Index(order, m.since) <= level {
			out = append(out, m.name)
		}
	}
	return out
}

// answer handles one ACS request and returns the envelope to send back
// (same cwmp:ID, the request's namespace) and what to do once it has
// been delivered.
func (s *run) answer(ctx context.Context, req *cwmp.Envelope) (*cwmp.Envelope, func(*deferred)) {
	body, after := s.handle(ctx, req)
	return &cwmp.Envelope{Namespace: req.Namespace, Header: cwmp.Header{ID: req.Header.ID}, Body: body}, after
}

func (s *run) handle(ctx context.Context, req *cwmp.Envelope) (cwmp.Body, func(*deferred)) {
	c := s.c
	m := c.m
	switch r := req.Body.(type) {
	case *cwmp.GetRPCMethods:
		return &cwmp.GetRPCMethodsResponse{MethodList: methodsFor(req.Namespace)}, nil
	case *cwmp.GetParameterValues:
		list, err := m.GetParameterValues(ctx, r.ParameterNames)
		if err != nil {
			return s.fault(r, err), nil
		}
		return &cwmp.GetParameterValuesResponse{ParameterList: list}, nil
	case *cwmp.SetParameterValues:
		status, err := m.SetParameterValues(ctx, r.ParameterList, r.ParameterKey)
		if err != nil {
			return s.fault(r, err), nil
		}
		return &cwmp.SetParameterValuesResponse{Status: status}, nil
	case *cwmp.GetParameterNames:
		list, err := m.GetParameterNames(ctx, r.ParameterPath, r.NextLevel)
		if err != nil {
			return s.fault(r, err), nil
		}
		return &cwmp.GetParameterNamesResponse{ParameterList: list}, nil
	case *cwmp.SetParameterAttributes:
		if err := m.SetParameterAttributes(ctx, r.ParameterList); err != nil {
			return s.fault(r, err), nil
		}
		return &cwmp.SetParameterAttributesResponse{}, nil
	case *cwmp.GetParameterAttributes:
		list, err := m.GetParameterAttributes(ctx, r.ParameterNames)
		if err != nil {
			return s.fault(r, err), nil
		}
		return &cwmp.GetParameterAttributesResponse{ParameterList: list}, nil
	case *cwmp.AddObject:
		n, status, err := m.AddObject(ctx, r.ObjectName, r.ParameterKey)
		if err != nil {
			return s.fault(r, err), nil
		}
		return &cwmp.AddObjectResponse{InstanceNumber: n, Status: status}, nil
	case *cwmp.DeleteObject:
		status, err := m.DeleteObject(ctx, r.ObjectName, r.ParameterKey)
		if err != nil {
			return s.fault(r, err), nil
		}
		return &cwmp.DeleteObjectResponse{Status: status}, nil

	case *cwmp.Reboot:
		if len(r.CommandKey) > 32 {
			return invalidFault("CommandKey longer than 32 characters"), nil
		}
		key := r.CommandKey
		return &cwmp.RebootResponse{}, func(d *deferred) { d.reboot, d.rebootKey = true, key }
	case *cwmp.FactoryReset:
		return &cwmp.FactoryResetResponse{}, func(d *deferred) { d.factoryReset = true }
	case *cwmp.ScheduleInform:
		switch {
		case r.DelaySeconds == 0:
			return invalidFault("DelaySeconds must be greater than 0"), nil
		case len(r.CommandKey) > 32:
			return invalidFault("CommandKey longer than 32 characters"), nil
		}
		due := c.clk.Now().Add(time.Duration(r.DelaySeconds) * time.Second)
		if _, err := c.st.AddScheduledInform(due, r.CommandKey); err != nil {
			return s.fault(r, err), nil
		}
		return &cwmp.ScheduleInformResponse{}, nil

	case *cwmp.Download:
		if err := c.transfers.Accept(ctx, r, c.clk.Now()); err != nil {
			return s.fault(r, err), nil
		}
		return &cwmp.DownloadResponse{Status: 1, StartTime: cwmp.UnknownTime, CompleteTime: cwmp.UnknownTime}, nil
	case *cwmp.Upload:
		if err := c.transfers.Accept(ctx, r, c.clk.Now()); err != nil {
			return s.fault(r, err), nil
		}
		return &cwmp.UploadResponse{Status: 1, StartTime: cwmp.UnknownTime, CompleteTime: cwmp.UnknownTime}, nil
	case *cwmp.ScheduleDownload:
		if err := c.transfers.Accept(ctx, r, c.clk.Now()); err != nil {
			return s.fault(r, err), nil
		}
		return &cwmp.ScheduleDownloadResponse{}, nil
	case *cwmp.CancelTransfer:
		if err := c.transfers.Cancel(ctx, r.CommandKey); err != nil {
			return s.fault(r, err), nil
		}
		return &cwmp.CancelTransferResponse{}, nil
	case *cwmp.GetQueuedTransfers:
		list, err := c.transfers.List(ctx)
		if err != nil {
			return s.fault(r, err), nil
		}
		out := make([]cwmp.QueuedTransferStruct, 0, len(list))
		for _, t := range list {
			out = append(out, cwmp.QueuedTransferStruct{CommandKey: t.CommandKey, State: t.State})
		}
		return &cwmp.GetQueuedTransfersResponse{TransferList: out[:min(len(out), maxTransfers)]}, nil
	case *cwmp.GetAllQueuedTransfers:
		list, err := c.transfers.List(ctx)
		if err != nil {
			return s.fault(r, err), nil
		}
		return &cwmp.GetAllQueuedTransfersResponse{TransferList: list[:min(len(list), maxTransfers)]}, nil
	}
	// SetVouchers, GetOptions, ChangeDUState, and anything that is not a
	// CPE method at all.
	return cwmp.NewFault(cwmp.FaultMethodNotSupported, ""), nil
}

func invalidFault(msg string) *cwmp.Fault { return cwmp.NewFault(cwmp.FaultInvalidArguments, msg) }

// fault turns a handler's error into the fault to send: a *cwmp.Fault as
// it is, anything else 9002 with the standard text. The error's own text
// is logged at Debug only: a provider's message may quote a value.
func (s *run) fault(req cwmp.Body, err error) *cwmp.Fault {
	var f *cwmp.Fault
	if errors.As(err, &f) {
		s.log.Info("ACS request refused", "method", req.Method(), "fault", f.FaultCode)
		return f
	}
	s.log.Error("ACS request failed with an internal error", "method", req.Method())
	s.log.Debug("internal error detail", "method", req.Method(), "err", err)
	return cwmp.NewFault(cwmp.FaultInternalError, "")
}
