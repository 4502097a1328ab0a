package cwmp

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/beevik/etree"
)

// DefaultMaxMessageBytes is the size limit DecodeFrom applies when given
// maxBytes <= 0 (the ACS's documented default).
const DefaultMaxMessageBytes = 4 << 20

// maxDepth bounds element nesting. The deepest CWMP structure is seven
// levels (Envelope/Body/SetParameterAttributes/ParameterList/Struct/
// AccessList/string); anything far deeper is an attack, not a device.
const maxDepth = 32

const actorNext = "http://schemas.xmlsoap.org/soap/actor/next"

// DecodeFrom reads at most maxBytes (DefaultMaxMessageBytes when
// maxBytes <= 0) and decodes them. A longer body is a KindTooLarge error, a
// failed read KindIO.
func DecodeFrom(r io.Reader, maxBytes int64) (*Envelope, error) {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxMessageBytes
	}
	limit := maxBytes
	if limit < math.MaxInt64 {
		limit++ // one byte more than allowed tells "too large" from "exactly at the limit"
	}
	var buf bytes.Buffer
	n, err := buf.ReadFrom(io.LimitReader(r, limit))
	if err != nil {
		return &Envelope{}, &DecodeError{Kind: KindIO, Msg: "reading message", Err: err}
	}
	if n > maxBytes {
		return &Envelope{}, &DecodeError{Kind: KindTooLarge, Msg: fmt.Sprintf("message exceeds %d bytes", maxBytes)}
	}
	return Decode(buf.Bytes())
}

// Decode parses one SOAP 1.1 envelope. On error it returns a *DecodeError
// together with a non-nil Envelope holding whatever was decoded before the
// error (at least the header ID when there is one), so the caller can echo
// cwmp:ID in its fault.
func Decode(data []byte) (*Envelope, error) {
	if env, ok := decodeFast(bytes.TrimPrefix(data, utf8BOM)); ok {
		return env, nil
	}
	return decodeReference(data)
}

var utf8BOM = []byte("\xef\xbb\xbf")

// decodeReference is the etree decoder: every message but a plain Inform,
// and the judge of the Inform fast path (see scan.go).
func decodeReference(data []byte) (*Envelope, error) {
	return decodeWith(data, readEither)
}

// decodeWith is the etree decoder reading RPC arguments with read.
func decodeWith(data []byte, read argReader) (*Envelope, error) {
	env := &Envelope{}
	if err := decodeEnvelope(data, env, read); err != nil {
		err.ID = env.Header.ID
		return env, err
	}
	return env, nil
}

// Out of line: an error constructor inlined at each of its callers copies
// the Sprintf call and the allocation into every one.
//
//go:noinline
func malformed(format string, args ...any) *DecodeError {
	return &DecodeError{Kind: KindMalformed, Msg: fmt.Sprintf(format, args...)}
}

