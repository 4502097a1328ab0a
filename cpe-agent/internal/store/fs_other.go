//go:build !linux

package store

// checkFilesystem has nothing to check off Linux: JFFS2 is Linux-only, and
// a failed mmap on another system is still explained by explainOpenError.
func checkFilesystem(string, func(string) (int64, error)) error { return nil }
