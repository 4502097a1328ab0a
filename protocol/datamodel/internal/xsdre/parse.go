// Package xsdre matches strings against W3C XML Schema (XSD 1.0) regular
// expressions, the dialect of the BBF data models' <pattern> facets.
//
// Go's regexp speaks another dialect (anchors, "." and "\d" differ) and adds
// about 200 KB to a binary; this engine implements the XSD grammar directly in
// a few kilobytes and matches in linear time (a Thompson NFA simulated
// breadth-first), so hostile values cannot make it backtrack.
//
// Supported: branches, groups, the quantifiers ? * + {n} {n,} {n,m} (a lazy
// "?" after a quantifier, which some BBF patterns carry, is accepted and has
// no effect on a whole-string match), character classes with ranges,
// negation and subtraction, the single-character escapes, and the
// multi-character escapes \s \S \d \D \w \W \i \I \c \C. Category and block
// escapes (\p{..}, \P{..}) are rejected: the data models do not use them, and
// supporting them would link every Unicode table into the router agent.
package xsdre

import (
	"fmt"
	"unicode/utf8"
)

// limits keep a pattern's program small enough for the bitset simulation.
const (
	maxRepeat = 1000
	maxInsts  = 20000
)

type nodeKind uint8

const (
	nEmpty  nodeKind = iota // matches the empty string
	nClass                  // one character from a class
	nConcat                 // subs in sequence
	nAlt                    // one of subs
	nRepeat                 // sub repeated min..max times (max -1: unbounded)
)

type node struct {
	kind     nodeKind
	class    *class
	subs     []*node
	min, max int
}

type parser struct {
	src string
	pos int
}

func parse(src string) (*node, error) {
	if !utf8.ValidString(src) {
		return nil, fmt.Errorf("pattern is not valid UTF-8")
	}
	p := &parser{src: src}
	n, err := p.regExp(0)
	if err != nil {
		return nil, err
	}
	if p.pos != len(p.src) {
		return nil, p.errorf("unexpected %q", p.src[p.pos:p.pos+1])
	}
	return n, nil
}

func (p *parser) errorf(format string, args ...any) error {
	return fmt.Errorf("pattern %q at offset %d: %s", p.src, p.pos, fmt.Sprintf(format, args...))
}

func (p *parser) peek() (rune, bool) {
	if p.pos >= len(p.src) {
		return 0, false
	}
	r, _ := utf8.DecodeRuneInString(p.src[p.pos:])
	return r, true
}

func (p *parser) next() rune {
	r, n := utf8.DecodeRuneInString(p.src[p.pos:])
	p.pos += n
	return r
}

// regExp ::= branch ( '|' branch )*
func (p *parser) regExp(depth int) (*node, error) {
	if depth > 100 {
		return nil, p.errorf("groups nested too deeply")
	}
	var alts []*node
	for {
		b, err := p.branch(depth)
		if err != nil {
			return nil, err
		}
		alts = append(alts, b)
		if r, ok := p.peek(); ok && r == '|' {
			p.pos++
			continue
		}
		break
	}
	if len(alts) == 1 {
		return alts[0], nil
	}
	return &node{kind: nAlt, subs: alts}, nil
}

// branch ::= piece*
func (p *parser) branch(depth int) (*node, error) {
	var pieces []*node
	for {
		r, ok := p.peek()
		if !ok || r == '|' || r == ')' {
			break
		}
		piece, err := p.piece(depth)
		if err != nil {
			return nil, err
		}
		pieces = append(pieces, piece)
	}
	switch len(pieces) {
	case 0:
		return &node{kind: nEmpty}, nil
	case 1:
		return pieces[0], nil
	}
	return &node{kind: nConcat, subs: pieces}, nil
}

// piece ::= atom quantifier?
func (p *parser) piece(depth int) (*node, error) {
	atom, err := p.atom(depth)
	if err != nil {
		return nil, err
	}
	r, ok := p.peek()
	if !ok {
		return atom, nil
	}
	lo, hi := -1, -1
	switch r {
	case '?':
		lo, hi = 0, 1
		p.pos++
	case '*':
		lo, hi = 0, -1
		p.pos++
	case '+':
		lo, hi = 1, -1
		p.pos++
	case '{':
		p.pos++
		if lo, hi, err = p.quantity(); err != nil {
			return nil, err
		}
	default:
		return atom, nil
	}
	// Not XSD, but BBF patterns such as "[0-9]{1,15}?" use it; laziness
	// cannot change whether a whole string matches.
	if r, ok := p.peek(); ok && r == '?' {
		p.pos++
	}
	if r, ok := p.peek(); ok && (r == '?' || r == '*' || r == '+' || r == '{') {
		return nil, p.errorf("quantifier follows a quantifier")
	}
	return &node{kind: nRepeat, subs: []*node{atom}, min: lo, max: hi}, nil
}

// quantity ::= n | n ',' | n ',' m   (the '{' is consumed, the '}' is not)
func (p *parser) quantity() (int, int, error) {
	lo, ok := p.number()
	if !ok {
		return 0, 0, p.errorf("quantifier needs a number")
	}
	hi := lo
	if r, ok := p.peek(); ok && r == ',' {
		p.pos++
		if r, ok := p.peek(); ok && r == '}' {
			hi = -1
		} else if hi, ok = p.number(); !ok {
			return 0, 0, p.errorf("quantifier needs a number after ','")
		}
	}
	if r, ok := p.peek(); !ok || r != '}' {
		return 0, 0, p.errorf("quantifier is not closed")
	}
	p.pos++
	if hi != -1 && hi < lo {
		return 0, 0, p.errorf("quantifier {%d,%d} has max below min", lo, hi)
	}
	return lo, hi, nil
}

