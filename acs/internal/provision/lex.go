package provision

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// tokKind is the lexical class of a filter token.
type tokKind uint8

const (
	tokEOF tokKind = iota
	tokLParen
	tokRParen
	tokIdent  // a field name, a parameter path or a keyword
	tokString // a double-quoted string; text holds the unescaped value
	tokNumber // -?digits(.digits)?
	tokOp     // = != < <= > >=
)

// token is one lexeme; off is its byte offset in the source.
type token struct {
	kind tokKind
	text string
	off  int
}

// Keywords are matched without regard to case; their canonical spelling is
// the one below.
var keywords = map[string]string{
	"and": "AND", "or": "OR", "not": "NOT", "like": "LIKE",
	"true": "true", "false": "false",
}

// keyword returns the canonical spelling of t if it is a keyword.
func (t token) keyword() string {
	if t.kind != tokIdent {
		return ""
	}
	return keywords[strings.ToLower(t.text)]
}

// lexer splits a filter into tokens on demand.
type lexer struct {
	src string
	pos int
}

func isIdentStart(c byte) bool {
	return c == '_' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}

// isIdentByte admits what parameter paths are made of, including the
// instance syntax ParsePath knows ({i}, [alias], *), so that a path the
// filter language does not support is reported by its own rule rather than
// as a stray character.
func isIdentByte(c byte) bool {
	return isIdentStart(c) || isDigit(c) || strings.IndexByte(".-{}[]*", c) >= 0
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// next returns the following token.
func (l *lexer) next() (token, error) {
	for l.pos < len(l.src) && strings.IndexByte(" \t\r\n", l.src[l.pos]) >= 0 {
		l.pos++
	}
	start := l.pos
	if start >= len(l.src) {
		return token{kind: tokEOF, off: start}, nil
	}
	c := l.src[start]
	switch {
	case c == '(':
		l.pos++
		return token{kind: tokLParen, text: "(", off: start}, nil
	case c == ')':
		l.pos++
		return token{kind: tokRParen, text: ")", off: start}, nil
	case c == '=':
		l.pos++
		return token{kind: tokOp, text: "=", off: start}, nil
	case c == '!':
		if strings.HasPrefix(l.src[start:], "!=") {
			l.pos += 2
			return token{kind: tokOp, text: "!=", off: start}, nil
		}
		return token{}, l.errAt(start, "'!' must be followed by '='")
	case c == '<' || c == '>':
		l.pos++
		if l.pos < len(l.src) && l.src[l.pos] == '=' {
			l.pos++
		}
		return token{kind: tokOp, text: l.src[start:l.pos], off: start}, nil
	case c == '"':
		return l.str()
	case isDigit(c) || (c == '-' && start+1 < len(l.src) && isDigit(l.src[start+1])):
		return l.number()
	case isIdentStart(c):
		for l.pos < len(l.src) && isIdentByte(l.src[l.pos]) {
			l.pos++
		}
		return token{kind: tokIdent, text: l.src[start:l.pos], off: start}, nil
	}
	r, _ := utf8.DecodeRuneInString(l.src[start:])
	if r == utf8.RuneError {
		return token{}, l.errAt(start, "invalid UTF-8")
	}
	return token{}, l.errAt(start, "unexpected character "+strconv.QuoteRune(r))
}

// number scans -?digits(.digits)?. Dotted versions with more parts must be
// quoted: a bare 2.1.3 is neither a number nor anything else.
func (l *lexer) number() (token, error) {
	start := l.pos
	if l.src[l.pos] == '-' {
		l.pos++
	}
	l.digits()
	if l.pos < len(l.src) && l.src[l.pos] == '.' {
		l.pos++
		if l.digits() == 0 {
			return token{}, l.errAt(start, "malformed number "+strconv.Quote(l.src[start:l.pos]))
		}
	}
	if l.pos < len(l.src) && isIdentByte(l.src[l.pos]) {
		for l.pos < len(l.src) && isIdentByte(l.src[l.pos]) {
			l.pos++
		}
		return token{}, l.errAt(start, "malformed number "+strconv.Quote(l.src[start:l.pos])+
			"; quote versions and other text: \""+l.src[start:l.pos]+"\"")
	}
	return token{kind: tokNumber, text: l.src[start:l.pos], off: start}, nil
}

func (l *lexer) digits() int {
	n := 0
	for l.pos < len(l.src) && isDigit(l.src[l.pos]) {
		l.pos++
		n++
	}
	return n
}

// str scans a double-quoted string. Escapes: \" \\ \/ \n \r \t \uXXXX
// (JSON's, so values pasted from JSON keep their meaning). Raw control
// characters are refused so that a filter always fits on one line.
func (l *lexer) str() (token, error) {
	start := l.pos
	l.pos++ // opening quote
	var b strings.Builder
	for {
		if l.pos >= len(l.src) {
			return token{}, l.errAt(start, "unterminated string")
		}
		c := l.src[l.pos]
		switch {
		case c == '"':
			l.pos++
			return token{kind: tokString, text: b.String(), off: start}, nil
		case c == '\\':
			if err := l.escape(&b); err != nil {
				return token{}, err
			}
		case c < 0x20 || c == 0x7f:
			return token{}, l.errAt(l.pos, "control character in string; write it as an escape such as \\n")
		default:
			r, size := utf8.DecodeRuneInString(l.src[l.pos:])
			if r == utf8.RuneError && size == 1 {
				return token{}, l.errAt(l.pos, "invalid UTF-8 in string")
			}
			b.WriteString(l.src[l.pos : l.pos+size])
			l.pos += size
		}
	}
}

func (l *lexer) escape(b *strings.Builder) error {
	at := l.pos
	if l.pos+1 >= len(l.src) {
		return l.errAt(at, "unterminated string")
	}
	c := l.src[l.pos+1]
	l.pos += 2
	switch c {
	case '"', '\\', '/':
		b.WriteByte(c)
	case 'n':
		b.WriteByte('\n')
	case 'r':
		b.WriteByte('\r')
	case 't':
		b.WriteByte('\t')
	case 'u':
		if l.pos+4 > len(l.src) {
			return l.errAt(at, "\\u needs four hex digits")
		}
		n, err := strconv.ParseUint(l.src[l.pos:l.pos+4], 16, 32)
		if err != nil {
			return l.errAt(at, "\\u needs four hex digits")
		}
		r := rune(n)
		if r == 0 || !utf8.ValidRune(r) {
			return l.errAt(at, "\\u"+l.src[l.pos:l.pos+4]+" is not a character")
		}
		l.pos += 4
		b.WriteRune(r)
	default:
		r, _ := utf8.DecodeRuneInString(l.src[at+1:])
		return l.errAt(at, "invalid escape \\"+string(r)+" in string")
	}
	return nil
}

func (l *lexer) errAt(off int, msg string) error {
	return &FilterError{Col: column(l.src, off), Msg: msg}
}

// column turns a byte offset into a 1-based column counted in characters,
// which is what a person counts in an editor or a terminal.
func column(src string, off int) int {
	if off > len(src) {
		off = len(src)
	}
	return utf8.RuneCountInString(src[:off]) + 1
}

// quote writes s as a filter string literal that the lexer reads back as s.
func quote(b *strings.Builder, s string) {
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if r < 0x20 || r == 0x7f {
				b.WriteString(`\u00`)
				b.WriteByte("0123456789abcdef"[r>>4])
				b.WriteByte("0123456789abcdef"[r&0xf])
				continue
			}
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
}
