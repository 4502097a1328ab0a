package datamodel

import (
	"iter"
	"strings"
	"unicode/utf8"
)

// MaxPathLength is the longest parameter or object name CWMP carries
// (string(256) in the CWMP XSD), counted in characters.
const MaxPathLength = 256

// MaxAliasLength bounds the alias in an alias-based segment ("[cpe-1]"),
// the size of the Alias data type.
const MaxAliasLength = 64

// SegmentKind says what one dot-separated part of a path is.
type SegmentKind uint8

const (
	// SegName is an object or parameter name ("Interface", "X_0011AA_Foo").
	SegName SegmentKind = iota + 1
	// SegInstance is an instance number ("3").
	SegInstance
	// SegTemplate is the placeholder of the data-model templates ("{i}").
	SegTemplate
	// SegAlias is an instance chosen by its Alias ("[cpe-wan]"), for
	// alias-based addressing.
	SegAlias
	// SegWildcard is "*", every instance (InstanceWildcardsSupported).
	SegWildcard
)

// Segment is one part of a path.
type Segment struct {
	Kind SegmentKind
	// Text is the segment as written: "Interface", "3", "{i}", "[cpe-1]", "*".
	Text string
	// Instance is the number of a SegInstance.
	Instance uint32
}

// IsInstance reports whether s selects instances of a table: an instance
// number, {i}, an alias or a wildcard.
func (s Segment) IsInstance() bool { return s.Kind != SegName }

// Alias returns the alias of a SegAlias segment without its brackets.
func (s Segment) Alias() string {
	if s.Kind != SegAlias {
		return ""
	}
	return s.Text[1 : len(s.Text)-1]
}

const (
	pathPartial = 1 << iota
	pathNumber
	pathTemplate
	pathAlias
	pathWildcard
)

// Path is a validated parameter or object path. Partial paths (objects, and
// the prefixes CWMP uses to select subtrees) end in "."; the empty path
// stands for the whole tree, as in GetParameterNames with ParameterPath "".
// A Path holds its string and a few flags: parsing it does not allocate,
// and the zero Path is the empty path.
type Path struct {
	s     string
	n     uint16
	flags uint8
}

// ParsePath validates s as a path. Names start with a letter or "_" and
// go on with letters, digits, "_" and "-"; instance segments (numbers
// 1..4294967295 without leading zeros, "{i}", "[alias]", "*") follow a name;
// a full parameter name ends in a name, a partial path in ".". Errors wrap
// ErrPath.
func ParsePath(s string) (Path, error) {
	p, err := parsePath(s, false)
	if err != nil {
		return Path{}, err
	}
	return p, nil
}

// MustParsePath is ParsePath for constants; it panics on a bad path.
func MustParsePath(s string) Path {
	p, err := ParsePath(s)
	if err != nil {
		panic(err)
	}
	return p
}

// parsePath validates s; trailingInstance also accepts a path ending in an
// instance segment without the final dot, the form references take
// ("Device.IP.Interface.1").
func parsePath(s string, trailingInstance bool) (Path, *PathError) {
	if s == "" {
		return Path{}, nil
	}
	if len(s) > MaxPathLength && utf8.RuneCountInString(s) > MaxPathLength {
		return Path{}, &PathError{Path: s, Offset: MaxPathLength, Reason: "longer than 256 characters"}
	}
	p := Path{s: s}
	prev := SegmentKind(0)
	for i := 0; ; {
		seg, end, reason := scanSegment(s, i)
		if reason != "" {
			return Path{}, &PathError{Path: s, Offset: i, Reason: reason}
		}
		if seg.Kind != SegName && prev != SegName {
			return Path{}, &PathError{Path: s, Offset: i, Reason: "an instance must follow an object name"}
		}
		p.flags |= segmentFlag(seg.Kind)
		p.n++
		prev = seg.Kind
		if end == len(s) {
			if prev != SegName && !trailingInstance {
				return Path{}, &PathError{Path: s, Offset: i, Reason: "a parameter name cannot end in an instance; add '.' for the object"}
			}
			return p, nil
		}
		if end+1 == len(s) {
			p.flags |= pathPartial
			return p, nil
		}
		i = end + 1
	}
}

