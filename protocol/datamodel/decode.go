package datamodel

import (
	"math"
	"slices"
	"strings"

	"gatewarden/protocol/datamodel/internal/dmformat"
)

// maxCount bounds counts read from a file, so that corruption cannot
// trigger huge allocations.
const maxCount = 1 << 20

// decode checks a generated file completely (see package dmformat for the
// layout) and returns its Schema. Only the root node and the named types
// are built here: an object builds its children the first time they are
// asked for (children.go), so a CPE agent that consults a few hundred of
// TR-181's 7,000 nodes keeps little more than the decompressed payload,
// about a sixth of what the whole tree takes.
func decode(file string) (*Schema, error) {
	payload, err := dmformat.Unpack(file)
	if err != nil {
		return nil, err
	}
	s, err := scan(payload)
	if err != nil {
		return nil, errorf("decode schema: %w", err)
	}
	return s, nil
}

// scanner checks a payload and records where everything is.
type scanner struct {
	r     *dmformat.Reader
	s     *Schema
	nodes int   // nodes seen so far
	total int   // nodes announced
	names []int // string refs of the siblings being checked, a stack
}

func scan(payload string) (*Schema, error) {
	s := &Schema{payload: payload}
	r := dmformat.NewReader(payload)
	s.strOff = make([]uint32, r.Int(maxCount))
	for i := range s.strOff {
		s.strOff[i] = uint32(r.Pos())
		r.Raw(r.Int(maxCount))
	}
	if r.Err != nil {
		return nil, r.Err
	}
	s.name = s.str(r)
	s.version = Version{uint16(r.Int(1 << 16)), uint16(r.Int(1 << 16))}

	s.patterns = make([]pattern, r.Int(maxCount))
	for i := range s.patterns {
		s.patterns[i].src = s.str(r)
	}
	s.typeOff = make([]uint32, r.Int(maxCount))
	for i := range s.typeOff {
		s.typeOff[i] = uint32(r.Pos())
		s.readType(r, i, nil)
		if r.Err != nil {
			return nil, r.Err
		}
	}
	s.types = make([]*Type, len(s.typeOff))

	total := r.Int(maxCount)
	if total == 0 {
		return nil, errorf("schema has no nodes")
	}
	rootOff := r.Pos()
	sc := scanner{r: r, s: s, total: total}
	sc.node(kidRef{obj: -1})
	if r.Err != nil {
		return nil, r.Err
	}
	if sc.nodes != total {
		return nil, errorf("schema announces %d nodes, holds %d", total, sc.nodes)
	}
	s.numNodes = total
	s.numObject = len(s.objs)

	named := make([]int, r.Int(maxCount))
	for i := range named {
		named[i] = r.Int(len(s.typeOff))
	}
	if r.Err != nil {
		return nil, r.Err
	}
	if !r.Done() {
		return nil, errorf("trailing bytes after the schema")
	}
	s.named = make([]*Type, len(named))
	for i, t := range named {
		s.named[i] = s.typeAt(t)
	}
	if !slices.IsSortedFunc(s.named, func(a, b *Type) int { return strings.Compare(a.name, b.name) }) {
		return nil, errorf("named types are not sorted")
	}
	s.root = &Node{}
	r.Seek(rootOff)
	s.readNode(r, s.root, nil, 0)
	return s, nil
}

