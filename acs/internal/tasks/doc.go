// Package tasks runs the ACS's per-device work in CWMP sessions: it turns
// store.Task records into RPCs, their answers into results and faults,
// and preset differences into SetParameterValues. Runner implements
// cwmpserver.Work.
//
// # Order within a session
//
//  1. the second RPC of a two-step task (refresh: GetParameterNames, then
//     GetParameterValues);
//  2. addObject tasks that took effect before a crash, whose instance
//     number a GetParameterNames finds again;
//  3. queued tasks, highest priority first (support > operator > campaign
//     > preset), oldest first among equals, NotBefore respected;
//  4. once per session, the preset difference from the Reconciler, as one
//     SetParameterValues with the Reconciler's ParameterKey.
//
// # Task types and results
//
//	getParameterValues {"parameters":[...]}        {"values":[{"name","value","type"}]}
//	setParameterValues {"values":[{name,value,type?}]} {"status":0|1}
//	addObject {"object":"X.Y."}                     {"instanceNumber":N,"status":0|1}
//	deleteObject {"object":"X.Y.N."}                {"status":0|1}
//	reboot, factoryReset                           {}
//	download {"url","fileType"?,"fileSize"?,"targetFileName"?}
//	                                               {"status","startTime","completeTime"}
//	refresh {"prefix"}                             {"parameters":N}
//	setParameterAttributes {"attributes":[{name,notification}]} {}
//
// Types of values to set default from the standard data model (TR-181
// under "Device.", TR-098 under "InternetGatewayDevice."), and values are
// checked against it (range, enumeration, writability) before anything is
// sent: a task that breaks the schema fails with the fault a CPE would
// give (9005-9008). Vendor parameters the schema lacks go as given
// (string by default). Answers also refresh the parameter cache
// (store.SaveParams), so the API's parameter view and the preset
// difference see them; deleteObject and refresh drop what the device no
// longer has. A download's "file" becomes a URL once the files service
// exists; until then "url" is required. While a task runs, its result
// holds its execution phase ({"phase":"sent"|"applied"|"accepted"}).
//
// # Exactly once across crashes
//
// Before a task's RPC goes out, the task is durably marked running with
// its attempt counted and a unique key (ParameterKey for
// SetParameterValues, AddObject, DeleteObject; CommandKey for Reboot and
// Download). If the answer is lost (the session broke, or the ACS died
// before recording it), the next Inform settles the task (see Start):
// ParameterKey equal to the task's key means SetParameterValues,
// AddObject or DeleteObject took effect; "M Reboot" or "M Download" with
// the key mean the reboot or download happened; "0 BOOTSTRAP" means a
// factory reset did; otherwise the task is sent again with the same key.
// An addObject that took effect has lost its instance number: the session
// looks at the table with GetParameterNames and reports the highest
// instance (exact for CPEs that number instances upwards, which TR-069's
// "never reused" practically means), with "recovered": true. Reads
// (getParameterValues, refresh, setParameterAttributes) are simply sent
// again.
//
// The ParameterKey only names the last change applied, so it is
// conclusive only if nothing else changed the device after the lost
// request: a session therefore records each answer before sending the
// next request, and stops sending once an answer to a changing request is
// lost or cannot be recorded. A device whose Inform omits
// ManagementServer.ParameterKey (it is forced-inform) gets its changing
// tasks sent again after a crash.
//
// A download accepted with Status 1 stays running until its
// TransferComplete, which Report matches by CommandKey; a lost
// DownloadResponse is followed by a new Download unless the next Inform
// carries "M Download" with the key.
//
// # Retries and faults
//
// 9002, 9004 and 8005, and a lost answer to a read, queue the task again
// after RetryBase·2^(attempt-1) (±20 %, at most RetryMax), until
// MaxAttempts sends; every other fault ends the task with status fault
// and is recorded with store.AddFault. A preset difference that faults is
// recorded with Fault.Task "preset:KEY" and not sent again for
// PresetRetryAfter unless the difference (and its key) changes.
//
// # Waiting
//
// Wait returns when a task is done or faulted: at once when this node
// completes it, and by polling the store every PollInterval when another
// node does.
package tasks