func segmentFlag(k SegmentKind) uint8 {
	switch k {
	case SegInstance:
		return pathNumber
	case SegTemplate:
		return pathTemplate
	case SegAlias:
		return pathAlias
	case SegWildcard:
		return pathWildcard
	}
	return 0
}

// scanSegment reads the segment starting at s[i]. It returns the segment,
// the index just past it (a '.' or len(s)) and, for a malformed segment, why.
func scanSegment(s string, i int) (Segment, int, string) {
	if i >= len(s) || s[i] == '.' {
		return Segment{}, i, "empty segment"
	}
	if s[i] == '[' {
		end := i + 1
		for end < len(s) && s[end] != ']' {
			c := s[end]
			if c == '[' || c < 0x20 || c == 0x7f {
				return Segment{}, i, "alias holds a bracket or control character"
			}
			end++
		}
		if end == len(s) {
			return Segment{}, i, "alias is not closed by ']'"
		}
		alias := s[i+1 : end]
		if alias == "" {
			return Segment{}, i, "alias is empty"
		}
		if len(alias) > MaxAliasLength && utf8.RuneCountInString(alias) > MaxAliasLength {
			return Segment{}, i, "alias is longer than 64 characters"
		}
		end++
		if end < len(s) && s[end] != '.' {
			return Segment{}, end, "']' must be followed by '.'"
		}
		return Segment{Kind: SegAlias, Text: s[i:end]}, end, ""
	}
	end := i
	for end < len(s) && s[end] != '.' {
		end++
	}
	t := s[i:end]
	switch c := t[0]; {
	case t == "*":
		return Segment{Kind: SegWildcard, Text: t}, end, ""
	case t == "{i}":
		return Segment{Kind: SegTemplate, Text: t}, end, ""
	case c >= '0' && c <= '9':
		n, ok := parseInstance(t)
		if !ok {
			return Segment{}, i, "instance number must be 1..4294967295 without leading zeros"
		}
		return Segment{Kind: SegInstance, Text: t, Instance: n}, end, ""
	case isNameStart(c):
		for j := 1; j < len(t); j++ {
			if !isNameChar(t[j]) {
				return Segment{}, i + j, "name holds a character other than a letter, digit, '_' or '-'"
			}
		}
		return Segment{Kind: SegName, Text: t}, end, ""
	}
	return Segment{}, i, "segment must start with a letter, '_', a digit, '{i}', '[' or '*'"
}

func isNameStart(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '_'
}

func isNameChar(c byte) bool {
	return isNameStart(c) || c >= '0' && c <= '9' || c == '-'
}

