package xsdre

import "unicode"

type runeRange struct{ lo, hi rune }

// predicate is one of XSD's multi-character escapes, kept as code rather
// than rune tables.
type predicate uint8

const (
	predNone      predicate = iota
	predSpace               // \s: space, tab, newline, carriage return
	predDigit               // \d: \p{Nd}
	predWord                // \w: anything but \p{P}, \p{Z}, \p{C}
	predNameStart           // \i: XML NameStartChar
	predNameChar            // \c: XML NameChar
)

// class is a set of characters: ranges, a predicate and nested escapes such
// as the \d in "[\d.]", optionally negated, minus an optional subtracted
// class.
type class struct {
	neg        bool
	ranges     []runeRange
	pred       predicate
	subClasses []*class
	sub        *class
}

func single(r rune) *class { return &class{ranges: []runeRange{{r, r}}} }

func (c *class) isSingle() bool {
	return !c.neg && c.pred == predNone && c.sub == nil && len(c.subClasses) == 0 &&
		len(c.ranges) == 1 && c.ranges[0].lo == c.ranges[0].hi
}

func multiEscape(r rune) *class {
	c := &class{neg: unicode.IsUpper(r)}
	switch unicode.ToLower(r) {
	case 's':
		c.pred = predSpace
	case 'd':
		c.pred = predDigit
	case 'w':
		c.pred = predWord
	case 'i':
		c.pred = predNameStart
	case 'c':
		c.pred = predNameChar
	}
	return c
}

func (c *class) matches(r rune) bool {
	in := false
	for _, rg := range c.ranges {
		if r >= rg.lo && r <= rg.hi {
			in = true
			break
		}
	}
	if !in && c.pred != predNone {
		in = c.pred.matches(r)
	}
	if !in {
		for _, s := range c.subClasses {
			if s.matches(r) {
				in = true
				break
			}
		}
	}
	if c.neg {
		in = !in
	}
	if in && c.sub != nil && c.sub.matches(r) {
		in = false
	}
	return in
}

func (p predicate) matches(r rune) bool {
	switch p {
	case predSpace:
		return r == ' ' || r == '\t' || r == '\n' || r == '\r'
	case predDigit:
		return unicode.IsDigit(r)
	case predWord:
		return !unicode.IsPunct(r) && !unicode.Is(unicode.Z, r) && !unicode.Is(unicode.C, r)
	case predNameStart:
		return isNameStart(r)
	case predNameChar:
		return isNameStart(r) || r == '-' || r == '.' || (r >= '0' && r <= '9') || r == 0xB7 ||
			(r >= 0x300 && r <= 0x36F) || (r >= 0x203F && r <= 0x2040)
	}
	return false
}

// isNameStart reports whether r is an XML 1.0 (fifth edition) NameStartChar.
func isNameStart(r rune) bool {
	switch {
	case r == ':' || r == '_' || (r >= 'A' && r <= 'Z') || (r >= 'a' && r <= 'z'):
		return true
	case r < 0xC0:
		return false
	}
	for _, rg := range nameStartRanges {
		if r >= rg.lo && r <= rg.hi {
			return true
		}
	}
	return false
}

var nameStartRanges = []runeRange{
	{0xC0, 0xD6}, {0xD8, 0xF6}, {0xF8, 0x2FF}, {0x370, 0x37D}, {0x37F, 0x1FFF},
	{0x200C, 0x200D}, {0x2070, 0x218F}, {0x2C00, 0x2FEF}, {0x3001, 0xD7FF},
	{0xF900, 0xFDCF}, {0xFDF0, 0xFFFD}, {0x10000, 0xEFFFF},
}
