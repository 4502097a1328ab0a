package image

import (
	"errors"
	"fmt"
)

// Sentinel errors: every verification failure matches exactly one with errors.Is.
var (
	ErrBadMagic          = errors.New("not a gatewarden firmware package (bad magic)")
	ErrUnsupportedFormat = errors.New("unsupported package format")
	ErrMalformedHeader   = errors.New("malformed package header")
	ErrNotSigned         = errors.New("package is not signed")
	ErrUnknownKey        = errors.New("package signed by an untrusted key")
	ErrBadSignature      = errors.New("package signature does not verify")
	ErrBoardMismatch     = errors.New("package does not fit this board")
	ErrTruncated         = errors.New("package is truncated")
	ErrTrailingData      = errors.New("unexpected data after the end of the package")
	ErrHashMismatch      = errors.New("payload hash mismatch")
	ErrSink              = errors.New("payload sink failed")
)

// Error locates a verification failure in the package.
type Error struct {
	_      [0]func() // not comparable: spares the binary an equality function
	Kind   error     // one of the sentinels above
	Offset int64     // package byte offset where the problem was found
	Detail string
	Err    error // underlying cause (sink failures), may be nil
}

func (e *Error) Error() string {
	s := fmt.Sprintf("%v at byte %d", e.Kind, e.Offset)
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Is lets errors.Is match the sentinel kind.
func (e *Error) Is(target error) bool { return target == e.Kind }

// Unwrap exposes the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// Out of line: an error constructor inlined at each of its callers copies
// the Sprintf call and the allocation into every one.
//
//go:noinline
func newError(kind error, off int64, format string, args ...any) *Error {
	return &Error{Kind: kind, Offset: off, Detail: fmt.Sprintf(format, args...)}
}