func parseInstance(t string) (uint32, bool) {
	if t == "" || t[0] == '0' || len(t) > 10 {
		return 0, false
	}
	var n uint64
	for i := 0; i < len(t); i++ {
		c := t[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	if n > 1<<32-1 {
		return 0, false
	}
	return uint32(n), true
}

// String returns the path as written.
func (p Path) String() string { return p.s }

// IsEmpty reports whether p is the empty path (the whole tree).
func (p Path) IsEmpty() bool { return p.s == "" }

// IsPartial reports whether p ends in "." (an object or subtree) or is
// empty, rather than naming a single parameter.
func (p Path) IsPartial() bool { return p.s == "" || p.flags&pathPartial != 0 }

// Len returns the number of segments.
func (p Path) Len() int { return int(p.n) }

// HasTemplate reports whether p holds a {i} placeholder.
func (p Path) HasTemplate() bool { return p.flags&pathTemplate != 0 }

// HasAlias reports whether p selects an instance by alias.
func (p Path) HasAlias() bool { return p.flags&pathAlias != 0 }

// HasWildcard reports whether p holds a "*".
func (p Path) HasWildcard() bool { return p.flags&pathWildcard != 0 }

// IsConcrete reports whether p names instances only by number, so that it
// can address one actual parameter or object (no {i}, alias or wildcard).
func (p Path) IsConcrete() bool { return p.flags&(pathTemplate|pathAlias|pathWildcard) == 0 }

// Segments iterates over the segments in order.
func (p Path) Segments() iter.Seq[Segment] {
	return func(yield func(Segment) bool) {
		if p.s == "" {
			return
		}
		for i := 0; ; {
			seg, end, _ := scanSegment(p.s, i)
			if !yield(seg) || end+1 >= len(p.s) {
				return
			}
			i = end + 1
		}
	}
}

// Segment returns segment i (0-based); it panics if i is out of range.
func (p Path) Segment(i int) Segment {
	if i >= 0 {
		for seg := range p.Segments() {
			if i == 0 {
				return seg
			}
			i--
		}
	}
	panic("datamodel: path segment index out of range")
}

// lastStart returns where the last segment of a non-empty path begins.
func (p Path) lastStart() int {
	s := strings.TrimSuffix(p.s, ".")
	if strings.HasSuffix(s, "]") {
		return strings.LastIndexByte(s, '[')
	}
	return strings.LastIndexByte(s, '.') + 1
}

// Last returns the last segment; for the empty path, the zero Segment.
func (p Path) Last() Segment {
	if p.s == "" {
		return Segment{}
	}
	seg, _, _ := scanSegment(p.s, p.lastStart())
	return seg
}

// Parent returns p without its last segment, as a partial path: the parent
// of "Device.IP.Interface.3.Name" is "Device.IP.Interface.3.", whose parent
// is the table "Device.IP.Interface.", and the parent of "Device." is the
// empty path.
func (p Path) Parent() Path {
	if p.s == "" {
		return p
	}
	q := Path{s: p.s[:p.lastStart()], n: p.n - 1, flags: pathPartial}
	if q.s == "" {
		return Path{}
	}
	for seg := range q.Segments() {
		q.flags |= segmentFlag(seg.Kind)
	}
	return q
}

// Template returns p with every instance number, alias and wildcard
// replaced by {i}: the data-model name of what p addresses, as in
// "Device.IP.Interface.{i}.IPv4Address.{i}.IPAddress". It allocates only
// when something is replaced.
func (p Path) Template() string {
	if p.flags&(pathNumber|pathAlias|pathWildcard) == 0 {
		return p.s
	}
	var b strings.Builder
	b.Grow(len(p.s) + 2*int(p.n))
	for seg := range p.Segments() {
		if seg.IsInstance() {
			b.WriteString("{i}")
		} else {
			b.WriteString(seg.Text)
		}
		b.WriteByte('.')
	}
	s := b.String()
	if !p.IsPartial() {
		s = s[:len(s)-1]
	}
	return s
}

// AppendInstances appends p's instance numbers to dst, in order, and
// returns the extended slice: for "Device.IP.Interface.3.IPv4Address.1."
// it appends 3 and 1. Templates, aliases and wildcards append nothing.
func (p Path) AppendInstances(dst []uint32) []uint32 {
	if p.flags&pathNumber == 0 {
		return dst
	}
	for seg := range p.Segments() {
		if seg.Kind == SegInstance {
			dst = append(dst, seg.Instance)
		}
	}
	return dst
}

// Covers reports whether p lies within q: q is p itself, or q is a partial
// path and p starts with it. A "*" or {i} in q matches any instance number,
// alias, {i} or "*" in p, so "Device.IP.Interface.*." covers
// "Device.IP.Interface.3.Name". The empty path covers everything.
func (q Path) Covers(p Path) bool {
	if q.s == "" {
		return true
	}
	if q.IsPartial() {
		if q.n > p.n || q.n == p.n && !p.IsPartial() {
			return false
		}
	} else if q.n != p.n || p.IsPartial() {
		return false
	}
	if q.IsConcrete() {
		if !q.IsPartial() {
			return p.s == q.s
		}
		return strings.HasPrefix(p.s, q.s)
	}
	i, j := 0, 0
	for range q.n {
		a, aend, _ := scanSegment(q.s, i)
		b, bend, _ := scanSegment(p.s, j)
		switch {
		case a.Kind == SegWildcard || a.Kind == SegTemplate:
			if !b.IsInstance() {
				return false
			}
		case a.Text != b.Text:
			return false
		}
		i, j = aend+1, bend+1
	}
	return true
}
