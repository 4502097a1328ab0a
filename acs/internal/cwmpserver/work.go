package cwmpserver

import (
	"context"
	"time"

	"gatewarden/acs/internal/store"
	"gatewarden/protocol/cwmp"
)

// Work decides what the ACS asks of a device in a session and records what
// the device reports. The tasks package implements it. The server calls a
// session's methods one at a time, never concurrently.
type Work interface {
	// Start runs once per session, after the Inform is durable and before
	// the InformResponse is written: the place to learn from the Inform's
	// events and ParameterKey what earlier sessions achieved. An error
	// fails the Inform (503); the CPE retries later.
	Start(ctx context.Context, s *Session) error
	// Next returns the next RPC to send, with a ticket that comes back in
	// Done, or a nil rpc when there is nothing more to do in this session.
	Next(ctx context.Context, s *Session) (rpc cwmp.Body, ticket any, err error)
	// Done reports the CPE's answer to the RPC handed out with ticket: the
	// matching response, a *cwmp.Fault, or nil when no answer will come
	// (the session ended, the CPE sent something else, or its message was
	// unreadable).
	Done(ctx context.Context, s *Session, ticket any, resp cwmp.Body) error
	// Report records a request the CPE made (TransferComplete,
	// AutonomousTransferComplete, DUStateChangeComplete,
	// AutonomousDUStateChangeComplete) durably; the server acknowledges
	// it only after Report returned nil, and answers 8005 (retry) otherwise.
	Report(ctx context.Context, s *Session, req cwmp.Body) error
}

// Session is what Work sees of one CWMP session.
type Session struct {
	// ID is random and secret: it is the session cookie's value.
	ID string
	// DeviceID is the device's ID (datamodel.DeviceID.String()).
	DeviceID string
	// Device is the device as this session's Inform left it in the store,
	// kept current with the server's own changes (connection-request
	// credentials).
	Device store.Device
	// Events are the Inform's events.
	Events []cwmp.EventStruct
	// Version is the negotiated CWMP version; Namespace the cwmp URN every
	// message of the session is written in (the one the CPE used).
	Version   cwmp.Version
	Namespace string
	Started   time.Time
	// State belongs to Work: per-session scratch space the server never
	// touches.
	State any
}

// HasEvent reports whether the Inform carried the event code, and with
// which CommandKey (the first one, for an M event).
func (s *Session) HasEvent(code cwmp.EventCode) (commandKey string, ok bool) {
	for _, e := range s.Events {
		if e.EventCode == code {
			return e.CommandKey, true
		}
	}
	return "", false
}

// HasMethodEvent reports whether the Inform carried "M <method>" with the
// given CommandKey (an M event may repeat, once per key).
func (s *Session) HasMethodEvent(method, commandKey string) bool {
	code := cwmp.MethodEvent(method)
	for _, e := range s.Events {
		if e.EventCode == code && e.CommandKey == commandKey {
			return true
		}
	}
	return false
}
