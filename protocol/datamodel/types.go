package datamodel

import (
	"slices"
	"strconv"
	"strings"
	"sync"

	"gatewarden/protocol/datamodel/internal/dmformat"
	"gatewarden/protocol/datamodel/internal/xsdre"
)

// Kind is a TR-106 primitive type.
type Kind uint8

const (
	KindString       Kind = Kind(dmformat.KindString)
	KindInt          Kind = Kind(dmformat.KindInt)          // 32-bit signed
	KindUnsignedInt  Kind = Kind(dmformat.KindUnsignedInt)  // 32-bit unsigned
	KindLong         Kind = Kind(dmformat.KindLong)         // 64-bit signed
	KindUnsignedLong Kind = Kind(dmformat.KindUnsignedLong) // 64-bit unsigned
	KindBoolean      Kind = Kind(dmformat.KindBoolean)
	KindDateTime     Kind = Kind(dmformat.KindDateTime)
	KindBase64       Kind = Kind(dmformat.KindBase64)
	KindHexBinary    Kind = Kind(dmformat.KindHexBinary)
	KindDecimal      Kind = Kind(dmformat.KindDecimal)
)

var kindNames = [...]struct{ tr106, xsd string }{
	KindString:       {"string", "xsd:string"},
	KindInt:          {"int", "xsd:int"},
	KindUnsignedInt:  {"unsignedInt", "xsd:unsignedInt"},
	KindLong:         {"long", "xsd:long"},
	KindUnsignedLong: {"unsignedLong", "xsd:unsignedLong"},
	KindBoolean:      {"boolean", "xsd:boolean"},
	KindDateTime:     {"dateTime", "xsd:dateTime"},
	KindBase64:       {"base64", "xsd:base64Binary"},
	KindHexBinary:    {"hexBinary", "xsd:hexBinary"},
	KindDecimal:      {"decimal", "xsd:decimal"},
}

// String returns the TR-106 name of the kind ("unsignedInt", "base64").
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k].tr106
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// XSD returns the xsi:type CWMP puts on a value of this kind
// ("xsd:unsignedInt", "xsd:base64Binary").
func (k Kind) XSD() string {
	if int(k) < len(kindNames) {
		return kindNames[k].xsd
	}
	return ""
}

// KindOfXSD returns the kind an xsi:type names. Any namespace prefix is
// accepted ("xsd:int", "xs:int", "int"), and so is the TR-106 spelling
// "base64".
func KindOfXSD(xsiType string) (Kind, bool) {
	xsiType = localName(xsiType)
	if xsiType == "base64Binary" {
		return KindBase64, true
	}
	for k, n := range kindNames {
		if n.tr106 == xsiType {
			return Kind(k), true
		}
	}
	return 0, false
}

func localName(qname string) string {
	if i := strings.LastIndexByte(qname, ':'); i >= 0 {
		return qname[i+1:]
	}
	return qname
}

// Size bounds a length: characters for strings, bytes for base64 and
// hexBinary (as in XSD), characters of the whole value for a list.
type Size struct {
	Min int
	Max int // -1: unbounded
}

// Range bounds an integer value; a value must also be Min plus a multiple
// of Step (or a multiple of Step without Min).
type Range struct {
	Min, Max       int64
	HasMin, HasMax bool
	Step           int64
}

// Enum is one allowed value.
type Enum struct {
	Value string
	// ReadOnly values are set by the CPE only; an ACS may not write them
	// (DiagnosticsState "Complete", for instance).
	ReadOnly bool
	// Optional values need not be supported by a CPE.
	Optional bool
	Status   Status
}

// NestedBrackets says how items of a list of lists are delimited.
type NestedBrackets uint8

const (
	NestedIllegal  NestedBrackets = dmformat.NestedIllegal
	NestedLegal    NestedBrackets = dmformat.NestedLegal
	NestedRequired NestedBrackets = dmformat.NestedRequired
)

// List holds a list type's facets. Items are comma-separated.
type List struct {
	MinItems int
	MaxItems int // -1: unbounded
	Nested   NestedBrackets
	Sizes    []Size
}

// TargetType is what a path reference may point to.
type TargetType uint8

const (
	TargetAny       TargetType = dmformat.TargetAny
	TargetParameter TargetType = dmformat.TargetParameter
	TargetObject    TargetType = dmformat.TargetObject
	TargetSingle    TargetType = dmformat.TargetSingle
	TargetRow       TargetType = dmformat.TargetRow
)

// PathRef describes a string that holds a path to another object or
// parameter.
type PathRef struct {
	// Strong references are cleared by the CPE when the target is deleted.
	Strong bool
	// TargetParent is the data model's targetParent attribute, as written
	// (relative forms such as "##.IP.Interface." included).
	TargetParent string
	TargetType   TargetType
}

// EnumerationRef describes a string whose allowed values are the current
// values of another (list) parameter.
type EnumerationRef struct {
	TargetParam  string
	NullValue    string
	HasNullValue bool
}

// Type is a parameter's type with every facet that applies to it, the
// facets of named data types already folded in. Types are shared between
// parameters and immutable.
type Type struct {
	kind     Kind
	name     string
	base     *Type
	units    string
	list     *List
	item     *Type
	sizes    []Size
	ranges   []Range
	enums    []Enum
	patterns []*pattern
	pathRef  *PathRef
	enumRef  *EnumerationRef
	semantic func(string) string
}