// node checks one node and, for an object, its subtree, recording
// offsets. It returns the node's name ref.
func (sc *scanner) node(at kidRef) int {
	r, s := sc.r, sc.s
	if r.Err != nil {
		return 0
	}
	if sc.nodes == sc.total {
		r.Err = errorf("more nodes than announced")
		return 0
	}
	sc.nodes++
	flags := r.Uvarint()
	name := r.Int(len(s.strOff))
	r.Int(1 << 16)
	r.Int(1 << 16)
	if flags&dmformat.NodeObject == 0 {
		if at.obj < 0 {
			r.Err = errorf("the root is not an object")
			return 0
		}
		r.Int(len(s.typeOff))
		if flags&dmformat.NodeHasDefault != 0 {
			r.Byte()
			r.Int(len(s.strOff))
		}
		if flags&dmformat.NodeForcedInform != 0 {
			s.forcedAt = append(s.forcedAt, at)
		}
		return name
	}
	j := len(s.objs)
	s.objs = append(s.objs, objRecord{parent: at})
	count := r.Int(sc.total - sc.nodes + 1)
	r.Int(maxCount)
	r.Int(math.MaxInt32)
	r.Int(len(s.strOff))
	r.Int(len(s.strOff))
	for range r.Int(maxCount) {
		r.Byte()
		for range r.Int(maxCount) {
			r.Int(len(s.strOff))
		}
	}
	if r.Err != nil {
		return 0
	}
	s.objs[j].kids = uint32(r.Pos())
	s.objs[j].count = uint32(count)
	base := len(sc.names)
	for i := range count {
		c := sc.node(kidRef{obj: int32(j), pos: uint32(i)})
		if r.Err != nil {
			return 0
		}
		sc.names = append(sc.names, c)
	}
	kids := sc.names[base:]
	slices.SortFunc(kids, func(a, b int) int { return strings.Compare(s.strAt(a), s.strAt(b)) })
	for i := 1; i < len(kids); i++ {
		if s.strAt(kids[i-1]) == s.strAt(kids[i]) {
			r.Err = errorf("object %q has two children named %q", s.strAt(name), s.strAt(kids[i]))
		}
	}
	sc.names = sc.names[:base]
	s.objs[j].end = uint32(r.Pos())
	s.objs[j].next = uint32(len(s.objs))
	return name
}

// strAt returns string i of the table; i is a checked ref.
func (s *Schema) strAt(i int) string {
	r := dmformat.NewReader(s.payload)
	r.Seek(int(s.strOff[i]))
	return r.Raw(r.Int(maxCount))
}

// str reads a string ref.
func (s *Schema) str(r *dmformat.Reader) string {
	i := r.Int(len(s.strOff))
	if r.Err != nil {
		return ""
	}
	return s.strAt(i)
}

// typeAt returns type i, building it (and the types it refers to) on first
// use. Callers hold mu, or own s alone while scan builds it.
func (s *Schema) typeAt(i int) *Type {
	if t := s.types[i]; t != nil {
		return t
	}
	t := &Type{}
	r := dmformat.NewReader(s.payload)
	r.Seek(int(s.typeOff[i]))
	s.readType(r, i, t)
	t.semantic = semanticCheck(t)
	s.types[i] = t
	return t
}

