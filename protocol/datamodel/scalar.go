package datamodel

import (
	"encoding/base64"
	"math"
	"strconv"
	"strings"
)

// Lexical rules follow XSD, which CWMP values are: surrounding XML
// whitespace is ignored for every type but string (XSD's "collapse"), an
// integer may carry a sign and leading zeros, a boolean is one of "true",
// "false", "1", "0". A value that is not of the type is ErrType; a number
// too big or small for its type is ErrValue, like any other out-of-range
// value.

func trimXMLSpace(s string) string {
	return strings.Trim(s, " \t\n\r")
}

// parseInteger reads an optionally signed decimal integer.
func parseInteger(s string) (neg bool, mag uint64, r verdict) {
	s = trimXMLSpace(s)
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if s == "" {
		return false, 0, wrongType("not an integer")
	}
	overflow := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return false, 0, wrongType("not an integer")
		}
		d := uint64(c - '0')
		if overflow || mag > (math.MaxUint64-d)/10 {
			overflow = true
			continue
		}
		mag = mag*10 + d
	}
	if overflow {
		return neg, 0, badValue("out of range")
	}
	return neg, mag, valid
}

// integerBounds returns the value range of an integer kind.
func integerBounds(k Kind) (lo int64, hi uint64) {
	switch k {
	case KindInt:
		return math.MinInt32, math.MaxInt32
	case KindUnsignedInt:
		return 0, math.MaxUint32
	case KindLong:
		return math.MinInt64, math.MaxInt64
	}
	return 0, math.MaxUint64
}

// integer parses s as a value of integer kind k. For unsigned kinds the
// value is in u; for signed kinds in i.
func integer(s string, k Kind) (i int64, u uint64, r verdict) {
	neg, mag, r := parseInteger(s)
	if r.kind != nil {
		return 0, 0, r
	}
	lo, hi := integerBounds(k)
	if neg {
		if mag == 0 {
			return 0, 0, valid
		}
		if lo == 0 || mag > uint64(-(lo+1))+1 {
			return 0, 0, badValue("out of range for " + k.String())
		}
		return -int64(mag-1) - 1, 0, valid
	}
	if mag > hi {
		return 0, 0, badValue("out of range for " + k.String())
	}
	if k == KindUnsignedInt || k == KindUnsignedLong {
		return 0, mag, valid
	}
	return int64(mag), 0, valid
}

func integerError(s string, k Kind) error {
	_, _, r := integer(s, k)
	if r.kind == nil {
		return nil
	}
	return &ValueError{Kind: r.kind, Type: k.String(), Value: s, Reason: r.reason}
}

// ParseInt parses a TR-106 int (32-bit signed).
func ParseInt(s string) (int32, error) {
	i, _, _ := integer(s, KindInt)
	return int32(i), integerError(s, KindInt)
}

// ParseUnsignedInt parses a TR-106 unsignedInt (32-bit unsigned).
func ParseUnsignedInt(s string) (uint32, error) {
	_, u, _ := integer(s, KindUnsignedInt)
	return uint32(u), integerError(s, KindUnsignedInt)
}

// ParseLong parses a TR-106 long (64-bit signed).
func ParseLong(s string) (int64, error) {
	i, _, _ := integer(s, KindLong)
	return i, integerError(s, KindLong)
}

// ParseUnsignedLong parses a TR-106 unsignedLong (64-bit unsigned).
func ParseUnsignedLong(s string) (uint64, error) {
	_, u, _ := integer(s, KindUnsignedLong)
	return u, integerError(s, KindUnsignedLong)
}

// ParseBool parses a TR-106 boolean: "true", "false", "1" or "0".
func ParseBool(s string) (bool, error) {
	switch trimXMLSpace(s) {
	case "true", "1":
		return true, nil
	case "false", "0":
		return false, nil
	}
	return false, &ValueError{Kind: ErrType, Type: "boolean", Value: s, Reason: "not true, false, 1 or 0"}
}

// FormatBool returns the canonical form of a boolean, "true" or "false".
func FormatBool(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// checkDecimal validates an xsd:decimal ("-1.50", "+.5", "3.").
func checkDecimal(s string) verdict {
	s = trimXMLSpace(s)
	if s != "" && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
	digits, dot := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot:
			dot = true
		default:
			return wrongType("not a decimal number")
		}
	}
	if digits == 0 {
		return wrongType("not a decimal number")
	}
	return valid
}

// canonicalDecimal drops the sign of zero, a "+", leading zeros of the
// integer part and trailing zeros of the fraction.
func canonicalDecimal(s string) string {
	s = trimXMLSpace(s)
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	intPart, frac, _ := strings.Cut(s, ".")
	intPart = strings.TrimLeft(intPart, "0")
	frac = strings.TrimRight(frac, "0")
	if intPart == "" {
		intPart = "0"
	}
	out := intPart
	if frac != "" {
		out += "." + frac
	}
	if neg && out != "0" {
		out = "-" + out
	}
	return out
}

// decodeBase64 decodes an xsd:base64Binary value, which may hold XML
// whitespace between its characters.
func decodeBase64(s string) ([]byte, bool) {
	if strings.ContainsAny(s, " \t\n\r") {
		s = strings.Map(func(r rune) rune {
			if r == ' ' || r == '\t' || r == '\n' || r == '\r' {
				return -1
			}
			return r
		}, s)
	}
	b, err := base64.StdEncoding.DecodeString(s)
	return b, err == nil
}

// hexLen returns the decoded length of an xsd:hexBinary value.
func hexLen(s string) (int, bool) {
	s = trimXMLSpace(s)
	if len(s)%2 != 0 {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return 0, false
		}
	}
	return len(s) / 2, true
}

func formatInteger(i int64, u uint64, k Kind) string {
	if k == KindUnsignedInt || k == KindUnsignedLong {
		return strconv.FormatUint(u, 10)
	}
	return strconv.FormatInt(i, 10)
}
