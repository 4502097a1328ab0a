package cwmp

import (
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
)

// Encode writes env as one SOAP 1.1 envelope in env.Namespace (the peer's;
// DefaultNamespace when empty). It checks first that the namespace's schema
// has every element the envelope needs (headers and RPCs added in later
// CWMP versions are refused for cwmp-1-0/1-1) and writes nothing when it does
// not. Values are written as given: facets such as string lengths, patterns
// and minimum array sizes are the caller's business.
func Encode(w io.Writer, env *Envelope) error {
	return encodeTo(w, env, eitherSide{})
}

// encodeTo is Encode for the messages s sends.
func encodeTo(w io.Writer, env *Envelope, s sender) error {
	ns, body, err := checkEncodable(env, s)
	if err != nil {
		return err
	}
	e := getEncoder(w)
	defer putEncoder(e)
	e.envelope(ns, env, body, s)
	e.flush()
	if e.err != nil {
		return fmt.Errorf("cwmp encode %s: %w", body.Method(), e.err)
	}
	return nil
}

// Marshal returns the encoded envelope; see Encode.
func Marshal(env *Envelope) ([]byte, error) {
	return marshalAs(env, eitherSide{})
}

// marshalAs is Marshal for the messages s sends.
func marshalAs(env *Envelope, s sender) ([]byte, error) {
	ns, body, err := checkEncodable(env, s)
	if err != nil {
		return nil, err
	}
	e := getEncoder(nil)
	defer putEncoder(e)
	e.envelope(ns, env, body, s)
	return append([]byte(nil), e.buf...), nil
}

func checkEncodable(env *Envelope, s sender) (string, Body, error) {
	if env == nil {
		return "", nil, errors.New("cwmp encode: nil envelope")
	}
	if env.Body == nil {
		return "", nil, errors.New("cwmp encode: nil body (an empty message is not an envelope)")
	}
	ns := env.Namespace
	if ns == "" {
		ns = DefaultNamespace
	}
	if !IsCWMPNamespace(ns) {
		return "", nil, fmt.Errorf("cwmp encode: namespace %q is not a cwmp namespace", ns)
	}
	body := env.Body
	if !s.sends(body) {
		return "", nil, fmt.Errorf("cwmp encode: body type %T is not a cwmp RPC type%s", env.Body, s.refusal())
	}
	if v := reflect.ValueOf(body); v.IsNil() {
		return "", nil, fmt.Errorf("cwmp encode: nil %T body", env.Body)
	}
	level := schemaLevel(ns)
	if spec, ok := rpcTable[body.Method()]; ok && spec.level > level {
		return "", nil, fmt.Errorf("cwmp encode: %s does not exist in %s", body.Method(), ns)
	}
	h := env.Header
	if level < 12 {
		switch {
		case h.SessionTimeout != nil:
			return "", nil, fmt.Errorf("cwmp encode: header SessionTimeout does not exist in %s", ns)
		case h.SupportedCWMPVersions != "":
			return "", nil, fmt.Errorf("cwmp encode: header SupportedCWMPVersions does not exist in %s", ns)
		case h.UseCWMPVersion != "":
			return "", nil, fmt.Errorf("cwmp encode: header UseCWMPVersion does not exist in %s", ns)
		}
	}
	if err := s.checkArgs(body); err != nil {
		return "", nil, err
	}
	return ns, body, nil
}

// checkArgs is eitherSide's check of the arguments encoding cannot
// vouch for: a ChangeDUState's operations. (A CPE never sends one, so
// cpeSide has nothing to check, and the router binary none of this.)
func (eitherSide) checkArgs(body Body) error {
	if c, ok := body.(*ChangeDUState); ok {
		for i, op := range c.Operations {
			if err := checkOperation(op); err != nil {
				return fmt.Errorf("cwmp encode: ChangeDUState Operations[%d]: %w", i, err)
			}
		}
	}
	return nil
}

func checkOperation(op Operation) error {
	switch o := op.(type) {
	case *InstallOpStruct:
		if o != nil {
			return nil
		}
	case *UpdateOpStruct:
		if o != nil {
			return nil
		}
	case *UninstallOpStruct:
		if o != nil {
			return nil
		}
	default:
		return fmt.Errorf("operation type %T is not a cwmp operation", op)
	}
	return errors.New("nil operation")
}

