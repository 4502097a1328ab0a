package loadgen

// FilesNeeded estimates the descriptors a run holds at once: one socket
// per concurrent session plus a margin for the runtime, listeners and
// files. (The baseline server runs in a process of its own.)
func FilesNeeded(concurrency int) uint64 {
	return uint64(concurrency) + 64
}