func decodeEnvelope(data []byte, env *Envelope, read argReader) *DecodeError {
	data = bytes.TrimPrefix(data, utf8BOM)
	if len(bytes.TrimSpace(data)) == 0 {
		return malformed("empty message is not an envelope")
	}
	doc, err := parseDocument(data)
	if err != nil {
		// etree keeps what it read before the error; a header that came
		// through intact still yields the ID for the fault.
		if root := doc.Root(); root != nil && root.Tag == "Envelope" {
			env.Header.ID = headerID(root)
		}
		return &DecodeError{Kind: KindMalformed, Msg: "not well-formed XML", Err: err}
	}
	for _, t := range doc.Child {
		if _, ok := t.(*etree.Directive); ok {
			return malformed("a SOAP message must not contain a document type declaration")
		}
	}
	root := doc.Root()
	if root == nil {
		return malformed("no root element")
	}
	rootNS := root.NamespaceURI()
	switch {
	case root.Tag == "Envelope" && rootNS == NamespaceSOAPEnvelope:
	case root.Tag == "Envelope" && rootNS == NamespaceSOAP12Envelope:
		env.Header.ID = headerID(root)
		return &DecodeError{Kind: KindSOAP12, Msg: "SOAP 1.2 envelope; CWMP uses SOAP 1.1"}
	case root.Space != "" && rootNS == "":
		return unboundPrefix(root)
	default:
		return malformed("root element is {%s}%s, want a SOAP 1.1 Envelope", rootNS, root.Tag)
	}

	// Structural errors found before the header is read wait until it has
	// been, so that the fault can still echo the ID.
	var pending *DecodeError
	var headers []*etree.Element
	var body *etree.Element
	rootScope := namespaceScope(root)
	for c, at := firstChild(root); c != nil; c, at = nextChild(root, at) {
		ns := resolveIn(c, rootScope)
		if c.Space != "" && ns == "" && pending == nil {
			pending = unboundPrefix(c)
		}
		if ns != NamespaceSOAPEnvelope && ns != "" {
			continue // SOAP allows foreign elements after Body
		}
		switch c.Tag {
		case "Header":
			headers = append(headers, c)
		case "Body":
			if body != nil && pending == nil {
				pending = malformed("Envelope has more than one Body")
			}
			body = c
		}
	}
	var rpc *etree.Element
	rpcs := 0
	if body != nil {
		for c, at := firstChild(body); c != nil; c, at = nextChild(body, at) {
			if rpcs++; rpcs == 1 {
				rpc = c
			}
		}
	}

	var rpcNS string
	if rpc != nil {
		rpcNS = rpc.NamespaceURI()
		if rpc.Space != "" && rpcNS == "" && pending == nil {
			pending = unboundPrefix(rpc)
		}
	}
	env.Namespace = envelopeNamespace(rpc, rpcNS, headers)

	if err := decodeHeaders(headers, env); err != nil {
		return err
	}
	if pending != nil {
		return pending
	}
	if body == nil {
		return malformed("Envelope has no Body")
	}
	if rpc == nil {
		return malformed("Body is empty; an empty message is not an envelope")
	}
	if rpcs > 1 {
		return malformed("Body carries %d elements; CWMP sends one RPC per envelope", rpcs)
	}

	d := &decoder{}
	if rpc.Tag == "Fault" && rpcNS == NamespaceSOAPEnvelope {
		f := d.fault(rpc)
		switch {
		case env.Namespace == "" && f.hasDetail():
			// The detail was read by local name from outside any cwmp
			// namespace; an answer (and a re-encoding) uses the default.
			env.Namespace = DefaultNamespace
		case !f.hasDetail() && env.Header.empty():
			// A bare SOAP fault whose cwmp headers carried nothing
			// (an empty ID) has no cwmp content to place in a namespace.
			env.Namespace = ""
		}
		env.Body = f
		return d.err
	}
	if !IsCWMPNamespace(rpcNS) {
		return &DecodeError{Kind: KindUnknownMethod, Msg: fmt.Sprintf("body element {%s}%s is not a CWMP method", rpcNS, rpc.Tag)}
	}
	spec, ok := rpcTable[rpc.Tag]
	if !ok {
		return &DecodeError{Kind: KindUnknownMethod, Msg: fmt.Sprintf("method %s is not supported", rpc.Tag)}
	}
	if spec.level > schemaLevel(rpcNS) {
		return &DecodeError{Kind: KindUnknownMethod, Msg: fmt.Sprintf("method %s does not exist in %s", rpc.Tag, rpcNS)}
	}
	env.Body = read(rpc.Tag, spec)(d, rpc)
	return d.err
}

// envelopeNamespace picks the cwmp namespace of the message: the RPC's, else
// that of a Fault's cwmp detail, else that of the first cwmp header.
func envelopeNamespace(rpc *etree.Element, rpcNS string, headers []*etree.Element) string {
	if IsCWMPNamespace(rpcNS) {
		return rpcNS
	}
	if rpc != nil && rpc.Tag == "Fault" {
		if f := faultDetail(rpc); f != nil {
			if ns := f.NamespaceURI(); IsCWMPNamespace(ns) {
				return ns
			}
		}
	}
	for _, h := range headers {
		scope := namespaceScope(h)
		for c, at := firstChild(h); c != nil; c, at = nextChild(h, at) {
			if ns := resolveIn(c, scope); IsCWMPNamespace(ns) {
				return ns
			}
		}
	}
	return ""
}

