package cwmp

import "strconv"

// FaultCode is a CWMP fault code: 8000-8899 raised by an ACS, 9000-9899 by a
// CPE (see codes_gen.go for the named ones). ACS codes are named
// FaultACS<Meaning>; CPE codes Fault<Meaning>.
type FaultCode uint32

// SOAP faultcode values a CWMP Fault carries.
const (
	SOAPClient = "Client" // the sender is at fault (bad arguments)
	SOAPServer = "Server" // the receiver failed or refused
)

// Text returns the standard fault string, verbatim from the XSD
// documentation (including its spelling), or a generic text for the vendor
// and extension ranges.
func (c FaultCode) Text() string {
	if t := c.xsdText(); t != "" {
		return t
	}
	switch {
	case c >= 8800 && c <= 8899, c >= 9800 && c <= 9899:
		return "Vendor defined fault"
	case c >= 8000 && c <= 9799:
		return "Reserved fault code"
	}
	return "Unknown fault code"
}

// String returns "9003 Invalid arguments".
func (c FaultCode) String() string {
	return strconv.FormatUint(uint64(c), 10) + " " + c.Text()
}

// IsACS reports whether the code is in the ACS range 8000-8899.
func (c FaultCode) IsACS() bool { return c >= 8000 && c <= 8899 }

// IsCPE reports whether the code is in the CPE range 9000-9899.
func (c FaultCode) IsCPE() bool { return c >= 9000 && c <= 9899 }

// SOAPFaultCode returns the SOAP faultcode ("Client" or "Server") that goes
// with the code. CPE codes follow TR-069's fault table as reproduced by
// icwmp (TR069-DIGEST §4.2); 9022-9025 and 9028, which icwmp lacks, are
// "Client" as recalled from the spec (unverified). ACS codes mirror their CPE
// twins (8000 like 9000, ...); 8006 is "Client" because the sender's versions
// are the cause. Vendor and unknown codes are "Server".
func (c FaultCode) SOAPFaultCode() string {
	switch c {
	case FaultACSInvalidArguments, FaultACSVersionIncompatible,
		FaultInvalidArguments, FaultInvalidParameterName, FaultInvalidParameterType,
		FaultInvalidParameterValue, FaultNonWritableParameter,
		FaultInvalidUUID, FaultUnknownExecEnv, FaultDisabledExecEnv,
		FaultDUExecEnvMismatch, FaultUnknownDU:
		return SOAPClient
	}
	return SOAPServer
}

// Fault is a SOAP Fault carrying a cwmp:Fault detail. It replaces the
// response to a request and keeps the request's header ID.
type Fault struct {
	// SOAPFaultCode is the SOAP faultcode without prefix, "Client" or
	// "Server". Empty means FaultCode.SOAPFaultCode() on encode, and a
	// missing or empty faultcode decodes the same way.
	SOAPFaultCode string
	// SOAPFaultString is the SOAP faultstring; empty means "CWMP fault" on
	// encode and decode alike.
	SOAPFaultString string

	FaultCode               FaultCode
	FaultString             string
	SetParameterValuesFault []SetParameterValuesFault
}

// SetParameterValuesFault blames one parameter of a SetParameterValues.
type SetParameterValuesFault struct {
	_             incomparable
	ParameterName string
	FaultCode     FaultCode
	FaultString   string // optional in the schema: empty is not encoded
}

// CWMPFaultString is the fixed SOAP faultstring of every CWMP fault.
const CWMPFaultString = "CWMP fault"

// NewFault builds a Fault with its SOAP wrapper filled in; an empty msg
// means the code's standard text.
func NewFault(code FaultCode, msg string) *Fault {
	if msg == "" {
		msg = code.Text()
	}
	return &Fault{
		SOAPFaultCode:   code.SOAPFaultCode(),
		SOAPFaultString: CWMPFaultString,
		FaultCode:       code,
		FaultString:     msg,
	}
}

// Method implements Body.
func (*Fault) Method() string { return "Fault" }

// Error lets a Fault travel as a Go error between layers.
func (f *Fault) Error() string {
	if f.FaultString != "" && f.FaultString != f.FaultCode.Text() {
		return "cwmp fault " + f.FaultCode.String() + ": " + f.FaultString
	}
	return "cwmp fault " + f.FaultCode.String()
}

// soapFaultCode returns the SOAP faultcode to put on the wire.
func (f *Fault) soapFaultCode() string {
	if f.SOAPFaultCode != "" {
		return f.SOAPFaultCode
	}
	return f.FaultCode.SOAPFaultCode()
}

// hasDetail reports whether the fault carries a cwmp:Fault detail on the
// wire; a bare SOAP fault (code 0, nothing else) does not.
func (f *Fault) hasDetail() bool {
	return f.FaultCode != 0 || f.FaultString != "" || len(f.SetParameterValuesFault) > 0
}

func (f *Fault) soapFaultString() string {
	if f.SOAPFaultString != "" {
		return f.SOAPFaultString
	}
	return CWMPFaultString
}
