package digest

import (
	"strings"
)

// Authorization holds the directives of a Digest Authorization header
// (RFC 7616 §3.4). Fields are the unquoted values as sent; a directive that
// was absent is empty. Unknown directives are ignored, as RFC 7616 requires.
type Authorization struct {
	Username  string
	Realm     string
	Nonce     string
	URI       string
	Response  string
	Algorithm string
	Cnonce    string
	Opaque    string
	Qop       string
	NC        string
	Userhash  bool
}

// Bits recording which directives were seen, to refuse repeats.
const (
	seenUsername = 1 << iota
	seenRealm
	seenNonce
	seenURI
	seenResponse
	seenAlgorithm
	seenCnonce
	seenOpaque
	seenQop
	seenNC
	seenUserhash
)

// ParseAuthorization parses a Digest Authorization field value. It checks
// syntax only; Server.Authenticate decides which directives are required.
// It does not allocate unless a value holds a quoted-pair.
func ParseAuthorization(header string) (Authorization, error) {
	var a Authorization
	l := lexer{s: header}
	l.skipWS()
	if !strings.EqualFold(l.token(), "Digest") {
		return a, errNotDigest
	}
	l.skipWS()
	if l.eof() {
		return a, nil
	}
	if l.i > 0 && l.s[l.i-1] != ' ' && l.s[l.i-1] != '\t' {
		return a, errDigestSyntax
	}
	var seen uint
	for {
		name, value, ok, err := l.param()
		if err != nil || !ok {
			// !ok: another scheme follows; Authorization carries one only.
			return Authorization{}, errDigestSyntax
		}
		bit, err := a.set(name, value)
		if err != nil {
			return Authorization{}, err
		}
		if seen&bit != 0 {
			return Authorization{}, errDigestRepeated
		}
		seen |= bit
		done, err := l.endOfElement()
		if err != nil {
			return Authorization{}, errDigestSyntax
		}
		if done {
			return a, nil
		}
	}
}

var (
	errNotDigest      = &detailError{&ErrMalformed, "not a digest authorization"}
	errDigestSyntax   = &detailError{&ErrMalformed, "digest authorization syntax"}
	errDigestRepeated = &detailError{&ErrMalformed, "digest directive repeated"}
	errUserhashValue  = &detailError{&ErrMalformed, "userhash is neither true nor false"}
)

// set stores one directive and returns its seen-bit (0 for unknown ones,
// which may repeat harmlessly).
func (a *Authorization) set(name, value string) (uint, error) {
	// A switch on length first keeps this to one EqualFold per directive.
	switch len(name) {
	case 2:
		if strings.EqualFold(name, "nc") {
			a.NC = value
			return seenNC, nil
		}
	case 3:
		switch {
		case strings.EqualFold(name, "uri"):
			a.URI = value
			return seenURI, nil
		case strings.EqualFold(name, "qop"):
			a.Qop = value
			return seenQop, nil
		}
	case 5:
		switch {
		case strings.EqualFold(name, "realm"):
			a.Realm = value
			return seenRealm, nil
		case strings.EqualFold(name, "nonce"):
			a.Nonce = value
			return seenNonce, nil
		}
	case 6:
		switch {
		case strings.EqualFold(name, "cnonce"):
			a.Cnonce = value
			return seenCnonce, nil
		case strings.EqualFold(name, "opaque"):
			a.Opaque = value
			return seenOpaque, nil
		}
	case 8:
		switch {
		case strings.EqualFold(name, "username"):
			a.Username = value
			return seenUsername, nil
		case strings.EqualFold(name, "response"):
			a.Response = value
			return seenResponse, nil
		case strings.EqualFold(name, "userhash"):
			switch {
			case strings.EqualFold(value, "true"):
				a.Userhash = true
			case strings.EqualFold(value, "false"):
				a.Userhash = false
			default:
				return 0, errUserhashValue
			}
			return seenUserhash, nil
		}
	case 9:
		if strings.EqualFold(name, "algorithm") {
			a.Algorithm = value
			return seenAlgorithm, nil
		}
	}
	return 0, nil
}

// String formats the header value; ParseAuthorization reads it back equal.
// It does not check that the values can travel in a quoted-string: values
// from ParseAuthorization always can, and Client checks its own.
func (a Authorization) String() string {
	userhash := ""
	if a.Userhash {
		userhash = "true"
	}
	// One loop over a table rather than a call per directive: the same
	// header in a tenth of the code.
	dirs := [...]struct {
		name, value string
		quoted      bool
	}{
		{"username", a.Username, true},
		{"realm", a.Realm, true},
		{"nonce", a.Nonce, true},
		{"uri", a.URI, true},
		{"algorithm", a.Algorithm, false},
		{"response", a.Response, true},
		{"opaque", a.Opaque, true},
		{"qop", a.Qop, false},
		{"nc", a.NC, false},
		{"cnonce", a.Cnonce, true},
		{"userhash", userhash, false},
	}
	b := make([]byte, 0, 256)
	b = append(b, "Digest"...)
	sep := " "
	for _, d := range dirs {
		if d.value == "" {
			continue
		}
		b = append(b, sep...)
		b = append(b, d.name...)
		b = append(b, '=')
		if d.quoted {
			b = appendQuoted(b, d.value)
		} else {
			b = appendValue(b, d.value)
		}
		sep = ", "
	}
	return string(b)
}

// valid reports whether every value can be carried in a quoted-string.
func (a Authorization) valid() bool {
	for _, v := range [...]string{a.Username, a.Realm, a.Nonce, a.URI, a.Response,
		a.Algorithm, a.Cnonce, a.Opaque, a.Qop, a.NC} {
		if !quotable(v) {
			return false
		}
	}
	return true
}
