package datamodel

import (
	"encoding/base64"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Validate checks that v is a value of t. A value that is not of t's kind
// ("abc" for an unsignedInt) gives an error wrapping ErrType; one that
// breaks a facet (range, size, enumeration, pattern, an IP address that is
// no address, a list item that is bad) gives ErrValue. Validate accepts
// enumeration values that only a CPE may set; check what an ACS writes with
// ValidateSet.
//
// Lists are comma-separated; spaces and tabs around an item are ignored,
// and the empty (or blank) string is the empty list. Items of a list of lists are
// bracketed ("[1,2],[3,4]") as the list's nestedBrackets facet says.
// Validate does not allocate for a valid value, except for base64.
func (t *Type) Validate(v string) error { return t.check(v, false, false) }

// ValidateSet is Validate for a value written by an ACS
// (SetParameterValues, a preset): it also rejects enumeration values marked
// readOnly, such as DiagnosticsState "Complete".
func (t *Type) ValidateSet(v string) error { return t.check(v, true, false) }

// CheckXSIType checks the xsi:type a sender declared for a value of t. An
// empty xsiType (no declaration) and xsd:anySimpleType, the type of every
// CWMP Value, are accepted. Any other must name t's kind (see KindOfXSD),
// else the error wraps ErrType; whether to answer such a mismatch with
// fault 9006 or to accept it is the caller's policy.
func (t *Type) CheckXSIType(xsiType string) error {
	if xsiType == "" || localName(xsiType) == "anySimpleType" {
		return nil
	}
	k, ok := KindOfXSD(xsiType)
	if !ok {
		return &ValueError{Kind: ErrType, Type: t.XSDType(), Reason: "unknown xsi:type " + quote(xsiType)}
	}
	if k != t.kind {
		return &ValueError{Kind: ErrType, Type: t.XSDType(), Reason: "declared as " + k.XSD()}
	}
	return nil
}

// Canonical validates v and returns its canonical form: "true"/"false" for
// booleans, integers without sign or leading zeros, dateTimes in UTC with
// "Z", base64 re-encoded without whitespace, hexBinary in upper case,
// decimals without redundant zeros, lists joined with "," and no spaces.
// Strings come back unchanged.
func (t *Type) Canonical(v string) (string, error) {
	if err := t.Validate(v); err != nil {
		return "", err
	}
	return t.canonical(v), nil
}

// verdict is the outcome of a check without an allocation: kind is nil
// for a valid value, else ErrType or ErrValue with the reason.
type verdict struct {
	kind   error
	reason string
}

var valid verdict

func wrongType(reason string) verdict { return verdict{ErrType, reason} }
func badValue(reason string) verdict  { return verdict{ErrValue, reason} }

func (t *Type) check(v string, set, redact bool) error {
	r := t.validate(v, set)
	if r.kind == nil {
		return nil
	}
	e := &ValueError{Kind: r.kind, Type: t.String(), Reason: r.reason}
	if !redact {
		e.Value = v
	}
	return e
}

func (t *Type) validate(v string, set bool) verdict {
	if t.list != nil {
		return t.validateList(v, set)
	}
	switch t.kind {
	case KindString:
		if !utf8.ValidString(v) {
			return badValue("not valid UTF-8")
		}
		if len(t.sizes) > 0 {
			if n := utf8.RuneCountInString(v); !fits(t.sizes, n) {
				return badValue("length " + strconv.Itoa(n) + " is not allowed")
			}
		}
	case KindInt, KindUnsignedInt, KindLong, KindUnsignedLong:
		i, u, r := integer(v, t.kind)
		if r.kind != nil {
			return r
		}
		if len(t.ranges) > 0 && !inRanges(t.ranges, i, u, t.kind == KindUnsignedInt || t.kind == KindUnsignedLong) {
			return badValue("outside the allowed range")
		}
	case KindBoolean:
		switch trimXMLSpace(v) {
		case "true", "false", "1", "0":
		default:
			return wrongType("not true, false, 1 or 0")
		}
	case KindDateTime:
		if _, reason := parseDateTime(trimXMLSpace(v)); reason != "" {
			return wrongType(reason)
		}
	case KindBase64:
		b, ok := decodeBase64(trimXMLSpace(v))
		if !ok {
			return wrongType("not base64")
		}
		if len(t.sizes) > 0 && !fits(t.sizes, len(b)) {
			return badValue(strconv.Itoa(len(b)) + " bytes is not an allowed length")
		}
	case KindHexBinary:
		n, ok := hexLen(v)
		if !ok {
			return wrongType("not hexBinary")
		}
		if len(t.sizes) > 0 && !fits(t.sizes, n) {
			return badValue(strconv.Itoa(n) + " bytes is not an allowed length")
		}
	case KindDecimal:
		if r := checkDecimal(v); r.kind != nil {
			return r
		}
	}
	if len(t.enums) > 0 {
		found := false
		for i := range t.enums {
			if t.enums[i].Value == v {
				if set && t.enums[i].ReadOnly {
					return badValue("value may only be set by the CPE")
				}
				found = true
				break
			}
		}
		if !found {
			return badValue("not one of the enumerated values")
		}
	}
	if len(t.patterns) > 0 {
		matched := false
		for _, p := range t.patterns {
			if p.match(v) {
				matched = true
				break
			}
		}
		if !matched {
			return badValue("does not match the pattern")
		}
	}
	if t.semantic != nil {
		if reason := t.semantic(v); reason != "" {
			return badValue(reason)
		}
	}
	if t.pathRef != nil && v != "" {
		p, err := parsePath(v, true)
		if err != nil {
			return badValue("not a path: " + err.Reason)
		}
		if p.HasTemplate() || p.HasWildcard() {
			return badValue("a reference cannot hold {i} or '*'")
		}
	}
	return valid
}

func fits(sizes []Size, n int) bool {
	for _, s := range sizes {
		if n >= s.Min && (s.Max < 0 || n <= s.Max) {
			return true
		}
	}
	return false
}

func inRanges(ranges []Range, i int64, u uint64, unsigned bool) bool {
	for _, r := range ranges {
		if r.contains(i, u, unsigned) {
			return true
		}
	}
	return false
}

func (r Range) contains(i int64, u uint64, unsigned bool) bool {
	if unsigned {
		if r.HasMin && r.Min > 0 && u < uint64(r.Min) {
			return false
		}
		if r.HasMax && (r.Max < 0 || u > uint64(r.Max)) {
			return false
		}
		if r.Step <= 1 {
			return true
		}
		if !r.HasMin {
			return u%uint64(r.Step) == 0
		}
		return (u-uint64(r.Min))%uint64(r.Step) == 0
	}
	if r.HasMin && i < r.Min || r.HasMax && i > r.Max {
		return false
	}
	if r.Step <= 1 {
		return true
	}
	if !r.HasMin {
		return i%r.Step == 0
	}
	// i >= r.Min, so the difference fits in a uint64 even when the
	// subtraction overflows an int64.
	return (uint64(i)-uint64(r.Min))%uint64(r.Step) == 0
}

func (t *Type) validateList(v string, set bool) verdict {
	if !utf8.ValidString(v) {
		return badValue("not valid UTF-8")
	}
	if len(t.list.Sizes) > 0 {
		if n := utf8.RuneCountInString(v); !fits(t.list.Sizes, n) {
			return badValue("list length " + strconv.Itoa(n) + " is not allowed")
		}
	}
	count := 0
	var bad string
	if reason := t.eachItem(v, func(item string) bool {
		count++
		if r := t.item.validate(item, set); r.kind != nil {
			bad = "item " + strconv.Itoa(count) + ": " + r.reason
			return false
		}
		return true
	}); reason != "" {
		return badValue(reason)
	}
	if bad != "" {
		return badValue(bad)
	}
	if count < t.list.MinItems || t.list.MaxItems >= 0 && count > t.list.MaxItems {
		return badValue(strconv.Itoa(count) + " items is not an allowed count")
	}
	return valid
}

// bracketed reports whether items of t are themselves bracketed lists.
func (t *Type) bracketed() bool {
	return t.item.list != nil && t.list.Nested != NestedIllegal
}

// eachItem calls fn with every item of the list value v, until fn returns
// false. It returns why v cannot be split, if it cannot.
func (t *Type) eachItem(v string, fn func(string) bool) string {
	// A blank value is the empty list, not one empty item: the canonical
	// form of either would be "".
	if strings.Trim(v, " \t") == "" {
		return ""
	}
	nested := t.bracketed()
	start, depth := 0, 0
	for i := 0; i <= len(v); i++ {
		if i < len(v) {
			c := v[i]
			if nested {
				switch c {
				case '[':
					depth++
				case ']':
					if depth--; depth < 0 {
						return "unbalanced brackets"
					}
				}
			}
			if c != ',' || depth > 0 {
				continue
			}
		}
		item := strings.Trim(v[start:i], " \t")
		if nested {
			if len(item) >= 2 && item[0] == '[' && item[len(item)-1] == ']' {
				item = item[1 : len(item)-1]
			} else if t.list.Nested == NestedRequired {
				return "list items must be in brackets"
			}
		}
		if !fn(item) {
			return ""
		}
		start = i + 1
	}
	if depth != 0 {
		return "unbalanced brackets"
	}
	return ""
}

// canonical returns the canonical form of a valid value.
func (t *Type) canonical(v string) string {
	if t.list != nil {
		var b strings.Builder
		nested := t.bracketed()
		first := true
		t.eachItem(v, func(item string) bool {
			if !first {
				b.WriteByte(',')
			}
			first = false
			if nested {
				b.WriteByte('[')
			}
			b.WriteString(t.item.canonical(item))
			if nested {
				b.WriteByte(']')
			}
			return true
		})
		if b.String() == v {
			return v
		}
		return b.String()
	}
	var c string
	switch t.kind {
	case KindInt, KindUnsignedInt, KindLong, KindUnsignedLong:
		i, u, _ := integer(v, t.kind)
		c = formatInteger(i, u, t.kind)
	case KindBoolean:
		b, _ := ParseBool(v)
		c = FormatBool(b)
	case KindDateTime:
		d, _ := parseDateTime(trimXMLSpace(v))
		c = d.String()
	case KindBase64:
		b, _ := decodeBase64(trimXMLSpace(v))
		c = base64.StdEncoding.EncodeToString(b)
	case KindHexBinary:
		c = strings.ToUpper(trimXMLSpace(v))
	case KindDecimal:
		c = canonicalDecimal(v)
	default:
		return v
	}
	if c == v {
		return v
	}
	return c
}