// decodeHeaders reads the cwmp header elements. A header counts as known
// only when the envelope's namespace defines it (SessionTimeout and the
// version headers arrived with the cwmp-1-2 schema); anything else is
// skipped unless it demands to be understood.
func decodeHeaders(headers []*etree.Element, env *Envelope) *DecodeError {
	type entry struct {
		el *etree.Element
		ns string
	}
	var entries []entry
	for _, h := range headers {
		scope := namespaceScope(h)
		for c, at := firstChild(h); c != nil; c, at = nextChild(h, at) {
			entries = append(entries, entry{c, resolveIn(c, scope)})
		}
	}
	// The ID first, so that every later error can echo it.
	for _, e := range entries {
		if e.el.Tag == "ID" && IsCWMPNamespace(e.ns) {
			env.Header.ID = text(e.el)
			break
		}
	}
	level := schemaLevel(env.Namespace)
	d := &decoder{}
	for _, e := range entries {
		if e.el.Space != "" && e.ns == "" {
			return unboundPrefix(e.el)
		}
		if actor, ok := attrValue(e.el, "actor"); ok && strings.TrimSpace(actor) != actorNext {
			continue // addressed to another SOAP node
		}
		known := true
		if IsCWMPNamespace(e.ns) {
			switch e.el.Tag {
			case "ID":
			case "HoldRequests":
				v := d.boolean(e.el)
				env.Header.HoldRequests = &v
			case "NoMoreRequests":
				env.Header.NoMoreRequests = parseBool(strings.TrimSpace(text(e.el))) == boolTrue
			case "SessionTimeout":
				if known = level >= 12; known {
					v := d.uint32(e.el)
					env.Header.SessionTimeout = &v
				}
			case "SupportedCWMPVersions":
				if known = level >= 12; known {
					env.Header.SupportedCWMPVersions = str(e.el)
				}
			case "UseCWMPVersion":
				if known = level >= 12; known {
					env.Header.UseCWMPVersion = str(e.el)
				}
			default:
				known = false
			}
		} else {
			known = false
		}
		if d.err != nil {
			return d.err
		}
		if !known {
			if mu, ok := attrValue(e.el, "mustUnderstand"); ok && parseBool(strings.TrimSpace(mu)) == boolTrue {
				return &DecodeError{Kind: KindMustUnderstand,
					Msg: fmt.Sprintf("header {%s}%s has mustUnderstand set and is not understood", e.ns, e.el.Tag)}
			}
		}
	}
	return nil
}

// headerID digs the cwmp:ID out of an envelope that will not decode (a SOAP
// 1.2 one, or one cut short), so the fault that refuses it can echo the ID.
func headerID(root *etree.Element) string {
	for h, at := firstChild(root); h != nil; h, at = nextChild(root, at) {
		if h.Tag != "Header" {
			continue
		}
		scope := namespaceScope(h)
		for c, at := firstChild(h); c != nil; c, at = nextChild(h, at) {
			if c.Tag == "ID" && IsCWMPNamespace(resolveIn(c, scope)) {
				return text(c)
			}
		}
	}
	return ""
}

// parseDocument reads data into an etree document with the settings every
// decode uses; the benchmarks call it too, to measure the parse on its own.
func parseDocument(data []byte) (*etree.Document, error) {
	doc := etree.NewDocument()
	doc.ReadSettings = etree.ReadSettings{MaxDepth: maxDepth, CharsetReader: charsetReader}
	return doc, doc.ReadFromBytes(data)
}

// nsBinding is one xmlns declaration: prefix ("" for the default
// namespace) and URI.
type nsBinding struct{ prefix, uri string }

