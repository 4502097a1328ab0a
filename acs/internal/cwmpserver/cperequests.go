package cwmpserver

import (
	"context"
	"net/http"

	"gatewarden/protocol/cwmp"
)

// acsMethods answers a CPE's GetRPCMethods: what this ACS handles.
var acsMethods = []string{
	"Inform",
	"GetRPCMethods",
	"TransferComplete",
	"AutonomousTransferComplete",
	"DUStateChangeComplete",
	"AutonomousDUStateChangeComplete",
}

// cpeRequest answers a request the CPE made within its session.
//
// Completion reports (TransferComplete, AutonomousTransferComplete and the
// two DU reports) are handed to Work.Report and acknowledged only once
// recorded; a failure to record answers 8005 so the CPE sends the report
// again. RequestDownload and the deprecated Kicked are answered 8000: this
// ACS offers no files on request and no web-portal flow, and saying so
// tells the CPE not to wait for either. A request only an ACS sends is
// 8000 too. An outstanding ACS request stays outstanding: the CPE broke
// the order, but its answer may still come.
func (srv *Server) cpeRequest(ctx context.Context, w http.ResponseWriter, s *session, env *cwmp.Envelope) {
	method := env.Body.Method()
	srv.cfg.Observer.CPERequest(method)
	ns, id := s.namespaceFor(env), env.Header.ID
	var resp cwmp.Body
	switch env.Body.(type) {
	case *cwmp.GetRPCMethods:
		resp = &cwmp.GetRPCMethodsResponse{MethodList: acsMethods}
	case *cwmp.TransferComplete:
		resp = &cwmp.TransferCompleteResponse{}
	case *cwmp.AutonomousTransferComplete:
		resp = &cwmp.AutonomousTransferCompleteResponse{}
	case *cwmp.DUStateChangeComplete:
		resp = &cwmp.DUStateChangeCompleteResponse{}
	case *cwmp.AutonomousDUStateChangeComplete:
		resp = &cwmp.AutonomousDUStateChangeCompleteResponse{}
	case *cwmp.RequestDownload, *cwmp.Kicked:
		srv.writeFault(w, ns, id, cwmp.FaultACSMethodNotSupported, method+" is not supported by this ACS")
		return
	default:
		srv.writeFault(w, ns, id, cwmp.FaultACSMethodNotSupported, method+" is not a method a CPE sends")
		return
	}
	if _, isList := resp.(*cwmp.GetRPCMethodsResponse); !isList {
		if err := srv.cfg.Work.Report(ctx, &s.pub, env.Body); err != nil {
			srv.log.Error("cwmp: recording "+method, "device", s.pub.DeviceID, "err", err)
			srv.writeFault(w, ns, id, cwmp.FaultACSRetryRequest, "could not record the report, send it again")
			return
		}
	}
	err := srv.writeEnvelope(w, &cwmp.Envelope{Namespace: ns, Header: cwmp.Header{ID: id}, Body: resp})
	if err != nil {
		srv.end(s, OutcomeAbandoned)
	}
}