// pattern compiles on first use: most patterns of a schema are never
// needed by a given CPE. The generator rejects a pattern that does not
// compile, and the embedded schemas' patterns are tested; one that still
// fails (a corrupt file) matches nothing, so values are refused rather
// than the program stopped.
type pattern struct {
	_    incomparable
	src  string
	once sync.Once
	re   *xsdre.Regexp
}

func (p *pattern) match(s string) bool {
	p.once.Do(func() { p.re, _ = xsdre.Compile(p.src) })
	return p.re != nil && p.re.MatchString(s)
}

// Kind returns the primitive kind of the value on the wire; lists are
// strings.
func (t *Type) Kind() Kind { return t.kind }

// XSDType returns the xsi:type for values of this type: the primitive's
// ("xsd:unsignedInt"), named types mapping to their base, lists to
// "xsd:string".
func (t *Type) XSDType() string { return t.kind.XSD() }

// DataType returns the named data type this type is or derives from
// ("IPv4Address", "StatsCounter64"), or "" for an anonymous type.
func (t *Type) DataType() string { return t.name }

// Base returns the named type this one derives from, or nil.
func (t *Type) Base() *Type { return t.base }

// Units returns the unit of the value ("seconds", "bytes"), if any.
func (t *Type) Units() string { return t.units }

// IsList reports whether values are comma-separated lists of Item.
func (t *Type) IsList() bool { return t.list != nil }

// Item returns the type of a list's items, or nil.
func (t *Type) Item() *Type { return t.item }

// List returns the list facets; ok is false if t is not a list.
func (t *Type) List() (l List, ok bool) {
	if t.list == nil {
		return List{}, false
	}
	l = *t.list
	l.Sizes = slices.Clone(l.Sizes)
	return l, true
}

// Sizes returns the allowed lengths; a value must fit one of them.
func (t *Type) Sizes() []Size { return slices.Clone(t.sizes) }

// Ranges returns the allowed integer ranges; a value must fit one of them.
func (t *Type) Ranges() []Range { return slices.Clone(t.ranges) }

// Enumerations returns the allowed values, if the type is an enumeration.
func (t *Type) Enumerations() []Enum { return slices.Clone(t.enums) }

// Patterns returns the XSD patterns of which a value must match one.
func (t *Type) Patterns() []string {
	out := make([]string, len(t.patterns))
	for i, p := range t.patterns {
		out[i] = p.src
	}
	return out
}

// PathRef returns the reference facet of a string holding a path.
func (t *Type) PathRef() (PathRef, bool) {
	if t.pathRef == nil {
		return PathRef{}, false
	}
	return *t.pathRef, true
}

// EnumerationRef returns the facet of a string whose values come from
// another parameter.
func (t *Type) EnumerationRef() (EnumerationRef, bool) {
	if t.enumRef == nil {
		return EnumerationRef{}, false
	}
	return *t.enumRef, true
}

// String describes the type in the data-model notation, e.g.
// "unsignedInt[1:]", "string(64)", "IPv4Address", "list(1:4) of string".
func (t *Type) String() string {
	return string(t.appendDescription(nil))
}

// appendDescription appends String's text. Appending to a []byte keeps this
// a fifth of the code a strings.Builder version inlines to.
func (t *Type) appendDescription(b []byte) []byte {
	if t.name != "" {
		return append(b, t.name...)
	}
	if t.list != nil {
		b = append(b, "list"...)
		if t.list.MinItems > 0 || t.list.MaxItems >= 0 {
			b = appendSpan(b, "(", int64(t.list.MinItems), true, int64(t.list.MaxItems), t.list.MaxItems >= 0)
			b = append(b, ')')
		}
		b = append(b, " of "...)
		return t.item.appendDescription(b)
	}
	b = append(b, t.kind.String()...)
	for i, s := range t.sizes {
		sep := ","
		if i == 0 {
			sep = "("
		}
		if s.Min > 0 {
			b = appendSpan(b, sep, int64(s.Min), true, int64(s.Max), s.Max >= 0)
		} else {
			// A size without a minimum is written as its maximum alone.
			b = append(b, sep...)
			if s.Max >= 0 {
				b = strconv.AppendInt(b, int64(s.Max), 10)
			}
		}
		if i == len(t.sizes)-1 {
			b = append(b, ')')
		}
	}
	for i, r := range t.ranges {
		sep := ","
		if i == 0 {
			sep = "["
		}
		b = appendSpan(b, sep, r.Min, r.HasMin, r.Max, r.HasMax)
		if r.Step > 1 {
			b = append(b, " step "...)
			b = strconv.AppendInt(b, r.Step, 10)
		}
		if i == len(t.ranges)-1 {
			b = append(b, ']')
		}
	}
	return b
}

// appendSpan appends sep, then "min:max" with either end left out when
// absent.
func appendSpan(b []byte, sep string, min int64, hasMin bool, max int64, hasMax bool) []byte {
	b = append(b, sep...)
	if hasMin {
		b = strconv.AppendInt(b, min, 10)
	}
	b = append(b, ':')
	if hasMax {
		b = strconv.AppendInt(b, max, 10)
	}
	return b
}
