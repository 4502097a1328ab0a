// Package connreq is the CPE's HTTP Connection Request listener (TR-069
// §3.2.2, TR069-DIGEST §6.1): the ACS sends a GET to
// ManagementServer.ConnectionRequestURL, the listener authenticates it with
// HTTP Digest against ConnectionRequestUsername/Password, answers 200 with an
// empty body at once, and only then asks the session for a session carrying
// "6 CONNECTION REQUEST".
//
// # Answers
//
//	wrong path                      404
//	method other than GET           405 (Allow: GET)
//	over the rate limit             503, no Retry-After (TR069-DIGEST §6.1)
//	no or bad credentials           401 with a fresh Digest challenge
//	credentials store unavailable   503 (digest.Server.Reject)
//	authenticated                   200, Content-Length 0, then Trigger
//
// The path check comes first so that scanners probing other paths cost
// nothing and never use up the rate limit; the rate limit comes before
// authentication because Digest verification is the expensive part. Every
// GET on the right path counts against the limit, challenged ones included
// (a Digest exchange costs two), as icwmp counts them.
//
// A request that fails authentication never triggers a session. Several
// requests before a session starts, or during one, are each answered; the
// session package coalesces their triggers into one session after the
// current one (it never aborts a running session).
//
// # Credentials
//
// Options.Credentials is read on every request, so a change the ACS makes
// in a session applies to the next request. An empty username refuses
// everything: until the ACS has set credentials there is nobody to
// authenticate. Credentials never reach a log line.
//
// # Limits
//
// The listener is on the WAN side, so every limit is small: 4 KiB of
// headers, read-header, read, write and idle timeouts, and at most 4 KiB of
// body, which is read and discarded (the spec says the CPE ignores it).
//
// # Path
//
// The path is the random part of the URL, fresh per listener unless
// Options.Path fixes it (the agent keeps it stable across restarts, since
// the ACS learns the URL only from the next Inform).
//
// Short critical sections unlock explicitly rather than by defer: the
// router build has no inlining, so each deferred Unlock costs a wrapper
// function and exit code, and nothing in them can panic.
package connreq
