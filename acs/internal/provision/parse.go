package provision

import (
	"strconv"
)

// Limits that keep a hostile filter from costing more than a page of text.
const (
	// MaxFilterLength bounds a filter's source, in bytes.
	MaxFilterLength = 16 << 10
	// maxDepth bounds nesting (parentheses and NOT), so the recursive
	// parser and evaluator cannot exhaust the stack.
	maxDepth = 64
)

// parser is a recursive-descent parser over the grammar
//
//	filter := [or] EOF
//	or     := and {OR and}
//	and    := not {AND not}
//	not    := NOT not | '(' or ')' | field op value
//	op     := = | != | < | <= | > | >= | LIKE
//	value  := string | number | true | false
type parser struct {
	lx     lexer
	tok    token
	opts   *Options
	depth  int
	params []string // parameter paths read, in order of first use
	// usesNow: a comparison is relative to the time of matching.
	usesNow bool
}

func (p *parser) advance() error {
	t, err := p.lx.next()
	if err != nil {
		return err
	}
	p.tok = t
	return nil
}

func (p *parser) errAt(off int, msg string) error { return p.lx.errAt(off, msg) }

// parse returns the expression, or nil for an empty filter (every device).
func (p *parser) parse() (node, error) {
	if err := p.advance(); err != nil {
		return nil, err
	}
	if p.tok.kind == tokEOF {
		return nil, nil
	}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tokEOF {
		if p.tok.kind == tokRParen {
			return nil, p.errAt(p.tok.off, "unexpected ')' without a matching '('")
		}
		return nil, p.errAt(p.tok.off, "expected AND or OR but found "+describe(p.tok))
	}
	return n, nil
}

func (p *parser) or() (node, error) {
	first, err := p.and()
	if err != nil {
		return nil, err
	}
	kids := []node{first}
	for p.tok.keyword() == "OR" {
		if err := p.advance(); err != nil {
			return nil, err
		}
		k, err := p.and()
		if err != nil {
			return nil, err
		}
		kids = append(kids, k)
	}
	if len(kids) == 1 {
		return first, nil
	}
	return &orNode{kids: flatten[*orNode](kids, func(n *orNode) []node { return n.kids })}, nil
}

func (p *parser) and() (node, error) {
	first, err := p.not()
	if err != nil {
		return nil, err
	}
	kids := []node{first}
	for p.tok.keyword() == "AND" {
		if err := p.advance(); err != nil {
			return nil, err
		}
		k, err := p.not()
		if err != nil {
			return nil, err
		}
		kids = append(kids, k)
	}
	if len(kids) == 1 {
		return first, nil
	}
	return &andNode{kids: flatten[*andNode](kids, func(n *andNode) []node { return n.kids })}, nil
}

// flatten splices nested nodes of the same associative operator into one
// list, so "a AND (b AND c)" and "a AND b AND c" are one tree and print
// alike.
func flatten[T node](kids []node, of func(T) []node) []node {
	out := make([]node, 0, len(kids))
	for _, k := range kids {
		if t, ok := k.(T); ok {
			out = append(out, of(t)...)
			continue
		}
		out = append(out, k)
	}
	return out
}

func (p *parser) enter(off int) error {
	p.depth++
	if p.depth > maxDepth {
		return p.errAt(off, "filter nests too deeply (more than "+strconv.Itoa(maxDepth)+" levels)")
	}
	return nil
}

func (p *parser) not() (node, error) {
	switch {
	case p.tok.keyword() == "NOT":
		if err := p.enter(p.tok.off); err != nil {
			return nil, err
		}
		defer func() { p.depth-- }()
		if err := p.advance(); err != nil {
			return nil, err
		}
		kid, err := p.not()
		if err != nil {
			return nil, err
		}
		return &notNode{kid: kid}, nil
	case p.tok.kind == tokLParen:
		open := p.tok.off
		if err := p.enter(open); err != nil {
			return nil, err
		}
		defer func() { p.depth-- }()
		if err := p.advance(); err != nil {
			return nil, err
		}
		if p.tok.kind == tokRParen {
			return nil, p.errAt(p.tok.off, "empty parentheses")
		}
		n, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.tok.kind != tokRParen {
			if p.tok.kind == tokEOF {
				return nil, p.errAt(p.tok.off, "missing ')' for the '(' at col "+strconv.Itoa(column(p.lx.src, open)))
			}
			return nil, p.errAt(p.tok.off, "expected AND, OR or ')' but found "+describe(p.tok))
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		return n, nil
	}
	return p.comparison()
}

func (p *parser) comparison() (node, error) {
	ft := p.tok
	if ft.kind != tokIdent || ft.keyword() != "" {
		return nil, p.errAt(ft.off, "expected a field, a parameter path, NOT or '(' but found "+describe(ft))
	}
	f, err := p.resolveField(ft)
	if err != nil {
		return nil, err
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	ot := p.tok
	var op string
	switch {
	case ot.kind == tokOp:
		op = ot.text
	case ot.keyword() == "LIKE":
		op = "LIKE"
	default:
		return nil, p.errAt(ot.off, "expected an operator (=, !=, <, <=, >, >= or LIKE) after "+ft.text+
			" but found "+describe(ot))
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	vt := p.tok
	lit := literal{off: vt.off}
	switch {
	case vt.kind == tokString:
		lit.kind, lit.text = litString, vt.text
	case vt.kind == tokNumber:
		lit.kind, lit.text = litNumber, vt.text
	case vt.keyword() == "true" || vt.keyword() == "false":
		lit.kind, lit.text = litBool, vt.keyword()
	case vt.kind == tokIdent && vt.keyword() == "":
		return nil, p.errAt(vt.off, "expected a value after '"+op+"' but found "+describe(vt)+
			"; quote text values: \""+vt.text+"\"")
	default:
		return nil, p.errAt(vt.off, "expected a value after '"+op+"'")
	}
	test, err := f.bind(p, op, lit, ot.off)
	if err != nil {
		return nil, err
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	return &cmpNode{field: f.name, op: op, lit: lit, test: test}, nil
}

// describe names a token in an error message.
func describe(t token) string {
	switch t.kind {
	case tokEOF:
		return "the end of the filter"
	case tokString:
		return "a string"
	case tokNumber:
		return "the number " + t.text
	case tokIdent:
		if k := t.keyword(); k != "" && k != "true" && k != "false" {
			return k
		}
		return strconv.Quote(t.text)
	}
	return "'" + t.text + "'"
}
