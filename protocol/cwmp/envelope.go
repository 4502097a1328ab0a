package cwmp

// XML namespaces of a CWMP message. Only the cwmp URNs change with the
// protocol version; see version.go for the mapping.
const (
	NamespaceSOAPEnvelope   = "http://schemas.xmlsoap.org/soap/envelope/"
	NamespaceSOAPEncoding   = "http://schemas.xmlsoap.org/soap/encoding/"
	NamespaceSOAP12Envelope = "http://www.w3.org/2003/05/soap-envelope"
	NamespaceXSD            = "http://www.w3.org/2001/XMLSchema"
	NamespaceXSI            = "http://www.w3.org/2001/XMLSchema-instance"

	NamespaceCWMP10 = "urn:dslforum-org:cwmp-1-0"
	NamespaceCWMP11 = "urn:dslforum-org:cwmp-1-1"
	NamespaceCWMP12 = "urn:dslforum-org:cwmp-1-2"
	// NamespaceCWMP13 and NamespaceCWMP14 are not BBF namespaces (CWMP 1.3 and
	// 1.4 keep cwmp-1-2), but some stacks send them; they are accepted and
	// answered in kind.
	NamespaceCWMP13 = "urn:dslforum-org:cwmp-1-3"
	NamespaceCWMP14 = "urn:dslforum-org:cwmp-1-4"

	// DefaultNamespace is used by Encode when Envelope.Namespace is empty.
	DefaultNamespace = NamespaceCWMP12
)

// Envelope is one SOAP 1.1 message carrying one CWMP RPC.
type Envelope struct {
	_ incomparable
	// Namespace is the cwmp URN the peer used (decode) or to use (encode),
	// e.g. "urn:dslforum-org:cwmp-1-2". Empty encodes as DefaultNamespace.
	Namespace string
	Header    Header
	// Body is the RPC. A nil Body is not an envelope: an empty HTTP message
	// is handled by the transport before a decoder or encoder is involved.
	Body Body
}

// Header holds the cwmp SOAP header elements.
type Header struct {
	// ID pairs a request with its response; encoded with mustUnderstand="1".
	// An empty ID is not encoded.
	ID string
	// HoldRequests (ACS to CPE only); nil means absent.
	HoldRequests *bool
	// SessionTimeout in seconds (CPE Inform, CWMP 1.3+); nil means absent.
	SessionTimeout *uint32
	// SupportedCWMPVersions is the CPE's list, e.g. "1.0,1.1,1.2,1.3,1.4";
	// see ParseVersionList.
	SupportedCWMPVersions string
	// UseCWMPVersion is the version the ACS chose, e.g. "1.4".
	UseCWMPVersion string
	// NoMoreRequests is the deprecated CWMP 1.0 header: decoded so that it is
	// not mistaken for an unknown header, otherwise ignored and never encoded.
	NoMoreRequests bool
}

// empty reports whether Encode would write no header element.
func (h *Header) empty() bool {
	return h.ID == "" && h.HoldRequests == nil && h.SessionTimeout == nil &&
		h.SupportedCWMPVersions == "" && h.UseCWMPVersion == ""
}

// Body is an RPC request, response or Fault. Method is the local name of
// the body element: "Inform", "InformResponse", "Fault", ...
// Only the types of this package implement it.
type Body interface {
	Method() string
}

// ImpliedVersion returns the protocol version the message speaks, following
// TR-069 version negotiation: UseCWMPVersion when present; else the highest
// SupportedCWMPVersions entry the namespace allows; else the namespace's own
// version, raised to 1.3 for a cwmp-1-2 message carrying SessionTimeout.
// It returns 0 when the envelope names no cwmp namespace.
func (e *Envelope) ImpliedVersion() Version {
	ns := e.Namespace
	if ns == "" {
		return 0
	}
	base, ok := VersionOfNamespace(ns)
	if !ok {
		return 0
	}
	if v, err := ParseVersion(e.Header.UseCWMPVersion); err == nil {
		return v
	}
	if e.Header.SupportedCWMPVersions != "" && base >= CWMP12 {
		var best Version
		for _, v := range ParseVersionList(e.Header.SupportedCWMPVersions) {
			if NamespaceOf(v) == NamespaceOf(base) && v > best {
				best = v
			}
		}
		if best > base {
			return best
		}
	}
	if base == CWMP12 && e.Header.SessionTimeout != nil {
		return CWMP13
	}
	return base
}
