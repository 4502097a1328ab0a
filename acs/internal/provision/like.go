package provision

import (
	"strings"
	"unicode/utf8"
)

// likePattern is a compiled LIKE pattern: "%" matches any run of
// characters, "_" exactly one character, and a backslash makes the next
// "%", "_" or "\" literal. Matching is case-sensitive, like "=".
type likePattern struct {
	parts []likePart
}

// likePart is literal text, or a wildcard: any run (star) or one
// character (one).
type likePart struct {
	text string
	star bool
	one  bool
}

// compileLike parses a pattern; it fails on a backslash that escapes
// nothing it may escape.
func compileLike(pat string) (likePattern, bool) {
	var lp likePattern
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			lp.parts = append(lp.parts, likePart{text: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(pat); i++ {
		switch c := pat[i]; c {
		case '\\':
			if i+1 >= len(pat) || strings.IndexByte(`%_\`, pat[i+1]) < 0 {
				return likePattern{}, false
			}
			i++
			lit.WriteByte(pat[i])
		case '%':
			flush()
			// Consecutive stars mean one star.
			if n := len(lp.parts); n == 0 || !lp.parts[n-1].star {
				lp.parts = append(lp.parts, likePart{star: true})
			}
		case '_':
			flush()
			lp.parts = append(lp.parts, likePart{one: true})
		default:
			lit.WriteByte(c)
		}
	}
	flush()
	return lp, true
}

// match reports whether s matches the whole pattern. It backtracks only to
// the most recent "%", which keeps it O(len(s) * len(pattern)) at worst.
func (lp likePattern) match(s string) bool {
	parts := lp.parts
	pi, si := 0, 0
	starPI, starSI := -1, 0
	for {
		if pi < len(parts) {
			p := parts[pi]
			switch {
			case p.star:
				starPI, starSI = pi, si
				pi++
				continue
			case p.one:
				if si < len(s) {
					_, size := utf8.DecodeRuneInString(s[si:])
					si += size
					pi++
					continue
				}
			default:
				if strings.HasPrefix(s[si:], p.text) {
					si += len(p.text)
					pi++
					continue
				}
			}
		} else if si == len(s) {
			return true
		}
		// Mismatch: let the last star swallow one more character.
		if starPI < 0 || starSI >= len(s) {
			return false
		}
		_, size := utf8.DecodeRuneInString(s[starSI:])
		starSI += size
		pi, si = starPI+1, starSI
	}
}
