// Package crashtest kills the agent with SIGKILL at random moments and
// checks that nothing it promised is lost. It has no code of its own
// outside its tests: `go test` is the tool.
//
// # One run
//
// The test binary re-executes itself as the device: a child process
// running agent.Run on the sim platform (real tree, real bbolt store in a
// temporary directory, real clock, real connection-request listener)
// against a scripted ACS peer in the parent. While the child runs, the
// peer sets attributes (SetParameterAttributes), queues Downloads the
// device cannot install and ScheduleInforms, sometimes fails a session,
// the parent sends connection requests, and the child makes local changes
// through the sim provider on the parent's command, acknowledging each
// once LocalChange has returned. At a random moment the parent kills the
// child with SIGKILL, opens the state itself (it must open cleanly), then
// restarts the child and lets it drain.
//
// # What is checked
//
//   - Nothing acknowledged is lost. Every event queued in the store at the
//     kill is delivered after the restart (in an Inform the peer answered);
//     every transfer in the store is reported by a TransferComplete the
//     peer acknowledged; every Download and ScheduleInform the peer got a
//     response to is reported in the end; the last acknowledged local
//     change of each notified parameter reaches the ACS in an Inform with
//     "4 VALUE CHANGE" (that value or a later one); acknowledged attributes
//     and connection-request credentials are in force after the restart.
//   - Nothing the spec drops comes back. No "1 BOOT" or "0 BOOTSTRAP"
//     after a restart in the same boot unless the store still held it; no
//     "6 CONNECTION REQUEST" after a restart before a new connection
//     request; a session that failed with "6 CONNECTION REQUEST" does not
//     pass it to the next session; "M Download"/"M ScheduleInform" after a
//     restart only when the store held the transfer or schedule.
//   - The state opens cleanly after every kill, and SIGTERM ends the
//     restarted agent with exit status 0.
//
// # Runs
//
// `make test` runs 50 (GATEWARDEN_CRASH_RUNS overrides; `make bench` sets
// 500). GATEWARDEN_CRASH_SEED replays a failing run's random choices; the
// seed is logged.
package crashtest
