// Package acstest is a scripted ACS peer for testing CWMP clients: an
// httptest server on 127.0.0.1 speaking TR-069 through protocol/cwmp, whose
// every answer is chosen by the test. It is a test helper, not the real ACS:
// it keeps no inventory, runs no tasks and forgives nothing on its own.
//
// # Model
//
// The server groups the CPE's POSTs into sessions. An Inform opens a new
// session unless it repeats, with the same cwmp:ID, the Inform of a session
// that has not been sent an InformResponse yet: an Inform resent after fault
// 8005, after a redirect or after a 401 belongs to the session it retries,
// while a retry after a failed session is a new Inform with a new ID. A session ends when the test answers the CPE's empty
// POST with an empty response (204, or 200 without a body), answers with an
// HTTP error status or with a fault other than 8005 to the Inform, when the
// CPE goes away before its answer was written, or when a new Inform
// supersedes it. An empty response to a CPE response does not end it: a
// CPE that held requests (HoldRequests) sends them next.
//
// Each POST becomes an Exchange that waits, its HTTP handler blocked, until
// the test answers it with Exchange.Reply. Tests take sessions with
// Server.NextSession and exchanges with Session.Next, or use the typed
// expectations (ExpectInform, ExpectEmpty, Expect, Call) whose errors say
// what arrived instead; Session.Finish plays a well-behaved ACS to the end of
// the session, and Session.Run executes a list of Steps.
//
// # What is recorded
//
// Every HTTP request, including those refused with 401 before a session
// could be told apart, is kept as a Record: method, path, headers, cookies,
// raw body, the decoded envelope, the remote address (one TCP connection per
// session shows as one RemoteAddr), TLS, the status answered and when
// (Options.Now lets a test stamp records with its fake clock). A 401 refused
// outside a session is attached to the session the next accepted POST
// opens, so Session.Records shows the whole conversation.
//
// # Authentication and TLS
//
// With Options.Username set every request must authenticate with HTTP Digest
// (protocol/digest, qop=auth, MD5), or with Basic over TLS when
// Options.AllowBasic is set. Options.ChallengeClose adds Connection: close to
// each 401, forcing the client onto a new connection. Options.TLS serves
// https with httptest's certificate (valid for 127.0.0.1); CertPool returns
// the pool a client needs to verify it.
//
// # Time
//
// Reply.Delay waits in real time (HTTP timeouts are real), and gives up as
// soon as the client disconnects. Tests of response timeouts therefore make
// the client's timeout short (the session package's ResponseTimeout) rather
// than waiting 30 s.
package acstest
