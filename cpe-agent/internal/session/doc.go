// Package session is the agent's CWMP client (TR-069 §3.7; the rules are
// quoted from ../shared/TR069-DIGEST.md, cited as D§n): it keeps the Inform
// event queue in the store, decides when to open a session, runs the
// session's exchanges, answers the ACS's requests through the Model,
// Transfers and Platform interfaces, and carries out what a session leaves
// behind.
//
// # Events: where each lives and when it goes
//
// Every event is durable before the session that carries it starts
// (committed and fsync'd by the store), except 6, which is never retried
// and so has nothing to survive. "IR" is the InformResponse.
//
//	event                      kept as                       dropped                              source
//	0 BOOTSTRAP                queue entry; queued at start  at IR, recording the URL it went to;  D§2.2, D§3.2 FactoryReset
//	                           when the bootstrap record     survives reboots
//	                           lacks the current URL, and
//	                           when ManagementServer.URL
//	                           changes (Watch)
//	1 BOOT                     queue entry, on a new boot id at IR; replaced on the next new boot   D§2.2; ARCHITECTURE (boot id)
//	2 PERIODIC                 queue entry at each boundary  at IR                                 D§1.8, D§2.2 (icwmp persists)
//	3 SCHEDULED +              scheduled-inform record until at IR                                 D§3.2 ScheduleInform
//	M ScheduleInform(key)      due, then both as queue
//	                           entries in the same commit
//	4 VALUE CHANGE             queue entry (ValueChanged)    at IR (and model.InformDelivered);    D§2.2, D§5
//	                           and whenever the model has    on a new boot (with OnNewBoot)
//	                           unreported changes
//	6 CONNECTION REQUEST       memory only                   at IR, or when its session fails;     D§2.2 (icwmp, easycwmp)
//	                                                         a failed session whose only event
//	                                                         it was is not retried
//	7 TRANSFER COMPLETE +      the transfer record, in       when the ACS answers the transfer's   D§2.2 (easycwmp), D§3.3
//	M Download/Upload/         state completed (one 7 for    TransferComplete with
//	ScheduleDownload(key)      all, one M per transfer)      TransferCompleteResponse; survives
//	                                                         reboots
//	8 DIAGNOSTICS COMPLETE     queue entry (AddEvent)        at IR; on a new boot                  D§2.2
//	M Reboot(key)              queue entry, written after    at IR                                 D§3.2 Reboot
//	                           the session and before
//	                           Platform.Reboot
//	others (13, X <OUI> ...)   queue entry (AddEvent)        at IR                                 D§2.2
//
// A new boot (BootID differs from the recorded one) runs OnNewBoot, then in
// one commit drops 1, 4 and 8 and queues the new 1 BOOT with the new boot id;
// a restart of the agent alone changes nothing. An Inform carries each
// single event once and each "M" event once per CommandKey, at most 64
// (the rest wait for the next session). Transfer events come from records
// rather than queue entries so that "7 TRANSFER COMPLETE" can never be sent
// without the TransferComplete it announces, whatever a crash interrupts.
//
// # A session (D§1.2)
//
// One Inform first (cwmp-1-2, SupportedCWMPVersions "1.0,...,1.4" with
// mustUnderstand=0 and SessionTimeout, both on the Inform only); the rest
// of the session speaks the ACS's namespace, and each answer the namespace
// of the request it answers. The reply to an ACS request goes in the very
// next POST with its cwmp:ID. The CPE's own requests (the TransferCompletes
// announced in the Inform, oldest first) go only while the ACS does not hold
// them (HoldRequests) and before the CPE's empty POST; held ones go after
// the ACS's empty answer. A 204, or a 200 with no body, to the empty POST
// ends the session. Fault 8005 to a CPE request resends the identical bytes,
// at most five times; another fault to the Inform fails the session,
// another fault to a TransferComplete ends that request (it stays owed for
// a later session).
//
// A session fails on: no connection or TLS, a 401 the Digest client cannot
// answer, no answer within ResponseTimeout (default 30 s, real time), an
// HTTP error status, more than 5 redirects in a row, an answer over 1 MiB,
// a fault to the Inform, or an ACS that breaks the exchange rules.
//
// # HTTP (D§1.1, D§1.6)
//
// Each session has its own Transport (one connection per host; when the ACS
// closes it cleanly between exchanges the session goes on over a new one),
// its own cookie jar, and its own Digest client. A 401 is answered on the
// same connection unless the ACS sent Connection: close. Basic goes out
// pre-emptively over https only and is never answered over http. TLS is 1.2
// or later and always verified, against RootCAs or the system roots. 302
// and 307 (also 301 and 308) are followed with the same POST, up to five in
// a row, and the new URL serves the rest of the session only. Envelopes go
// with Content-Type text/xml; charset="utf-8" and an empty SOAPAction; the
// empty POST has neither header and Content-Length 0.
//
// # When sessions happen
//
// A session starts when something asks for one: the agent's start with
// events queued, ConnectionRequest, AddEvent, an active ValueChanged (no
// sooner than DefaultActiveNotificationThrottle after the last session), a
// periodic boundary (PeriodicInformTime sets the phase, an Unknown Time
// gets a random one, changes are watched), a ScheduleInform falling due, a
// transfer finishing, a new ACS URL. Requests that come before a session
// starts make one session; requests during a session make one more after
// it; a running session is never cut short. After a failure that carried
// anything but 6, the retry waits a random time in
// [m·(k/1000)^(n−1), m·(k/1000)^n] s (n = RetryCount, capped at 10, from
// CWMPRetryMinimumWaitInterval and CWMPRetryIntervalMultiplier; D§1.7); a
// new request during the wait retries at once. RetryCount is persisted and
// returns to 0 with the next InformResponse. Nothing starts while
// EnableCWMP is false. All of this runs on Options.Clock.
//
// # After a session (D§1.2 rule 7)
//
// Reboot: "M Reboot"(key) is saved, then Platform.Reboot, and Run returns
// ErrRebooted. FactoryReset: the bootstrap record is cleared, then
// Platform.FactoryReset, and Run returns ErrFactoryReset (it wins over a
// Reboot in the same session). Downloads and uploads accepted in the
// session may start. These happen once the answer carrying their response
// reached the ACS, even if the session failed later.
//
// # Decisions where the spec is silent
//
//   - An agent restart during a retry backoff (same boot) waits out the
//     backoff with the persisted RetryCount; a new boot reports at once.
//   - A failed session that is not retried (6 only) leaves RetryCount alone.
//   - A session that fails after its InformResponse is retried like any
//     other, if anything is left to report by then.
//   - CancelTransfer of an unknown CommandKey is 9003; of a transfer that
//     started or finished, 9021.
//   - A transfer interrupted by a restart fails (9010/9011) unless the
//     Executor implements Resumer.
//   - ScheduleDownload windows in modes 3 and 4 run like mode 1: the agent
//     can tell neither idleness nor a user's confirmation.
//   - ftp is refused with 9013: the agent has no FTP client.
//   - Userinfo in ManagementServer.URL is ignored (net/http would send it
//     as Basic credentials, over plain http too).
//
// # Logging
//
// log/slog at Info for sessions (URL without userinfo, event codes,
// outcome) and refused requests (method and fault code); Debug for each
// exchange. Parameter values, passwords, transfer credentials and
// connection-request credentials are never logged. A model error's text
// goes to Debug only (a provider may quote a value in it); the ACS gets
// 9002 with the standard text.
package session
