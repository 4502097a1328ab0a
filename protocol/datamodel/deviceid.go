package datamodel

import (
	"strings"
	"unicode/utf8"
)

// ErrDeviceID is wrapped by every error of ParseDeviceID and URLUnescape.
var ErrDeviceID error = &sentinel{"invalid device id"}

// DeviceID identifies a CPE by the DeviceId of its Inform.
type DeviceID struct {
	OUI          string
	ProductClass string
	SerialNumber string
}

// String returns the ID as the ACS, its API and operators' scripts name the
// device: "OUI-ProductClass-SerialNumber", or "OUI-SerialNumber" when
// ProductClass is empty. Every byte of each part other than an ASCII
// letter, digit or "_" is written as "%" and two upper-case hex digits, so
// "-" becomes %2D, "." %2E, " " %20, "%" %25 and "é" %C3%A9 (GenieACS's
// rule).
func (id DeviceID) String() string {
	var b strings.Builder
	b.Grow(len(id.OUI) + len(id.ProductClass) + len(id.SerialNumber) + 2)
	escapeIDPart(&b, id.OUI)
	b.WriteByte('-')
	if id.ProductClass != "" {
		escapeIDPart(&b, id.ProductClass)
		b.WriteByte('-')
	}
	escapeIDPart(&b, id.SerialNumber)
	return b.String()
}

// URLPath returns the ID escaped for a URL path segment (see URLEscape).
func (id DeviceID) URLPath() string { return URLEscape(id.String()) }

func keptInID(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_'
}

const upperHex = "0123456789ABCDEF"

func escapeIDPart(b *strings.Builder, s string) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if keptInID(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(upperHex[c>>4])
		b.WriteByte(upperHex[c&15])
	}
}

// ParseDeviceID is the exact inverse of DeviceID.String: it accepts only
// the canonical form String produces, so one device has one ID string.
// Two parts split on "-" are OUI and SerialNumber, three add ProductClass
// in the middle; no part may be empty. An escape must be "%" and two
// upper-case hex digits of a byte that String escapes (a lower-case "%2d"
// or an escaped letter "%41" is refused), any other byte than a letter,
// digit or "_" must be escaped, and the decoded parts must be UTF-8.
// Errors wrap ErrDeviceID.
func ParseDeviceID(s string) (DeviceID, error) {
	var parts [3]string
	n := 0
	for rest := s; ; n++ {
		if n == 3 {
			return DeviceID{}, idError(s, "more than three parts")
		}
		part, after, more := strings.Cut(rest, "-")
		dec, err := unescapeIDPart(part)
		if err != "" {
			return DeviceID{}, idError(s, err)
		}
		parts[n] = dec
		if !more {
			n++
			break
		}
		rest = after
	}
	switch n {
	case 2:
		return DeviceID{OUI: parts[0], SerialNumber: parts[1]}, nil
	case 3:
		return DeviceID{OUI: parts[0], ProductClass: parts[1], SerialNumber: parts[2]}, nil
	}
	return DeviceID{}, idError(s, "want OUI-SerialNumber or OUI-ProductClass-SerialNumber")
}

func idError(s, reason string) error {
	return &deviceIDError{id: s, reason: reason}
}

type deviceIDError struct{ id, reason string }

func (e *deviceIDError) Error() string { return "invalid device id " + quote(e.id) + ": " + e.reason }
func (e *deviceIDError) Unwrap() error { return ErrDeviceID }

func unescapeIDPart(p string) (string, string) {
	if p == "" {
		return "", "empty part"
	}
	if strings.IndexByte(p, '%') < 0 {
		for i := 0; i < len(p); i++ {
			if !keptInID(p[i]) {
				return "", "unescaped " + quote(p[i:i+1])
			}
		}
		return p, ""
	}
	b := make([]byte, 0, len(p))
	for i := 0; i < len(p); i++ {
		c := p[i]
		if keptInID(c) {
			b = append(b, c)
			continue
		}
		if c != '%' {
			return "", "unescaped " + quote(p[i:i+1])
		}
		if i+2 >= len(p) {
			return "", "truncated escape"
		}
		hi, ok1 := upperHexDigit(p[i+1])
		lo, ok2 := upperHexDigit(p[i+2])
		if !ok1 || !ok2 {
			return "", "escape must be two upper-case hex digits"
		}
		v := hi<<4 | lo
		if keptInID(v) {
			return "", "escaped letter, digit or '_'"
		}
		b = append(b, v)
		i += 2
	}
	if !utf8.Valid(b) {
		return "", "not UTF-8"
	}
	return string(b), ""
}

func upperHexDigit(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// URLEscape escapes a device ID string for a URL path segment: its only
// byte that URLs treat specially is "%", which becomes "%25" (so %2D in
// the ID is %252D in the URL).
func URLEscape(id string) string {
	return strings.ReplaceAll(id, "%", "%25")
}

// URLUnescape is the inverse of URLEscape. Every "%" must start "%25".
// Errors wrap ErrDeviceID.
func URLUnescape(s string) (string, error) {
	for i := strings.IndexByte(s, '%'); i >= 0; {
		if !strings.HasPrefix(s[i:], "%25") {
			return "", idError(s, "in a URL every '%' must be escaped as %25")
		}
		j := strings.IndexByte(s[i+3:], '%')
		if j < 0 {
			break
		}
		i += 3 + j
	}
	return strings.ReplaceAll(s, "%25", "%"), nil
}