const envelopeOpen = `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
	`<soap-env:Envelope xmlns:soap-env="` + NamespaceSOAPEnvelope +
	`" xmlns:soap-enc="` + NamespaceSOAPEncoding +
	`" xmlns:xsd="` + NamespaceXSD +
	`" xmlns:xsi="` + NamespaceXSI +
	`" xmlns:cwmp="`

func (e *encoder) envelope(ns string, env *Envelope, body Body, s sender) {
	e.raw(envelopeOpen)
	e.raw(ns)
	e.raw("\">\n")
	e.header(&env.Header)
	e.raw("<soap-env:Body>\n")
	if f, ok := body.(*Fault); ok {
		e.fault(f)
	} else {
		name := body.Method()
		e.raw("<cwmp:")
		e.raw(name)
		e.raw(">\n")
		mark := len(e.buf)
		s.writeArgs(e, body)
		if len(e.buf) == mark {
			// An argument-less RPC has an empty content model: not even a
			// newline may stand between its tags.
			e.buf = e.buf[:mark-1]
		}
		e.raw("</cwmp:")
		e.raw(name)
		e.raw(">\n")
	}
	e.raw("</soap-env:Body>\n</soap-env:Envelope>\n")
}

// header writes the header elements with mustUnderstand exactly as the
// schemas fix it: ID, HoldRequests and UseCWMPVersion "1", SessionTimeout
// and SupportedCWMPVersions "0".
func (e *encoder) header(h *Header) {
	if h.empty() {
		return
	}
	e.raw("<soap-env:Header>\n")
	if h.ID != "" {
		e.headerEntry("ID", "1", h.ID)
	}
	if h.HoldRequests != nil {
		v := "0"
		if *h.HoldRequests {
			v = "1"
		}
		e.headerEntry("HoldRequests", "1", v)
	}
	if h.SessionTimeout != nil {
		e.headerEntry("SessionTimeout", "0", strconv.FormatUint(uint64(*h.SessionTimeout), 10))
	}
	if h.SupportedCWMPVersions != "" {
		e.headerEntry("SupportedCWMPVersions", "0", h.SupportedCWMPVersions)
	}
	if h.UseCWMPVersion != "" {
		e.headerEntry("UseCWMPVersion", "1", h.UseCWMPVersion)
	}
	e.raw("</soap-env:Header>\n")
}

func (e *encoder) headerEntry(name, mustUnderstand, value string) {
	e.raw("<cwmp:")
	e.raw(name)
	e.raw(` soap-env:mustUnderstand="`)
	e.raw(mustUnderstand)
	e.raw(`">`)
	e.buf = appendEscaped(e.buf, value, false)
	e.raw("</cwmp:")
	e.raw(name)
	e.raw(">\n")
}

// fault writes a SOAP Fault with its cwmp:Fault detail. TR-069 writes the
// faultcode unqualified ("Client", "Server"); the SOAP-defined codes
// MustUnderstand and VersionMismatch get the envelope prefix so that they
// stay in the SOAP namespace.
func (e *encoder) fault(f *Fault) {
	e.raw("<soap-env:Fault>\n")
	code := f.soapFaultCode()
	if code == "MustUnderstand" || code == "VersionMismatch" {
		code = "soap-env:" + code
	}
	e.leaf("faultcode", code)
	e.leaf("faultstring", f.soapFaultString())
	if f.hasDetail() {
		e.raw("<detail>\n<cwmp:Fault>\n")
		e.leafUint("FaultCode", uint32(f.FaultCode))
		if f.FaultString != "" {
			e.leaf("FaultString", f.FaultString)
		}
		for i := range f.SetParameterValuesFault {
			p := &f.SetParameterValuesFault[i]
			e.open("SetParameterValuesFault")
			e.leaf("ParameterName", p.ParameterName)
			e.leafUint("FaultCode", uint32(p.FaultCode))
			if p.FaultString != "" {
				e.leaf("FaultString", p.FaultString)
			}
			e.close("SetParameterValuesFault")
			e.maybeFlush()
		}
		e.raw("</cwmp:Fault>\n</detail>\n")
	}
	e.raw("</soap-env:Fault>\n")
}

// The argument writers of Fault are unused (the envelope writes faults
// itself) but make *Fault a message of both sides.
func (f *Fault) encodeUp(e *encoder)   { e.fault(f) }
func (f *Fault) encodeDown(e *encoder) { e.fault(f) }
