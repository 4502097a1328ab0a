// Package store keeps the cpe-agent's durable state in one bbolt file: the
// pending Inform events, persisted parameter values, instance numbers,
// parameter attributes, transfers, scheduled informs and a little session
// bookkeeping. It is shaped by what a TR-069 agent needs, not a generic
// key-value API; every method that writes commits (and fsyncs) before it
// returns, and Update groups several writes into one atomic commit.
//
// # Layout
//
// One top-level bucket per concept: meta (schema version, boot id,
// bootstrap, retry count, connection-request credentials, last session),
// events (key: big-endian sequence), values (key: parameter path), instances
// (one sub-bucket per table path; its bbolt sequence is the table's instance
// counter), attributes (key: parameter path), transfers and schedule (key:
// big-endian id). Records are JSON so that `bbolt` tooling and a field
// engineer can read them.
//
// # bbolt settings, chosen for routers
//
//   - Lock timeout 1 s (Options.LockTimeout): a second agent on the same file
//     fails at once with ErrLocked instead of hanging.
//   - InitialMmapSize 1 MiB: the whole expected file (tens to a few hundred
//     KiB) fits, so a write never has to wait for readers to remap. It costs
//     address space only, not RAM, and 1 MiB is nothing even on 32-bit MIPS.
//   - AllocSize 64 KiB: how far the file grows past what it needs each time
//     it must grow. bbolt's default (16 MiB) would, with the 1 MiB map, make
//     every store a 1 MiB file; on a router overlay with a few MiB free the
//     file should hold its data plus at most 64 KiB of slack. Growing costs
//     a truncate and an fsync, rare at the agent's rate of growth.
//   - MaxSize 8 MiB (Options.MaxSize): a runaway bug fills the store, not
//     the router's overlay; writes then fail with ErrFull.
//   - NoFreelistSync stays false. With it, bbolt rebuilds the freelist at
//     open by walking the file in a goroutine of its own, where a corrupt
//     page panics beyond any recover and kills the agent. Syncing the
//     freelist costs one extra page write per commit, which is nothing at the
//     agent's write rate (a few commits per session).
//   - NoSync and NoGrowSync stay false: every commit is fsync'd, so what a
//     method returned survives a power cut.
//
// # Damaged files
//
// bbolt trusts its file. On a damaged one it may panic, fault on the memory
// map (truncation), allocate without bound (a bogus freelist count) or loop
// forever (a branch page pointing back at an ancestor); its own Check runs
// on a goroutine where a fault cannot be recovered. So before bbolt sees
// the file, Open takes the file lock and validates the whole structure
// with ordinary reads (validate.go): meta checksums, file size, every
// branch, leaf and bucket page, key order, the freelist, no page reached
// twice. A file that fails gives ErrCorrupt, and the agent can Quarantine
// it and start fresh. As a second line, every bbolt call runs with memory
// faults turned into panics and panics into ErrCorrupt.
//
// # Secrets
//
// Connection-request credentials and transfer passwords are stored in the
// clear (the file is mode 0600, like the rest of the router's config), but
// they never appear in an error, a String, GoString or slog value.
package store
