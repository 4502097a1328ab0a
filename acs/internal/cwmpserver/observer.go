package cwmpserver

import (
	"time"

	"gatewarden/protocol/cwmp"
)

// Observer receives the endpoint's metrics events; the API package adapts
// it to Prometheus. Calls come from request goroutines concurrently and
// must not block. Gauges (in-flight requests, open sessions) are read
// from Server.Stats instead.
type Observer interface {
	SessionStarted()
	// SessionEnded reports how a session ended (one of the Outcome
	// constants) and how long it lasted.
	SessionEnded(outcome string, d time.Duration)
	// RPCSent counts requests the ACS sent, by method.
	RPCSent(method string)
	// CPERequest counts requests a CPE sent (Inform, TransferComplete ...).
	CPERequest(method string)
	// FaultSent counts CWMP faults the ACS answered with; FaultReceived
	// those a CPE answered an ACS request with.
	FaultSent(code cwmp.FaultCode)
	FaultReceived(code cwmp.FaultCode)
	// Rejected counts requests refused at the HTTP level, by reason (one of
	// the Reject constants) and status.
	Rejected(reason string, status int)
}

// Session outcomes.
const (
	OutcomeOK        = "ok"        // 204 after the CPE's empty POST
	OutcomeExpired   = "expired"   // the CPE did not come back in time
	OutcomePreempted = "preempted" // the device started a new session
	OutcomeAbandoned = "abandoned" // the answer could not be delivered
	OutcomeLimit     = "limit"     // MaxRPCsPerSession reached
	OutcomeError     = "error"     // a store or Work failure ended it
	OutcomeClosed    = "closed"    // the server shut down
)

// Reasons for Rejected.
const (
	RejectOverload        = "overload"         // 503: no slot for a new session or request
	RejectLeaseBusy       = "lease_busy"       // 503: the device is in session elsewhere
	RejectStore           = "store"            // 503: the store failed
	RejectChallenge       = "challenge"        // 401: no or stale credentials, the normal first Digest step
	RejectUnauthorized    = "unauthorized"     // 401: wrong credentials
	RejectAuthUnavailable = "auth_unavailable" // 503: credentials could not be derived
	RejectForbidden       = "forbidden"        // 403: authenticated as another device
	RejectMethod          = "method"           // 405
	RejectMediaType       = "media_type"       // 415
	RejectTooLarge        = "too_large"        // 413
	RejectBusySession     = "busy_session"     // 409: a second request of one session at once
	RejectReadFailed      = "read_failed"      // 408: the body did not arrive in time
)

// NopObserver ignores everything; embed it to implement only some methods.
type NopObserver struct{}

func (NopObserver) SessionStarted()                    {}
func (NopObserver) SessionEnded(string, time.Duration) {}
func (NopObserver) RPCSent(string)                     {}
func (NopObserver) CPERequest(string)                  {}
func (NopObserver) FaultSent(cwmp.FaultCode)           {}
func (NopObserver) FaultReceived(cwmp.FaultCode)       {}
func (NopObserver) Rejected(reason string, status int) {}
