// Package cwmpserver is the ACS's CWMP endpoint: an http.Handler for
// POST /cwmp that runs each CPE's session (TR069-DIGEST §1.2) and hands
// the choice of what to ask to a Work (the tasks package).
//
// # A session
//
//	Inform           authenticate (Digest), check headers and DeviceId,
//	                 negotiate the version, take the device lease, record
//	                 the Inform durably (store.RecordInform), Work.Start,
//	                 then InformResponse (MaxEnvelopes 1, the CPE's
//	                 namespace, UseCWMPVersion when the CPE listed its
//	                 versions) with a session cookie
//	CPE request      TransferComplete and the other completion reports go
//	                 to Work.Report and are acknowledged once recorded;
//	                 GetRPCMethods is answered with this ACS's methods;
//	                 RequestDownload and Kicked get 8000
//	empty POST, or   the answer goes to Work.Done; then the next request:
//	an answer        first the connection-request credentials in a
//	                 device's first session, then Work.Next; nothing left:
//	                 the lease is released and 204 ends the session
//
// Refusals: 405 for anything but POST; 415 for a Content-Type other than
// text/xml (application/xml and none are tolerated; application/soap+xml
// is SOAP 1.2) or a compressed body; 413 for a message over
// MaxMessageBytes, announced or found while reading (never read whole);
// 408 for a body that does not arrive within the http.Server's
// ReadTimeout; 401 (Digest challenge) without valid credentials; 403 when
// they belong to another serial number than the Inform's; 409 for a
// second request of one session at once; 503 with a jittered Retry-After
// when overloaded, when the device is in session elsewhere, or when the
// store fails. CWMP faults go as 200 with a SOAP Fault (CPEs read faults
// only from 200 answers): the DecodeError's ACSFault for an unreadable
// message (8003, 8000 for an unknown method, 8004), 8003 for HoldRequests
// or UseCWMPVersion from a CPE and for SessionTimeout or
// SupportedCWMPVersions outside an Inform, 8006 when no version is
// shared, 8005 when a report could not be recorded. An empty POST without
// a session, and an answer without one, get 204; any other message
// without a session gets 8003.
//
// # Sessions across connections and nodes
//
// A session's state (device, version, namespace, outstanding request,
// message IDs) lives in a node-local table keyed by the random session
// cookie "gwsession", so a session survives a new TCP connection. A load
// balancer in front of several nodes must route by that cookie (or by
// client address). One session per device at a time is the store's
// device lease, held as "node/session": released on every way a session
// ends (204, a failed Inform after the lease was taken, an answer that
// cannot be delivered, preemption, the idle sweep after
// SessionIdleTimeout, Close), renewed at half its TTL, and expiring by
// itself when a node dies. A new Inform from a device whose earlier
// session on this node went quiet (PreemptIdle), or that says its last
// session failed (RetryCount > 0), ends the old session at once; a device
// that is in session elsewhere waits up to LeaseWait, then gets 503.
//
// # Authentication
//
// HTTP Digest (qop=auth, MD5) through protocol/digest. The username is the
// serial number (or a device ID whose serial part counts); the password is
// cpeauth.Password(fleet secret, serial), and the authenticated serial
// must be the Inform's. Nonces are signed with a key derived from the
// fleet secret, so every node accepts every node's nonces. Requests
// within a session are authenticated by the session cookie, a 128-bit
// random secret. Basic is accepted only over TLS (AllowBasicOverTLS).
// InsecureCPEAuth turns authentication off for labs.
//
// # What the assembling code must do
//
//   - Mount the Server at /cwmp on the CWMP listener (:7547), over TLS
//     when configured: TLS is the http.Server's business.
//   - Give that http.Server the timeouts of ConfigureHTTPServer
//     (ReadHeaderTimeout 10 s, ReadTimeout 30 s, WriteTimeout 30 s,
//     IdleTimeout 60 s, MaxHeaderBytes 16 KiB). The body limit is
//     Config.MaxMessageBytes.
//   - Shut the http.Server down first, then call Close, which ends the
//     open sessions and releases their leases.
//   - Metrics: implement Observer (sessions by outcome with duration, RPCs
//     by method, CPE requests, faults sent and received by code, refusals
//     by reason) and read Stats for the in-flight and open-session gauges.
//   - Warn at start when InsecureCPEAuth is set.
//
// Secrets (connection-request passwords, Digest material) never reach a
// log line.
package cwmpserver
