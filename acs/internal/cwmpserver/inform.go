package cwmpserver

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"time"

	"gatewarden/acs/internal/store"
	"gatewarden/protocol/cwmp"
	"gatewarden/protocol/datamodel"
)

// maxDeviceIDField is the longest DeviceIdStruct field (cwmp-1-2.xsd). The
// OUI's "exactly 6 hex digits" is not enforced: the device ID escapes
// whatever a CPE sends, and odd OUIs exist in the field.
const maxDeviceIDField = 64

// startSession handles an Inform: checks, negotiation, the device lease,
// the durable record of everything the Inform says, and the
// InformResponse. Every path that took the lease and does not end in an
// open session releases it.
func (srv *Server) startSession(w http.ResponseWriter, r *http.Request, env *cwmp.Envelope, inf *cwmp.Inform, user string) {
	srv.cfg.Observer.CPERequest(inf.Method())
	ns, id := env.Namespace, env.Header.ID
	// Headers only an ACS sends (TR069-DIGEST §1.2).
	if env.Header.HoldRequests != nil || env.Header.UseCWMPVersion != "" {
		srv.writeFault(w, ns, id, cwmp.FaultACSInvalidArguments, "HoldRequests and UseCWMPVersion are sent by an ACS only")
		return
	}
	if msg := checkDeviceID(inf.DeviceId); msg != "" {
		srv.writeFault(w, ns, id, cwmp.FaultACSInvalidArguments, msg)
		return
	}
	if srv.auth != nil && !identityMatches(user, inf.DeviceId) {
		// Nothing is recorded for a device that is not who it says.
		srv.log.Warn("cwmp: credentials of another device", "serial", inf.DeviceId.SerialNumber, "remote", r.RemoteAddr)
		srv.refuse(w, http.StatusForbidden, RejectForbidden)
		return
	}
	ver, use, ok := negotiate(env)
	if !ok {
		srv.writeFault(w, ns, id, cwmp.FaultACSVersionIncompatible, "")
		return
	}
	devID := datamodel.DeviceID{OUI: inf.DeviceId.OUI, ProductClass: inf.DeviceId.ProductClass, SerialNumber: inf.DeviceId.SerialNumber}.String()

	if !srv.preempt(r, devID, inf.RetryCount > 0) {
		srv.unavailable(w, RejectLeaseBusy)
		return
	}
	if !srv.table.reserve() {
		srv.unavailable(w, RejectOverload)
		return
	}
	now := srv.cfg.Now()
	s := &session{pub: Session{
		ID:        randomToken(16),
		DeviceID:  devID,
		Events:    inf.Event,
		Version:   ver,
		Namespace: ns,
		Started:   now,
	}}
	s.holder = srv.cfg.NodeID + "/" + s.pub.ID
	s.touch(now)
	s.mu.Lock()
	defer s.mu.Unlock()

	ctx, cancel := srv.opContext()
	defer cancel()
	if err := srv.acquireLease(ctx, r, devID, s.holder); err != nil {
		srv.table.unreserve()
		if errors.Is(err, store.ErrLeaseHeld) {
			srv.unavailable(w, RejectLeaseBusy)
		} else {
			srv.log.Error("cwmp: acquiring device lease", "device", devID, "err", err)
			srv.unavailable(w, RejectStore)
		}
		return
	}
	s.leaseAt = srv.cfg.Now()
	established := false
	defer func() {
		if !established {
			srv.table.unreserve()
			if err := srv.cfg.Store.ReleaseLease(ctx, devID, s.holder); err != nil {
				srv.log.Warn("cwmp: releasing device lease", "device", devID, "err", err)
			}
		}
	}()

	dev, err := srv.cfg.Store.RecordInform(ctx, informRecord(inf, devID, ver, remoteIP(r), now))
	if err != nil {
		srv.log.Error("cwmp: recording inform", "device", devID, "err", err)
		srv.unavailable(w, RejectStore)
		return
	}
	s.pub.Device = dev
	if err := srv.planCreds(ctx, s); err != nil {
		srv.log.Error("cwmp: first-session setup", "device", devID, "err", err)
		srv.unavailable(w, RejectStore)
		return
	}
	if err := srv.cfg.Work.Start(ctx, &s.pub); err != nil {
		srv.log.Error("cwmp: starting session work", "device", devID, "err", err)
		srv.unavailable(w, RejectStore)
		return
	}
	srv.table.add(s)
	established = true
	srv.cfg.Observer.SessionStarted()

	http.SetCookie(w, &http.Cookie{
		Name: sessionCookieName, Value: s.pub.ID, Path: "/",
		HttpOnly: true, Secure: r.TLS != nil,
	})
	err = srv.writeEnvelope(w, &cwmp.Envelope{
		Namespace: ns,
		Header:    cwmp.Header{ID: id, UseCWMPVersion: use},
		Body:      &cwmp.InformResponse{MaxEnvelopes: 1},
	})
	if err != nil {
		srv.end(s, OutcomeAbandoned)
		return
	}
	s.touch(srv.cfg.Now())
}

