package digest

import "strings"

// The grammar here is RFC 9110 §11 (auth-scheme, token68, auth-param) with
// RFC 9110 §5.6 tokens and quoted-strings. One lexer serves WWW-Authenticate
// (client side) and Authorization (server side) so both ends agree on what a
// header means.

var (
	errUnexpected   error = &sentinel{"unexpected character"}
	errUnterminated error = &sentinel{"unterminated quoted-string"}
	errNoValue      error = &sentinel{"parameter without a value"}
	errExpectComma  error = &sentinel{"expected a comma between elements"}
	errRepeated     error = &sentinel{"parameter repeated"}
)

// tchar per RFC 9110 §5.6.2.
var tchar = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return t
}()

func isToken68Char(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/'
}

// qdtext: HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text. A table, since
// scanning quoted values is most of the parser's time.
var qdtext = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = c == '\t' || c == ' ' || c == 0x21 || (c >= 0x23 && c <= 0x5B) || (c >= 0x5D && c != 0x7F)
	}
	return t
}()

// isQuotedPairChar: HTAB / SP / VCHAR / obs-text.
func isQuotedPairChar(c byte) bool {
	return c == '\t' || (c >= 0x20 && c != 0x7F)
}

func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !tchar[s[i]] {
			return false
		}
	}
	return true
}

// schemeOf returns the auth-scheme an Authorization value starts with.
func schemeOf(h string) string {
	l := lexer{s: h}
	l.skipWS()
	return l.token()
}

type lexer struct {
	s string
	i int
}

func (l *lexer) eof() bool  { return l.i >= len(l.s) }
func (l *lexer) peek() byte { return l.s[l.i] }

func (l *lexer) skipWS() {
	for l.i < len(l.s) && (l.s[l.i] == ' ' || l.s[l.i] == '\t') {
		l.i++
	}
}

// skipSeparators skips OWS and the commas of empty list elements (RFC 9110
// §5.6.1 lets a recipient ignore those).
func (l *lexer) skipSeparators() {
	for l.i < len(l.s) && (l.s[l.i] == ' ' || l.s[l.i] == '\t' || l.s[l.i] == ',') {
		l.i++
	}
}

func (l *lexer) token() string {
	start := l.i
	for l.i < len(l.s) && tchar[l.s[l.i]] {
		l.i++
	}
	return l.s[start:l.i]
}

// quoted reads a quoted-string at l.i (which holds '"') and returns its
// unescaped content. It allocates only when the string holds a quoted-pair.
func (l *lexer) quoted() (string, error) {
	start := l.i + 1
	for j := start; j < len(l.s); j++ {
		c := l.s[j]
		if qdtext[c] {
			continue
		}
		switch c {
		case '"':
			l.i = j + 1
			return l.s[start:j], nil
		case '\\':
			return l.quotedEscaped(start, j)
		}
		return "", errUnexpected
	}
	return "", errUnterminated
}

func (l *lexer) quotedEscaped(start, j int) (string, error) {
	var b strings.Builder
	b.Grow(len(l.s) - start)
	b.WriteString(l.s[start:j])
	for ; j < len(l.s); j++ {
		c := l.s[j]
		switch {
		case c == '"':
			l.i = j + 1
			return b.String(), nil
		case c == '\\':
			j++
			if j >= len(l.s) {
				return "", errUnterminated
			}
			if !isQuotedPairChar(l.s[j]) {
				return "", errUnexpected
			}
			b.WriteByte(l.s[j])
		case qdtext[c]:
			b.WriteByte(c)
		default:
			return "", errUnexpected
		}
	}
	return "", errUnterminated
}

// token68 reads a token68 when one stands alone at l.i, that is when it is
// followed by OWS and then a comma or the end. Otherwise it consumes nothing.
func (l *lexer) token68() (string, bool) {
	j := l.i
	for j < len(l.s) && isToken68Char(l.s[j]) {
		j++
	}
	if j == l.i {
		return "", false
	}
	for j < len(l.s) && l.s[j] == '=' {
		j++
	}
	k := j
	for k < len(l.s) && (l.s[k] == ' ' || l.s[k] == '\t') {
		k++
	}
	if k < len(l.s) && l.s[k] != ',' {
		return "", false
	}
	t := l.s[l.i:j]
	l.i = k
	return t, true
}

// param reads `token BWS "=" BWS ( token / quoted-string )` at l.i. When the
// element there is not an auth-param (it starts the next challenge) it
// returns ok=false and consumes nothing.
func (l *lexer) param() (name, value string, ok bool, err error) {
	save := l.i
	name = l.token()
	if name == "" {
		return "", "", false, errUnexpected
	}
	l.skipWS()
	if l.eof() || l.peek() != '=' {
		l.i = save
		return "", "", false, nil
	}
	l.i++
	l.skipWS()
	if l.eof() {
		return "", "", false, errNoValue
	}
	if l.peek() == '"' {
		value, err = l.quoted()
		if err != nil {
			return "", "", false, err
		}
		return name, value, true, nil
	}
	value = l.token()
	if value == "" {
		return "", "", false, errNoValue
	}
	return name, value, true, nil
}

// endOfElement checks what follows a parameter: the end (done=true) or a
// comma, after which it skips separators (done=true when only they remain).
func (l *lexer) endOfElement() (done bool, err error) {
	l.skipWS()
	if l.eof() {
		return true, nil
	}
	if l.peek() != ',' {
		return false, errExpectComma
	}
	l.skipSeparators()
	return l.eof(), nil
}

// appendQuoted appends s as a quoted-string. Values that came out of the
// parser never hold characters a quoted-string cannot carry; callers that
// format values of their own check with quotable first.
func appendQuoted(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b = append(b, '\\')
		}
		b = append(b, s[i])
	}
	return append(b, '"')
}

// quotable reports whether s can be carried in a quoted-string.
func quotable(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isQuotedPairChar(s[i]) {
			return false
		}
	}
	return true
}

// appendValue writes a token as is and anything else quoted.
func appendValue(b []byte, s string) []byte {
	if isToken(s) {
		return append(b, s...)
	}
	return appendQuoted(b, s)
}
