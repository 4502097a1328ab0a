package store

import "errors"

// Errors callers can test with errors.Is. The messages they are wrapped in
// carry the path and what to do.
var (
	// ErrLocked: another process (usually a second agent) holds the file.
	ErrLocked = errors.New("locked by another process")
	// ErrUnsupportedFS: the filesystem cannot memory-map the file (JFFS2).
	ErrUnsupportedFS = errors.New("filesystem cannot hold the store")
	// ErrCorrupt: the file is damaged or not a store; Quarantine it.
	ErrCorrupt = errors.New("store file is corrupt")
	// ErrNewerSchema: a newer agent wrote a layout this one cannot read.
	ErrNewerSchema = errors.New("store was written by a newer, incompatible agent")
	// ErrNotFound: the record named in a call does not exist.
	ErrNotFound = errors.New("not found")
	// ErrFull: the file reached Options.MaxSize.
	ErrFull = errors.New("store reached its size limit")
)
