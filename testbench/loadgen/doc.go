// Package loadgen is the testbench's load generator: simulated CPEs that
// speak only standard CWMP (TR-069) over HTTP, so it can be pointed at any
// ACS, and the figures of a run: sessions per second, session latency,
// rejections (503) and errors.
//
// # Sessions
//
// A session is what a CPE does: a new TCP connection; POST Inform; 200
// InformResponse; an empty POST (no Content-Type, no SOAPAction,
// Content-Length 0); the ACS's requests, if any, each answered in the next
// POST; 204; close. A Digest challenge is answered on the same connection,
// so a session costs exactly one connection unless the ACS closes it
// mid-session (then the session goes on over a new one and the report
// counts a reconnect). Cookies live for one session. Latency is the wall
// time of a whole successful session, connect to 204.
//
// The HTTP client is written for this: one TCP connection per session,
// the request built in a reused buffer and sent with one write, responses
// parsed by net/http's ReadResponse, no background goroutines. The Inform
// is encoded once per run with markers and patched per session (ID, serial
// number, time); an InformResponse is decoded in full once per worker and
// then recognised by its bytes around the echoed ID. Devices whose state
// the ACS changed are encoded in full. So the client's cost is dominated by
// the kernel's work for the connection, which any CPE pays too.
//
// # Devices
//
// Device n has OUI 00005E, ProductClass TB and serial TB000001 onwards
// (Config.FirstDevice lets several processes split a fleet). Informs carry
// the forced-inform parameters the generated TR-181 schema lists, with
// plausible values; ConnectionRequestURL points at the discard port on
// loopback. Devices are dumb CPEs (see cpe.go): they answer
// GetParameterValues, SetParameterValues and the other common requests
// minimally and remember what the ACS wrote, including the ParameterKey,
// which later Informs report; other requests get fault 9000.
//
// A device's Digest username is its serial number and its password comes
// from Config.Password (the ACS's fleet derivation in the testbench
// command). By default each session takes a fresh challenge, as most CPEs
// do (TR-069: a new nonce and cnonce per connection); Config.ReuseNonce
// answers the device's last nonce pre-emptively in its next session
// instead, which CPEs may do and which spares the ACS a round trip.
//
// # Scenarios and bounds
//
// Periodic (2 PERIODIC) runs for Config.Duration, devices taken round
// robin, each in at most one session at a time; with a zero duration every
// device does one session. BootStorm (1 BOOT, optionally with 0
// BOOTSTRAP) always does one session per device at full concurrency; a
// duration then is only a deadline. After the deadline no session starts;
// sessions under way finish (each exchange bounded by
// Config.RequestTimeout) and count. A 503 counts as rejected, whatever its
// Retry-After: the device goes back in the queue and the worker takes the
// next one, so no worker sleeps past the run's end. Redirects are not
// followed (an error). A session answers at most 64 ACS requests.
//
// Targets are loopback hosts only (127.0.0.0/8, ::1, localhost, and the
// name must resolve to loopback) unless Config.AllowRemote is set; the
// address is resolved once per run.
//
// # Baseline
//
// Baseline is a bare net/http server doing the same two round trips with
// the same payloads and no logic (no decoding, no authentication). The
// testbench command runs the same configuration against it, with the same
// client, to report the ratio of an ACS's rate to what the machine and the
// client reach with no ACS at all.
package loadgen
