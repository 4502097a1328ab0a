package provision

import (
	"strings"
	"time"

	"gatewarden/acs/internal/store"
)

// Operator precedence, loosest first: OR < AND < NOT < a comparison.
const (
	precOr = iota + 1
	precAnd
	precNot
	precCmp
)

// node is a compiled filter expression.
type node interface {
	eval(e env) bool
	prec() int
	write(b *strings.Builder)
}

// env is what one Match call evaluates against. It travels by value: a
// pointer handed to the compiled tests would escape and cost an allocation
// per Match, which a listing over a whole fleet would feel.
type env struct {
	d      *store.Device
	params func(string) (store.Param, bool)
	opts   *Options
	now    time.Time // read once per Match, only by filters with relative times
}

func (e env) clock() time.Time { return e.now }

func (e env) param(name string) (store.Param, bool) {
	if e.params == nil {
		return store.Param{}, false
	}
	return e.params(name)
}

type orNode struct{ kids []node }

func (n *orNode) eval(e env) bool {
	for _, k := range n.kids {
		if k.eval(e) {
			return true
		}
	}
	return false
}
func (n *orNode) prec() int { return precOr }
func (n *orNode) write(b *strings.Builder) {
	for i, k := range n.kids {
		if i > 0 {
			b.WriteString(" OR ")
		}
		writeChild(b, k, precAnd)
	}
}

type andNode struct{ kids []node }

func (n *andNode) eval(e env) bool {
	for _, k := range n.kids {
		if !k.eval(e) {
			return false
		}
	}
	return true
}
func (n *andNode) prec() int { return precAnd }
func (n *andNode) write(b *strings.Builder) {
	for i, k := range n.kids {
		if i > 0 {
			b.WriteString(" AND ")
		}
		writeChild(b, k, precNot)
	}
}

type notNode struct{ kid node }

func (n *notNode) eval(e env) bool { return !n.kid.eval(e) }
func (n *notNode) prec() int       { return precNot }
func (n *notNode) write(b *strings.Builder) {
	b.WriteString("NOT ")
	writeChild(b, n.kid, precNot)
}

// writeChild parenthesises k when it binds more loosely than its place
// needs, so the canonical form has exactly the parentheses it must have.
func writeChild(b *strings.Builder, k node, min int) {
	if k.prec() < min {
		b.WriteByte('(')
		k.write(b)
		b.WriteByte(')')
		return
	}
	k.write(b)
}

// litKind is the kind of a value as written.
type litKind uint8

const (
	litString litKind = iota + 1
	litNumber
	litBool
)

func (k litKind) String() string {
	switch k {
	case litString:
		return "a string"
	case litNumber:
		return "a number"
	}
	return "a boolean"
}

// literal is the value side of a comparison.
type literal struct {
	kind litKind
	text string // unescaped string, number as written, "true"/"false"
	off  int
}

func (l literal) write(b *strings.Builder) {
	if l.kind == litString {
		quote(b, l.text)
		return
	}
	b.WriteString(l.text)
}

// describe names the literal in an error message.
func (l literal) describe() string {
	var b strings.Builder
	l.write(&b)
	return b.String()
}

// cmpNode is one comparison, `field op value`, with its test bound at
// compile time to the field's type.
type cmpNode struct {
	field string
	op    string
	lit   literal
	test  func(e env) bool
}

func (n *cmpNode) eval(e env) bool { return n.test(e) }
func (n *cmpNode) prec() int       { return precCmp }
func (n *cmpNode) write(b *strings.Builder) {
	b.WriteString(n.field)
	b.WriteByte(' ')
	b.WriteString(n.op)
	b.WriteByte(' ')
	n.lit.write(b)
}
