// Package update performs the transfers the ACS asks for: it is the
// session's Executor and Resumer behind Download, ScheduleDownload and
// Upload.
//
//   - Download "1 Firmware Upgrade Image": a signed package
//     (firmware/image) streamed over HTTP(S) straight into the inactive
//     slot (firmware/slot), hashes checked on the fly, nothing buffered
//     whole; then the slot boots on trial and is committed only after an
//     Inform reaches the ACS.
//   - Download "3 Vendor Configuration File": stored in the data directory
//     (atomically) and handed to the platform's ApplyConfig.
//   - Upload "1 Vendor Configuration File" and "2 Vendor Log File": HTTP PUT
//     to the URL given, with the credentials given.
//
// # States
//
// The session's TransferQueue saves TransferTransferring before Execute.
// From there each state is saved (store.EnterTransferState, together with
// the progress record in Transfer.Data) before its work begins, so a
// restart resumes from one switch in Resume:
//
//	transferring  fetch, verify, write the slot; checkpoints every
//	              CheckpointBytes (slot synced, then the verifier's state —
//	              offset, header and running SHA-256 — saved); a restart
//	              continues with an HTTP Range request from the checkpoint
//	installing    arm the slot for a trial boot (MarkBootOnce)
//	rebooting     reboot; the same boot after a restart reboots again, a
//	              new boot on the new slot goes to verifying, one on the old
//	              slot (the bootloader fell back) to rolling-back
//	verifying     wait for an established session (Inform answered) until
//	              HealthDeadline; then commit (MarkGood) and succeed, or
//	              reboot so the bootloader counts the failed trial
//	rolling-back  the old image runs again: the new slot is marked bad and
//	              the transfer fails with 9010
//
// A loop breaker fails the transfer once it has entered states more than
// MaxStateSaves times (a crash or reboot loop), rebooting first while the
// new image still runs on trial so that the bootloader falls back.
//
// # Faults (TransferComplete)
//
//	9010  wrong board, no slots, install or apply failed, rolled back,
//	      loop breaker, unsupported file type
//	9011  upload failed
//	9012  the file server refused the credentials (401/403) or its TLS
//	      certificate did not verify (verification is never turned off)
//	9015  the file server could not be reached
//	9016  the file server answered with an error for the file
//	9017  the download kept breaking off and retries ran out
//	9018  package corrupted: hash mismatch, truncated, trailing bytes,
//	      malformed header, file larger than allowed
//	9019  package not signed by a trusted key
//	9020  a ScheduleDownload did not finish within its time windows
//
// A successful firmware upgrade is reported after the commit, in the
// session that follows the first established session of the new image:
// "7 TRANSFER COMPLETE" and "M Download" come from the transfer record, so
// they are never sent without the TransferComplete they announce.
package update
