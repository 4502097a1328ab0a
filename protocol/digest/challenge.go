package digest

import (
	"fmt"
	"net/http"
	"strings"
)

// Param is one auth-param of a challenge. Name is lowercase: parameter names
// are case-insensitive (RFC 9110 §11.2).
type Param struct {
	_     incomparable
	Name  string
	Value string
}

// Challenge is one challenge of a WWW-Authenticate header: a scheme followed
// either by a token68 or by auth-params, in the order they were sent.
type Challenge struct {
	Scheme  string // as sent; compare with strings.EqualFold
	Token68 string
	Params  []Param
}

// Param returns the value of the named parameter (name case-insensitive).
func (c Challenge) Param(name string) (string, bool) {
	for _, p := range c.Params {
		if strings.EqualFold(p.Name, name) {
			return p.Value, true
		}
	}
	return "", false
}

// Is reports whether the challenge uses scheme (case-insensitive).
func (c Challenge) Is(scheme string) bool { return strings.EqualFold(c.Scheme, scheme) }

// String formats the challenge so that ParseChallenge reads it back as it
// is. Values are quoted, except those RFC 7616 writes as bare tokens.
func (c Challenge) String() string {
	b := append([]byte(nil), c.Scheme...)
	if c.Token68 != "" {
		b = append(b, ' ')
		b = append(b, c.Token68...)
		return string(b)
	}
	for i, p := range c.Params {
		if i == 0 {
			b = append(b, ' ')
		} else {
			b = append(b, ", "...)
		}
		b = append(b, p.Name...)
		b = append(b, '=')
		switch p.Name {
		case "algorithm", "stale", "charset", "userhash":
			b = appendValue(b, p.Value)
		default:
			b = appendQuoted(b, p.Value)
		}
	}
	return string(b)
}

// ParseChallenge parses one WWW-Authenticate field value, which may hold
// several challenges (RFC 9110 §11.6.1). A parameter named twice in one
// challenge is an error (RFC 9110 §11.2 forbids it and the two readings
// would disagree).
func ParseChallenge(header string) ([]Challenge, error) {
	var out []Challenge
	l := lexer{s: header}
	l.skipSeparators()
	for !l.eof() {
		c, err := parseOneChallenge(&l)
		if err != nil {
			return nil, fmt.Errorf("%w: www-authenticate at byte %d: %w", ErrMalformed, l.i, err)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, &detailError{&ErrMalformed, "empty www-authenticate"}
	}
	return out, nil
}

// ParseChallenges parses every WWW-Authenticate field of h, in order. A
// field that does not parse is skipped when another one yields challenges,
// so one odd header from a proxy does not hide a usable Digest challenge.
func ParseChallenges(h http.Header) ([]Challenge, error) {
	var out []Challenge
	var firstErr error
	for _, v := range h.Values("WWW-Authenticate") {
		cs, err := ParseChallenge(v)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		out = append(out, cs...)
	}
	if len(out) == 0 {
		if firstErr != nil {
			return nil, firstErr
		}
		return nil, &detailError{&ErrMalformed, "no www-authenticate header"}
	}
	return out, nil
}

// parseOneChallenge reads one challenge and the separators after it.
func parseOneChallenge(l *lexer) (Challenge, error) {
	c := Challenge{Scheme: l.token()}
	if c.Scheme == "" {
		return c, errUnexpected
	}
	if l.eof() {
		return c, nil
	}
	if l.peek() == ',' {
		l.skipSeparators()
		return c, nil
	}
	if l.peek() != ' ' && l.peek() != '\t' {
		return c, errUnexpected
	}
	l.skipWS()
	if l.eof() || l.peek() == ',' {
		l.skipSeparators()
		return c, nil
	}
	if t, ok := l.token68(); ok {
		c.Token68 = t
		l.skipSeparators()
		return c, nil
	}
	for {
		name, value, ok, err := l.param()
		if err != nil {
			return c, err
		}
		if !ok {
			if len(c.Params) == 0 {
				// "Scheme Other ..." without a comma: not a parameter list.
				return c, errExpectComma
			}
			return c, nil // the next challenge starts here
		}
		name = strings.ToLower(name)
		if _, dup := c.Param(name); dup {
			return c, errRepeated
		}
		c.Params = append(c.Params, Param{Name: name, Value: value})
		done, err := l.endOfElement()
		if err != nil || done {
			return c, err
		}
	}
}
