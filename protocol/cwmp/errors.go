package cwmp

import "strconv"

// ErrorKind classifies why a message could not be decoded; each kind maps to
// the fault the receiver answers with.
type ErrorKind int

// Decode error kinds.
const (
	KindMalformed      ErrorKind = iota + 1 // not XML, not a SOAP envelope, or a bad value
	KindSOAP12                              // a SOAP 1.2 envelope; CWMP is SOAP 1.1 only
	KindMustUnderstand                      // a mustUnderstand header this package does not know
	KindTooLarge                            // the body exceeded the size limit
	KindIO                                  // reading the body failed
	KindUnknownMethod                       // the body element is not a known RPC of its namespace
)

func (k ErrorKind) String() string {
	switch k {
	case KindMalformed:
		return "malformed"
	case KindSOAP12:
		return "soap-1.2"
	case KindMustUnderstand:
		return "must-understand"
	case KindTooLarge:
		return "too-large"
	case KindIO:
		return "io"
	case KindUnknownMethod:
		return "unknown-method"
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// DecodeError is the only error type Decode and DecodeFrom return.
type DecodeError struct {
	_    incomparable
	Kind ErrorKind
	// ID is the message's cwmp:ID when the header got that far, so the
	// fault can echo it.
	ID  string
	Msg string // what went wrong and where, e.g. `Inform/RetryCount: "x" is not an unsignedInt`
	Err error  // underlying error, if any
}

func (e *DecodeError) Error() string {
	s := "cwmp decode: " + e.Kind.String() + ": " + e.Msg
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *DecodeError) Unwrap() error { return e.Err }

// ACSFault is the fault code an ACS answers a bad CPE message with.
func (e *DecodeError) ACSFault() FaultCode {
	switch e.Kind {
	case KindTooLarge:
		return FaultACSResourcesExceeded
	case KindIO:
		return FaultACSInternalError
	case KindUnknownMethod:
		return FaultACSMethodNotSupported
	}
	return FaultACSInvalidArguments
}

// CPEFault is the fault code a CPE answers a bad ACS message with.
func (e *DecodeError) CPEFault() FaultCode {
	switch e.Kind {
	case KindTooLarge:
		return FaultResourcesExceeded
	case KindIO:
		return FaultInternalError
	case KindUnknownMethod:
		return FaultMethodNotSupported
	}
	return FaultInvalidArguments
}
