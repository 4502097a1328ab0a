package uci

import "fmt"

// lexer splits the source into statements of tokens, following uci's
// quoting rules (see the package comment).
type lexer struct {
	src  []byte
	pos  int
	line int
}

func (l *lexer) eof() bool { return l.pos >= len(l.src) }

func (l *lexer) errorf(line int, format string, a ...any) error {
	return &SyntaxError{Line: line, Msg: fmt.Sprintf(format, a...)}
}

// isBlank is C's isspace without the newline, which ends statements.
func isBlank(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'
}

// continuation reports whether a backslash at pos starts a line
// continuation, and how many bytes the backslash and line break take.
func (l *lexer) continuation(pos int) (int, bool) {
	rest := l.src[pos+1:]
	switch {
	case len(rest) >= 1 && rest[0] == '\n':
		return 2, true
	case len(rest) >= 2 && rest[0] == '\r' && rest[1] == '\n':
		return 3, true
	}
	return 0, false
}

// statement returns the tokens of the next statement, or nil for a blank or
// comment-only line and at the end of the input.
func (l *lexer) statement() ([]string, error) {
	var toks []string
	for {
		// Skip blanks and continuations between tokens.
		for !l.eof() {
			c := l.src[l.pos]
			if isBlank(c) {
				l.pos++
				continue
			}
			if c == '\\' {
				if n, ok := l.continuation(l.pos); ok {
					l.pos += n
					l.line++
					continue
				}
			}
			break
		}
		if l.eof() {
			return toks, nil
		}
		switch c := l.src[l.pos]; c {
		case '\n':
			l.pos++
			l.line++
			return toks, nil
		case '#':
			l.skipComment()
			return toks, nil
		}
		tok, comment, err := l.token()
		if err != nil {
			return nil, err
		}
		toks = append(toks, tok)
		if comment {
			l.skipComment()
			return toks, nil
		}
	}
}

// skipComment moves to the end of the line (leaving the newline).
func (l *lexer) skipComment() {
	for !l.eof() && l.src[l.pos] != '\n' {
		if l.src[l.pos] == 0 {
			return // reported by the caller's next token read
		}
		l.pos++
	}
}

// token reads one token at pos, which is not blank, not a newline and not
// a comment start. comment reports that an unquoted # ended the token.
func (l *lexer) token() (tok string, comment bool, err error) {
	var b []byte
	for !l.eof() {
		c := l.src[l.pos]
		switch {
		case c == 0:
			return "", false, l.errorf(l.line, "NUL byte in input")
		case isBlank(c) || c == '\n':
			return string(b), false, nil
		case c == '#':
			return string(b), true, nil
		case c == '\'':
			start := l.line
			l.pos++
			for {
				if l.eof() || l.src[l.pos] == '\n' {
					return "", false, l.errorf(start, "unterminated ' quote")
				}
				if l.src[l.pos] == 0 {
					return "", false, l.errorf(l.line, "NUL byte in input")
				}
				if l.src[l.pos] == '\'' {
					l.pos++
					break
				}
				b = append(b, l.src[l.pos])
				l.pos++
			}
		case c == '"':
			start := l.line
			l.pos++
			for {
				if l.eof() || l.src[l.pos] == '\n' {
					return "", false, l.errorf(start, "unterminated \" quote")
				}
				d := l.src[l.pos]
				if d == 0 {
					return "", false, l.errorf(l.line, "NUL byte in input")
				}
				if d == '"' {
					l.pos++
					break
				}
				if d == '\\' {
					if n, ok := l.continuation(l.pos); ok {
						l.pos += n
						l.line++
						continue
					}
					if l.pos+1 >= len(l.src) {
						return "", false, l.errorf(start, "unterminated \" quote")
					}
					l.pos++
					d = l.src[l.pos]
					if d == 0 {
						return "", false, l.errorf(l.line, "NUL byte in input")
					}
				}
				b = append(b, d)
				l.pos++
			}
		case c == '\\':
			if n, ok := l.continuation(l.pos); ok {
				l.pos += n
				l.line++
				continue
			}
			l.pos++
			if l.eof() {
				// A backslash at the very end escapes nothing; uci drops it.
				return string(b), false, nil
			}
			d := l.src[l.pos]
			if d == 0 {
				return "", false, l.errorf(l.line, "NUL byte in input")
			}
			b = append(b, d)
			l.pos++
		default:
			b = append(b, c)
			l.pos++
		}
	}
	return string(b), false, nil
}