// preempt clears the way for a new session of a device that still has one
// open on this node. A CPE starts a session only after its last one ended,
// so a quiet old session (or any, when the Inform is a retry) is dead and
// is ended here. An old session that was active moments ago is a live
// one, perhaps of a cloned device: the Inform waits up to LeaseWait for it
// to end or go quiet, and false means it is still there.
func (srv *Server) preempt(r *http.Request, devID string, retry bool) bool {
	deadline := time.Now().Add(srv.cfg.LeaseWait)
	for {
		old := srv.table.byDevice(devID)
		if old == nil {
			return true
		}
		quiet := srv.cfg.Now().Sub(time.Unix(0, old.lastActive.Load())) >= srv.cfg.PreemptIdle
		if (retry || quiet) && old.mu.TryLock() {
			srv.end(old, OutcomePreempted)
			old.mu.Unlock()
			continue
		}
		if !pause(r, deadline) {
			return false
		}
	}
}

// pause sleeps until the next retry, at most until deadline; false when
// the deadline has passed or the client left.
func pause(r *http.Request, deadline time.Time) bool {
	d := min(leaseRetryInterval, time.Until(deadline))
	if d <= 0 {
		return false
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

// acquireLease takes the device's lease, retrying for up to LeaseWait
// while another session (on another node) holds it.
func (srv *Server) acquireLease(ctx context.Context, r *http.Request, devID, holder string) error {
	deadline := time.Now().Add(srv.cfg.LeaseWait)
	for {
		err := srv.cfg.Store.AcquireLease(ctx, devID, holder, srv.cfg.LeaseTTL)
		if !errors.Is(err, store.ErrLeaseHeld) || !pause(r, deadline) {
			return err
		}
	}
}

// checkDeviceID refuses a DeviceId that cannot name a device; "" is fine.
func checkDeviceID(d cwmp.DeviceIdStruct) string {
	switch {
	case d.SerialNumber == "":
		return "DeviceId/SerialNumber is empty"
	case d.OUI == "":
		return "DeviceId/OUI is empty"
	case len(d.OUI) > maxDeviceIDField || len(d.SerialNumber) > maxDeviceIDField ||
		len(d.ProductClass) > maxDeviceIDField || len(d.Manufacturer) > maxDeviceIDField:
		return "DeviceId field longer than 64 characters"
	}
	return ""
}

// informRecord turns an Inform into what the store keeps of it. The data
// model's root is told by the parameter names; the fields an Inform
// updates come from the forced-inform parameters under that root.
func informRecord(inf *cwmp.Inform, devID string, ver cwmp.Version, ip string, now time.Time) store.Inform {
	d := store.Device{
		ID:           devID,
		OUI:          inf.DeviceId.OUI,
		ProductClass: inf.DeviceId.ProductClass,
		SerialNumber: inf.DeviceId.SerialNumber,
		Manufacturer: inf.DeviceId.Manufacturer,
		LastInform:   now,
		IP:           ip,
		CWMPVersion:  ver.String(),
	}
	params := make([]store.Param, len(inf.ParameterList))
	for i, p := range inf.ParameterList {
		typ := p.Type
		if typ == "" {
			typ = "string"
		}
		params[i] = store.Param{Name: p.Name, Value: p.Value, Type: typ, Updated: now}
		if d.Root == "" {
			d.Root = rootOf(p.Name)
		}
	}
	if d.Root != "" {
		for _, p := range inf.ParameterList {
			rest, ok := strings.CutPrefix(p.Name, d.Root)
			if !ok {
				continue
			}
			switch rest {
			case "DeviceInfo.SoftwareVersion":
				d.SoftwareVersion = p.Value
			case "DeviceInfo.HardwareVersion":
				d.HardwareVersion = p.Value
			case "ManagementServer.ConnectionRequestURL":
				d.ConnectionRequestURL = p.Value
			case "ManagementServer.ParameterKey":
				d.ParameterKey = p.Value
			}
		}
	}
	events := make([]store.Event, len(inf.Event))
	boot := false
	for i, e := range inf.Event {
		events[i] = store.Event{Code: string(e.EventCode), CommandKey: e.CommandKey}
		boot = boot || e.EventCode == cwmp.EventBoot
	}
	return store.Inform{Device: d, Events: events, Params: params, Time: now, Boot: boot}
}

// rootOf returns the data model root a parameter name lives under.
func rootOf(name string) string {
	switch {
	case strings.HasPrefix(name, "Device."):
		return "Device."
	case strings.HasPrefix(name, "InternetGatewayDevice."):
		return "InternetGatewayDevice."
	}
	return ""
}

func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