// nsScope lists the bindings in force at an element, outermost first, so
// the innermost (last) declaration of a prefix wins. An envelope declares a
// handful of prefixes, so a backwards scan beats building a map per scope.
type nsScope []nsBinding

func (s nsScope) lookup(prefix string) string {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i].prefix == prefix {
			return s[i].uri
		}
	}
	return ""
}

// namespaceScope collects the prefix bindings in force at el. It is built
// once per header block, so resolving many header entries does not rescan
// the ancestors' attributes each time.
func namespaceScope(el *etree.Element) nsScope {
	depth := 0
	for p := el; p != nil; p = p.Parent() {
		depth++
	}
	var chain [maxDepth + 2]*etree.Element
	if depth > len(chain) {
		depth = len(chain) // unreachable: the parser enforces maxDepth
	}
	p := el
	for i := depth - 1; i >= 0; i-- {
		chain[i] = p
		p = p.Parent()
	}
	n := 0
	for _, e := range chain[:depth] {
		for _, a := range e.Attr {
			if _, ok := xmlnsPrefix(a); ok {
				n++
			}
		}
	}
	scope := make(nsScope, 0, n)
	for _, e := range chain[:depth] {
		for _, a := range e.Attr {
			if prefix, ok := xmlnsPrefix(a); ok {
				scope = append(scope, nsBinding{prefix, a.Value})
			}
		}
	}
	return scope
}

// xmlnsPrefix returns the prefix a namespace declaration binds: "p" for
// xmlns:p="...", "" (the default namespace) for a bare xmlns="...".
func xmlnsPrefix(a etree.Attr) (string, bool) {
	switch {
	case a.Space == "xmlns":
		return a.Key, true
	case a.Space == "" && a.Key == "xmlns":
		return "", true
	}
	return "", false
}

// resolveIn returns el's namespace URI given the scope of its parent.
func resolveIn(el *etree.Element, parentScope nsScope) string {
	for _, a := range el.Attr {
		if (el.Space != "" && a.Space == "xmlns" && a.Key == el.Space) ||
			(el.Space == "" && a.Space == "" && a.Key == "xmlns") {
			return a.Value
		}
	}
	return parentScope.lookup(el.Space)
}

// attrValue finds an attribute by local name whatever its prefix: devices
// spell soap:mustUnderstand and xsi:type with every prefix imaginable.
func attrValue(el *etree.Element, local string) (string, bool) {
	for _, a := range el.Attr {
		if a.Key == local && a.Space != "xmlns" {
			return a.Value, true
		}
	}
	return "", false
}

// charsetReader accepts the encodings devices declare. ISO-8859-1 is
// converted; UTF-8 and ASCII pass through; anything else is refused rather
// than misread.
func charsetReader(label string, r io.Reader) (io.Reader, error) {
	switch strings.ToLower(strings.TrimSpace(label)) {
	case "utf-8", "utf8", "us-ascii", "ascii":
		return r, nil
	case "iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "latin-1", "l1":
		b, err := io.ReadAll(r)
		if err != nil {
			return nil, err
		}
		out := make([]rune, len(b))
		for i, c := range b {
			out[i] = rune(c)
		}
		return strings.NewReader(string(out)), nil
	}
	return nil, fmt.Errorf("unsupported encoding %q", label)
}

// faultDetail returns the first element inside a SOAP Fault's first
// detail element that is named Fault, matched by local name only.
func faultDetail(fault *etree.Element) *etree.Element {
	for c, at := firstChild(fault); c != nil; c, at = nextChild(fault, at) {
		if c.Tag != "detail" {
			continue
		}
		for f, at := firstChild(c); f != nil; f, at = nextChild(c, at) {
			if f.Tag == "Fault" {
				return f
			}
		}
		return nil
	}
	return nil
}

// unboundPrefix reports an element whose prefix no xmlns declaration binds:
// the document is not namespace-well-formed, so its meaning is unknown.
func unboundPrefix(el *etree.Element) *DecodeError {
	return malformed("element %s:%s uses an undeclared namespace prefix", el.Space, el.Tag)
}
