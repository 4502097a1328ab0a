package xsdre

import (
	"fmt"
	"math/bits"
)

type opcode uint8

const (
	opClass opcode = iota // consume one character of cls, go to pc+1
	opSplit               // go to x and y
	opJmp                 // go to x
	opMatch
)

type inst struct {
	op   opcode
	x, y int32
	cls  *class
}

// Regexp is a compiled XSD pattern. It is safe for concurrent use.
type Regexp struct {
	src  string
	prog []inst
}

// Compile parses an XSD pattern. As in XSD, the pattern is implicitly
// anchored at both ends: it must match the whole value.
func Compile(src string) (*Regexp, error) {
	n, err := parse(src)
	if err != nil {
		return nil, err
	}
	c := compiler{}
	c.emit(n)
	if c.tooBig {
		return nil, fmt.Errorf("pattern %q expands to more than %d instructions", src, maxInsts)
	}
	c.prog = append(c.prog, inst{op: opMatch})
	return &Regexp{src: src, prog: c.prog}, nil
}

// MustCompile is Compile for patterns known to be valid; it panics otherwise.
func MustCompile(src string) *Regexp {
	re, err := Compile(src)
	if err != nil {
		panic(err)
	}
	return re
}

// String returns the source pattern.
func (re *Regexp) String() string { return re.src }

type compiler struct {
	prog   []inst
	steps  int // emit calls, bounded so that repeated empty groups cannot spin
	tooBig bool
}

func (c *compiler) add(in inst) int {
	if len(c.prog) >= maxInsts {
		c.tooBig = true
		return len(c.prog) - 1
	}
	c.prog = append(c.prog, in)
	return len(c.prog) - 1
}

func (c *compiler) emit(n *node) {
	c.steps++
	if c.steps > 4*maxInsts {
		c.tooBig = true
	}
	if c.tooBig {
		return
	}
	switch n.kind {
	case nEmpty:
	case nClass:
		c.add(inst{op: opClass, cls: n.class})
	case nConcat:
		for _, s := range n.subs {
			c.emit(s)
		}
	case nAlt:
		var jumps []int
		for i, s := range n.subs {
			if i == len(n.subs)-1 {
				c.emit(s)
				break
			}
			split := c.add(inst{op: opSplit})
			c.prog[split].x = int32(split + 1)
			c.emit(s)
			jumps = append(jumps, c.add(inst{op: opJmp}))
			c.prog[split].y = int32(len(c.prog))
		}
		for _, j := range jumps {
			c.prog[j].x = int32(len(c.prog))
		}
	case nRepeat:
		sub := n.subs[0]
		for range n.min {
			c.emit(sub)
		}
		if n.max == -1 {
			loop := c.add(inst{op: opSplit})
			c.prog[loop].x = int32(loop + 1)
			c.emit(sub)
			c.add(inst{op: opJmp, x: int32(loop)})
			c.prog[loop].y = int32(len(c.prog))
			return
		}
		// Every optional copy skips straight to the end: once one is
		// skipped, all later ones are too, which keeps the program linear.
		var splits []int
		for i := n.min; i < n.max && !c.tooBig; i++ {
			s := c.add(inst{op: opSplit})
			c.prog[s].x = int32(s + 1)
			splits = append(splits, s)
			c.emit(sub)
		}
		for _, s := range splits {
			c.prog[s].y = int32(len(c.prog))
		}
	}
}

// MatchString reports whether the whole of s matches the pattern. It runs
// in time proportional to len(s) times the program size and, for programs
// of up to 512 instructions, does not allocate.
func (re *Regexp) MatchString(s string) bool {
	words := (len(re.prog) + 63) / 64
	var buf [16]uint64
	var cur, next []uint64
	if 2*words <= len(buf) {
		cur, next = buf[:words], buf[words:2*words]
	} else {
		cur, next = make([]uint64, words), make([]uint64, words)
	}
	re.follow(cur, 0)
	for _, r := range s {
		clear(next)
		alive := false
		for w, word := range cur {
			for word != 0 {
				pc := w*64 + bits.TrailingZeros64(word)
				word &= word - 1
				in := &re.prog[pc]
				if in.op == opClass && in.cls.matches(r) {
					re.follow(next, pc+1)
					alive = true
				}
			}
		}
		if !alive {
			return false
		}
		cur, next = next, cur
	}
	end := len(re.prog) - 1
	return cur[end/64]&(1<<(end%64)) != 0
}

// follow adds pc and every state reachable from it without consuming input.
func (re *Regexp) follow(set []uint64, pc int) {
	for {
		if set[pc/64]&(1<<(pc%64)) != 0 {
			return
		}
		set[pc/64] |= 1 << (pc % 64)
		in := &re.prog[pc]
		switch in.op {
		case opJmp:
			pc = int(in.x)
		case opSplit:
			re.follow(set, int(in.x))
			pc = int(in.y)
		default:
			return
		}
	}
}