// readType reads type i's record into t, or only checks it when t is nil.
func (s *Schema) readType(r *dmformat.Reader, i int, t *Type) {
	build := t != nil
	if !build {
		t = &Type{} // scalar fields only: the check allocates nothing else
	}
	typeRef := func() *Type {
		j := r.Int(i) // a type refers only to types before it
		if !build || r.Err != nil {
			return nil
		}
		return s.typeAt(j)
	}
	kind := r.Byte()
	if kind >= byte(dmformat.NumKinds) {
		if r.Err == nil {
			r.Err = errorf("type %d has unknown kind %d", i, kind)
		}
		return
	}
	t.kind = Kind(kind)
	flags := r.Uvarint()
	if flags&dmformat.TypeNamed != 0 {
		t.name = s.str(r)
	}
	if flags&dmformat.TypeBase != 0 {
		t.base = typeRef()
	}
	if flags&dmformat.TypeUnits != 0 {
		t.units = s.str(r)
	}
	if flags&dmformat.TypeList != 0 {
		t.item = typeRef()
		l := List{
			MinItems: r.Int(maxCount),
			MaxItems: r.Int(maxCount) - 1,
			Nested:   NestedBrackets(r.Byte()),
		}
		l.Sizes = readSizes(r, build)
		if build {
			t.list = &l
		}
	}
	t.sizes = readSizes(r, build)
	if n := r.Int(maxCount); n > 0 {
		if build {
			t.ranges = make([]Range, n)
		}
		for j := range n {
			f := r.Byte()
			rg := Range{
				HasMin: f&dmformat.RangeHasMin != 0,
				HasMax: f&dmformat.RangeHasMax != 0,
				Min:    r.Varint(),
				Max:    r.Varint(),
				Step:   int64(r.Uvarint()),
			}
			if rg.Step < 1 && r.Err == nil {
				r.Err = errorf("type %d has a range step below 1", i)
			}
			if build {
				t.ranges[j] = rg
			}
		}
	}
	if n := r.Int(maxCount); n > 0 {
		if build {
			t.enums = make([]Enum, n)
		}
		for j := range n {
			v := s.str(r)
			f := r.Byte()
			if build {
				t.enums[j] = Enum{
					Value:    v,
					ReadOnly: f&dmformat.EnumReadOnly != 0,
					Optional: f&dmformat.EnumOptional != 0,
					Status:   Status(f >> dmformat.EnumStatusShift & 3),
				}
			}
		}
	}
	if n := r.Int(maxCount); n > 0 {
		if build {
			t.patterns = make([]*pattern, n)
		}
		for j := range n {
			p := r.Int(len(s.patterns))
			if build {
				t.patterns[j] = &s.patterns[p]
			}
		}
	}
	if flags&dmformat.TypePathRef != 0 {
		refType := r.Byte()
		target := r.Byte()
		parent := s.str(r)
		if build {
			t.pathRef = &PathRef{Strong: refType == dmformat.RefStrong, TargetType: TargetType(target), TargetParent: parent}
		}
	}
	if flags&dmformat.TypeEnumRef != 0 {
		e := EnumerationRef{TargetParam: s.str(r)}
		if r.Byte() != 0 {
			e.HasNullValue, e.NullValue = true, s.str(r)
		}
		if build {
			t.enumRef = &e
		}
	}
}

func readSizes(r *dmformat.Reader, build bool) []Size {
	n := r.Int(maxCount)
	if n == 0 {
		return nil
	}
	var out []Size
	if build {
		out = make([]Size, n)
	}
	for i := range n {
		sz := Size{Min: r.Int(math.MaxInt32), Max: r.Int(math.MaxInt32) - 1}
		if build {
			out[i] = sz
		}
	}
	return out
}

// readNode reads the record at r into n, a child of parent. An object's
// record stops before its children: they are built by kidsOf, and obj is
// the object's index. It reports whether n is an object. Callers hold mu,
// or own s alone while scan builds it.
func (s *Schema) readNode(r *dmformat.Reader, n *Node, parent *Node, obj int) bool {
	n.parent = parent
	n.flags = uint32(r.Uvarint())
	n.name = s.str(r)
	n.ver = Version{uint16(r.Int(1 << 16)), uint16(r.Int(1 << 16))}
	if n.flags&dmformat.NodeObject == 0 {
		n.typ = s.typeAt(r.Int(len(s.typeOff)))
		if n.flags&dmformat.NodeHasDefault != 0 {
			kind := DefaultKind(r.Byte())
			n.def = &Default{Kind: kind, Value: s.str(r)}
		}
		return false
	}
	r.Uvarint() // the number of children, recorded by scan
	o := &objectInfo{
		s:          s,
		index:      int32(obj),
		minEntries: r.Int(maxCount),
		maxEntries: r.Int(math.MaxInt32) - 1,
		numEntries: s.str(r),
		enable:     s.str(r),
	}
	if k := r.Int(maxCount); k > 0 {
		o.uniqueKeys = make([]UniqueKey, k)
		for i := range o.uniqueKeys {
			o.uniqueKeys[i].Functional = r.Byte() != 0
			o.uniqueKeys[i].Parameters = make([]string, r.Int(maxCount))
			for j := range o.uniqueKeys[i].Parameters {
				o.uniqueKeys[i].Parameters[j] = s.str(r)
			}
		}
	}
	n.obj = o
	return true
}
