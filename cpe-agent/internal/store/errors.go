package store

// Errors callers can test with errors.Is. The messages they are wrapped in
// carry the path and what to do.
var (
	// ErrLocked: another process (usually a second agent) holds the file.
	ErrLocked error = &sentinel{"locked by another process"}
	// ErrUnsupportedFS: the filesystem cannot memory-map the file (JFFS2).
	ErrUnsupportedFS error = &sentinel{"filesystem cannot hold the store"}
	// ErrCorrupt: the file is damaged or not a store; Quarantine it.
	ErrCorrupt error = &sentinel{"store file is corrupt"}
	// ErrNewerSchema: a newer agent wrote a layout this one cannot read.
	ErrNewerSchema error = &sentinel{"store was written by a newer, incompatible agent"}
	// ErrNotFound: the record named in a call does not exist.
	ErrNotFound error = &sentinel{"not found"}
	// ErrFull: the file reached Options.MaxSize.
	ErrFull error = &sentinel{"store reached its size limit"}
)

// sentinel is what errors.New returns, declared here so that the package's
// fixed errors are data the linker lays out rather than errors.New calls
// at init (about 90 bytes of router code each).
type sentinel struct{ s string }

func (e *sentinel) Error() string { return e.s }
