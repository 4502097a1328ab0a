package datamodel

import (
	"errors"
	"strconv"
	"unicode/utf8"
)

// Sentinel errors, one per CWMP fault a CPE answers a bad name or value
// with. Every error this package returns for a path or a value wraps one of
// them, so callers test with errors.Is and map to a fault with FaultCode.
var (
	// ErrPath: the name is not a valid parameter or object path, or names
	// nothing in the schema (fault 9005, Invalid parameter name).
	ErrPath error = &sentinel{"invalid parameter name"}
	// ErrType: the value is not of the parameter's type at all, e.g. "abc"
	// for an unsignedInt, or the xsi:type the sender declared is not the
	// parameter's (fault 9006, Invalid parameter type).
	ErrType error = &sentinel{"invalid parameter type"}
	// ErrValue: the value has the right type but breaks a facet: out of
	// range, not in the enumeration, too long, no pattern matches, or (for a
	// list) an item is bad (fault 9007, Invalid parameter value).
	ErrValue error = &sentinel{"invalid parameter value"}
)

// Fault codes of the sentinels.
const (
	FaultInvalidName  = 9005
	FaultInvalidType  = 9006
	FaultInvalidValue = 9007
)

// FaultCode returns the CWMP fault code for an error of this package: 9005
// for ErrPath, 9006 for ErrType, 9007 for ErrValue, and 0 for anything else.
func FaultCode(err error) int {
	switch {
	case errors.Is(err, ErrPath):
		return FaultInvalidName
	case errors.Is(err, ErrType):
		return FaultInvalidType
	case errors.Is(err, ErrValue):
		return FaultInvalidValue
	}
	return 0
}

// PathError reports a malformed path.
type PathError struct {
	_      incomparable
	Path   string
	Offset int // byte offset of the problem in Path
	Reason string
}

func (e *PathError) Error() string {
	return "invalid path " + quote(e.Path) + " at offset " + strconv.Itoa(e.Offset) + ": " + e.Reason
}

// Unwrap makes errors.Is(err, ErrPath) true.
func (e *PathError) Unwrap() error { return ErrPath }

// Fault returns 9005.
func (e *PathError) Fault() int { return FaultInvalidName }

// ValueError reports a value a type rejects. Kind is ErrType or ErrValue.
type ValueError struct {
	_      incomparable
	Kind   error
	Type   string // the type, as in "unsignedInt[1:]" or "IPv4Address"
	Value  string // empty when the parameter is hidden or secured
	Reason string
}

func (e *ValueError) Error() string {
	msg := e.Kind.Error()
	if e.Value != "" {
		msg += " " + quote(e.Value)
	}
	if e.Type != "" {
		msg += " for " + e.Type
	}
	return msg + ": " + e.Reason
}

// Unwrap makes errors.Is work with ErrType and ErrValue.
func (e *ValueError) Unwrap() error { return e.Kind }

// Fault returns 9006 for a wrong type and 9007 for a bad value.
func (e *ValueError) Fault() int { return FaultCode(e.Kind) }

// quote quotes s for a message, cut to a readable length.
func quote(s string) string {
	const max = 64
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		return strconv.Quote(s[:cut]) + "..."
	}
	return strconv.Quote(s)
}

// sentinel is what errors.New returns, declared here so that the sentinels
// are data the linker lays out rather than errors.New calls at init (the
// router build does not inline errors.New).
type sentinel struct{ s string }

func (e *sentinel) Error() string { return e.s }
