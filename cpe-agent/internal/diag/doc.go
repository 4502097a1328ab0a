// Package diag runs the TR-143 diagnostics the ACS requests through
// Device.IP.Diagnostics: IPPing, TraceRoute, DownloadDiagnostics and
// UploadDiagnostics. The probes are real on every platform (the sim
// platform included): ICMP echo over a raw socket, or an unprivileged
// ping socket where the kernel allows one, and HTTP transfers.
//
// State follows TR-143. The ACS writes DiagnosticsState = "Requested"
// (the only value it may write; anything else is 9007); the test starts
// when the session that requested it has ended, and when it finishes the
// agent raises "8 DIAGNOSTICS COMPLETE", which opens a new session.
// Writing an input parameter aborts a running test and sets the state to
// None, except while the test is requested and not yet started: an SPV
// that carries both the inputs and "Requested", in any order, runs the
// test with the new inputs.
//
// Results live in memory: a restart of the agent reads as None, as after
// a reboot. Every test is bounded in time (Limits.MaxDuration) and the
// transfers in bytes (Limits.MaxBytes), whatever the ACS asks for.
//
// The probes are also exported (Ping, TraceRoute, Download, Upload) for
// the field engineer's page and the `cpe-agent diag` command, which run
// them without touching the TR-181 state.
package diag
