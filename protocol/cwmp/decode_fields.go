package cwmp

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"github.com/beevik/etree"
)

// decoder keeps the first value error; later fields still decode so the
// caller gets as much of the message as there is.
type decoder struct {
	err *DecodeError
}

func (d *decoder) fail(el *etree.Element, format string, args ...any) {
	if d.err == nil {
		d.err = malformed("%s: %s", elementPath(el), fmt.Sprintf(format, args...))
	}
}

// elementPath names el from the RPC element down, e.g.
// "Inform/ParameterList/ParameterValueStruct[3]/Value".
func elementPath(el *etree.Element) string {
	var parts []string
	for e := el; e != nil; e = e.Parent() {
		p := e.Parent()
		if p == nil {
			parts = append(parts, e.Tag)
			break
		}
		name := e.Tag
		n, idx := 0, 0
		for s, at := firstChild(p); s != nil; s, at = nextChild(p, at) {
			if s.Tag == e.Tag {
				n++
				if s == e {
					idx = n
				}
			}
		}
		if n > 1 {
			name += "[" + strconv.Itoa(idx) + "]"
		}
		parts = append(parts, name)
		if gp := p.Parent(); gp != nil && gp.Tag == "Envelope" && (p.Tag == "Body" || p.Tag == "Header") {
			if p.Tag == "Header" {
				parts = append(parts, "Header")
			}
			break
		}
	}
	for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
		parts[i], parts[j] = parts[j], parts[i]
	}
	return strings.Join(parts, "/")
}

// text returns an element's character data verbatim, comments skipped.
func text(el *etree.Element) string {
	switch len(el.Child) {
	case 0:
		return ""
	case 1:
		if c, ok := el.Child[0].(*etree.CharData); ok {
			return c.Data
		}
	}
	var b strings.Builder
	for _, t := range el.Child {
		if c, ok := t.(*etree.CharData); ok {
			b.WriteString(c.Data)
		}
	}
	return b.String()
}

// str returns the text without surrounding XML whitespace: names, keys and
// codes never carry meaningful edge spaces, and pretty-printing devices add
// them. Free text (string Values, usernames, passwords) uses text instead.
func str(el *etree.Element) string { return trimXML(text(el)) }

func (d *decoder) uint32(el *etree.Element) uint32 {
	s := str(el)
	v, ok := parseUint32(s)
	if !ok {
		d.fail(el, "%q is not an unsignedInt", s)
	}
	return v
}

// parseUint32 reads a trimmed xsd:unsignedInt; an empty number is read as
// zero, as devices mean it.
func parseUint32(s string) (uint32, bool) {
	if s == "" {
		return 0, true
	}
	v, err := strconv.ParseUint(strings.TrimPrefix(s, "+"), 10, 32)
	return uint32(v), err == nil
}

// trimXML trims XML white space (str without the element).
func trimXML(s string) string { return strings.Trim(s, " \t\r\n") }

func (d *decoder) int32(el *etree.Element) int32 {
	s := str(el)
	if s == "" {
		return 0
	}
	v, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		d.fail(el, "%q is not an int", s)
	}
	return int32(v)
}

type boolValue int

const (
	boolInvalid boolValue = iota
	boolFalse
	boolTrue
)

// parseBool accepts xsd:boolean in any letter case; s is already trimmed.
func parseBool(s string) boolValue {
	switch {
	case s == "1" || strings.EqualFold(s, "true"):
		return boolTrue
	case s == "0" || s == "" || strings.EqualFold(s, "false"):
		return boolFalse
	}
	return boolInvalid
}

func (d *decoder) boolean(el *etree.Element) bool {
	s := str(el)
	v := parseBool(s)
	if v == boolInvalid {
		d.fail(el, "%q is not a boolean", s)
	}
	return v == boolTrue
}

func (d *decoder) dateTime(el *etree.Element) DateTime {
	v, err := parseDateTime(str(el))
	if err != nil {
		d.fail(el, "%q is not an xs:dateTime", str(el))
		return UnknownTime
	}
	return v
}

// count returns the number of child elements, to size slices once.
func count(el *etree.Element) int {
	n := 0
	for _, t := range el.Child {
		if _, ok := t.(*etree.Element); ok {
			n++
		}
	}
	return n
}

// arrayOf decodes a soap-enc array: every child element is a member,
// whatever its name (SOAP encoding does not fix member names), and
// arrayType is ignored, so a wrong or missing count does not matter.
func arrayOf[T any](d *decoder, el *etree.Element, member func(*decoder, *etree.Element, *T)) []T {
	n := count(el)
	if n == 0 {
		return nil
	}
	out := make([]T, n)
	i := 0
	for _, t := range el.Child {
		if c, ok := t.(*etree.Element); ok {
			member(d, c, &out[i])
			i++
		}
	}
	return out
}

func stringMember(_ *decoder, el *etree.Element, v *string) { *v = str(el) }

func (d *decoder) strings(el *etree.Element) []string { return arrayOf(d, el, stringMember) }

// valueType normalises an xsi:type QName to its local name; the TR-069
// base64 type arrives as xsd:base64Binary, xsd:base64 or soap-enc:base64.
func valueType(el *etree.Element) string {
	t, ok := attrValue(el, "type")
	if !ok {
		return "string"
	}
	return typeName(t)
}

// typeName is valueType for the attribute's text.
func typeName(t string) string {
	t = strings.TrimSpace(t)
	if i := strings.LastIndexByte(t, ':'); i >= 0 {
		t = t[i+1:]
	}
	switch t {
	case "":
		return "string"
	case "base64Binary":
		return "base64"
	}
	return t
}

func parameterValueMember(_ *decoder, el *etree.Element, p *ParameterValueStruct) {
	var value *etree.Element
	for _, t := range el.Child {
		c, ok := t.(*etree.Element)
		if !ok {
			continue
		}
		switch c.Tag {
		case "Name":
			p.Name = str(c)
		case "Value":
			value = c
		}
	}
	p.Type = "string"
	if value == nil {
		return
	}
	p.Type = valueType(value)
	if p.Type == "string" {
		p.Value = text(value)
	} else {
		p.Value = str(value)
	}
}

func (d *decoder) parameterValues(el *etree.Element) []ParameterValueStruct {
	return arrayOf(d, el, parameterValueMember)
}

// faultStruct reads a FaultStruct or DeploymentUnitFaultStruct. FaultCode
// is required: read as 0 it would report success.
func (d *decoder) faultStruct(el *etree.Element) FaultStruct {
	var f FaultStruct
	seen := false
	for c, at := firstChild(el); c != nil; c, at = nextChild(el, at) {
		switch c.Tag {
		case "FaultCode":
			f.FaultCode, seen = FaultCode(d.uint32(c)), true
		case "FaultString":
			f.FaultString = str(c)
		}
	}
	d.require(el, seen, "FaultCode")
	return f
}

// require fails when an element that carries the message's meaning is
// missing. Most missing children are forgiven (zero values); these are the
// ones whose absence would turn a message into a different one: an Inform
// without DeviceId, a fault or transfer result without its FaultCode.
func (d *decoder) require(el *etree.Element, seen bool, child string) {
	if !seen {
		d.fail(el, "missing required element %s", child)
	}
}

func (d *decoder) base64(el *etree.Element) []byte {
	s := strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
			return -1
		}
		return r
	}, text(el))
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		b, err = base64.RawStdEncoding.DecodeString(s)
	}
	if err != nil {
		d.fail(el, "not base64: %v", err)
	}
	return b
}
