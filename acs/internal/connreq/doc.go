// Package connreq wakes devices: it asks a CPE to open a CWMP session now
// (TR-069 §3.2.2 Connection Request) instead of at its next periodic
// Inform, so API tasks with ?wait= and campaigns do not wait an hour.
//
// A Dispatcher is the one entry point (Waker). For each wake it looks the
// device up, takes a token from a fleet-wide bucket (a boot storm of API
// calls must not become a storm of requests), takes one of a bounded
// number of slots, and tries its channels in order. A second wake for a
// device that is already being woken joins the first rather than sending
// another request. Channels are ordered by preference: MQTTChannel first
// (it reaches devices behind NAT, and only devices connected to the broker
// are tried there), then HTTPChannel, the standard one.
//
// A device that answers busy (503: its own connection-request rate limit,
// or a session in progress) is asked again after a jittered, doubling
// pause (Options.BusyRetry), for as long as the caller's deadline allows:
// an API task's ?wait= bounds the wake, so the wake does not give up
// while the caller still waits. Each try takes a fresh token, so retries
// are paced fleet-wide like first tries.
//
// HTTPChannel sends GET to the device's ConnectionRequestURL with HTTP
// Digest (the connection-request credentials the ACS set in its first
// session) and reads the answer as genieacs does: 200/204 accepted; 401
// after credentials, bad credentials; 503, busy; connection refused, reset
// or timed out, offline. Only plain http:// URLs without userinfo are used
// (the spec has no TLS here), and never to link-local, multicast or
// unspecified addresses, which a device could report to aim the ACS at
// cloud metadata services.
//
// Nothing here logs; results and errors never carry a password, and
// errors name the device's host, not its URL path (which TR-069 suggests
// be random per CPE).
//
// The bucket is per process. Several ACS nodes each pace at Rate until
// pacing moves to the store (see ARCHITECTURE.md, "Toward ISP scale");
// Limiter is the seam for that.
package connreq