func (p *parser) number() (int, bool) {
	start := p.pos
	n := 0
	for p.pos < len(p.src) && p.src[p.pos] >= '0' && p.src[p.pos] <= '9' {
		n = n*10 + int(p.src[p.pos]-'0')
		if n > maxRepeat {
			return 0, false
		}
		p.pos++
	}
	return n, p.pos > start
}

// atom ::= NormalChar | charClass | '(' regExp ')'
func (p *parser) atom(depth int) (*node, error) {
	r := p.next()
	switch r {
	case '(':
		sub, err := p.regExp(depth + 1)
		if err != nil {
			return nil, err
		}
		if r, ok := p.peek(); !ok || r != ')' {
			return nil, p.errorf("group is not closed")
		}
		p.pos++
		return sub, nil
	case '[':
		c, err := p.classExpr()
		if err != nil {
			return nil, err
		}
		return &node{kind: nClass, class: c}, nil
	case '.':
		return &node{kind: nClass, class: &class{neg: true, ranges: []runeRange{{'\n', '\n'}, {'\r', '\r'}}}}, nil
	case '\\':
		c, err := p.escape()
		if err != nil {
			return nil, err
		}
		return &node{kind: nClass, class: c}, nil
	case '?', '*', '+', '{', '}', ')', ']', '|':
		p.pos -= utf8.RuneLen(r)
		return nil, p.errorf("unexpected %q", r)
	}
	return &node{kind: nClass, class: single(r)}, nil
}

// escape parses what follows a backslash: a single-character escape or a
// multi-character one.
func (p *parser) escape() (*class, error) {
	if p.pos >= len(p.src) {
		return nil, p.errorf("pattern ends in a backslash")
	}
	r := p.next()
	switch r {
	case 'n':
		return single('\n'), nil
	case 'r':
		return single('\r'), nil
	case 't':
		return single('\t'), nil
	case '\\', '|', '.', '?', '*', '+', '(', ')', '{', '}', '-', '[', ']', '^':
		return single(r), nil
	case 's', 'S', 'd', 'D', 'w', 'W', 'i', 'I', 'c', 'C':
		return multiEscape(r), nil
	case 'p', 'P':
		return nil, p.errorf("category escape \\%c is not supported", r)
	}
	return nil, p.errorf("unknown escape \\%c", r)
}

// classExpr parses a character class after its '['.
//
//	charGroup ::= ( posCharGroup | '^' posCharGroup ) ( '-' charClassExpr )?
func (p *parser) classExpr() (*class, error) {
	c := &class{}
	if r, ok := p.peek(); ok && r == '^' {
		c.neg = true
		p.pos++
	}
	first := true
	for {
		r, ok := p.peek()
		if !ok {
			return nil, p.errorf("character class is not closed")
		}
		if r == ']' {
			if first {
				return nil, p.errorf("character class is empty")
			}
			p.pos++
			return c, nil
		}
		if r == '-' && !first {
			if p.pos+1 < len(p.src) && p.src[p.pos+1] == '[' {
				p.pos += 2
				sub, err := p.classExpr()
				if err != nil {
					return nil, err
				}
				c.sub = sub
				if r, ok := p.peek(); !ok || r != ']' {
					return nil, p.errorf("class subtraction must end the class")
				}
				p.pos++
				return c, nil
			}
			// A '-' is literal only as the last character of a group.
			if p.pos+1 < len(p.src) && p.src[p.pos+1] == ']' {
				p.pos++
				c.ranges = append(c.ranges, runeRange{'-', '-'})
				continue
			}
			return nil, p.errorf("'-' must be escaped inside a class")
		}
		first = false
		lo, esc, err := p.classChar()
		if err != nil {
			return nil, err
		}
		if esc != nil {
			c.subClasses = append(c.subClasses, esc)
			continue
		}
		hi := lo
		if r, ok := p.peek(); ok && r == '-' && p.pos+1 < len(p.src) && p.src[p.pos+1] != ']' && p.src[p.pos+1] != '[' {
			p.pos++
			if hi, esc, err = p.classChar(); err != nil {
				return nil, err
			}
			if esc != nil {
				return nil, p.errorf("range ends in a multi-character escape")
			}
			if hi < lo {
				return nil, p.errorf("range %q-%q is reversed", lo, hi)
			}
		}
		c.ranges = append(c.ranges, runeRange{lo, hi})
	}
}

// classChar reads one character of a class: a literal, a single-character
// escape (returned as a rune) or a multi-character escape (returned as a
// class).
func (p *parser) classChar() (rune, *class, error) {
	r := p.next()
	switch r {
	case '[':
		return 0, nil, p.errorf("'[' must be escaped inside a class")
	case '\\':
		c, err := p.escape()
		if err != nil {
			return 0, nil, err
		}
		if c.isSingle() {
			return c.ranges[0].lo, nil, nil
		}
		return 0, c, nil
	}
	return r, nil, nil
}
