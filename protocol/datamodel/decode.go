package datamodel

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"gatewarden/protocol/datamodel/internal/dmformat"
)

// maxCount bounds counts read from a file, so that corruption cannot
// trigger huge allocations.
const maxCount = 1 << 20

// decode builds a Schema from a generated file (see package dmformat for
// the layout).
func decode(file string) (*Schema, error) {
	payload, err := dmformat.Unpack(file)
	if err != nil {
		return nil, err
	}
	d := decoder{r: dmformat.NewReader(payload)}
	s, err := d.schema(payload)
	if err != nil {
		return nil, fmt.Errorf("decode schema: %w", err)
	}
	return s, nil
}

type decoder struct {
	r        *dmformat.Reader
	strs     []string
	patterns []pattern
	types    []Type
	nodes    []Node
	kids     []*Node // backing of every object's kids
	byName   []*Node // backing of every object's byName
	s        *Schema
}

func (d *decoder) schema(payload []byte) (*Schema, error) {
	r := d.r
	// The strings share one allocation: the string table's bytes.
	n := r.Int(maxCount)
	start := r.Pos()
	type span struct{ off, len int }
	spans := make([]span, n)
	for i := range spans {
		l := r.Int(maxCount)
		spans[i] = span{r.Pos() - start, l}
		r.Raw(l)
	}
	if r.Err != nil {
		return nil, r.Err
	}
	blob := string(payload[start:r.Pos()])
	d.strs = make([]string, n)
	for i, sp := range spans {
		d.strs[i] = blob[sp.off : sp.off+sp.len]
	}

	s := &Schema{}
	d.s = s
	s.name = d.str()
	s.version = Version{uint16(r.Int(1 << 16)), uint16(r.Int(1 << 16))}

	d.patterns = make([]pattern, r.Int(maxCount))
	for i := range d.patterns {
		d.patterns[i].src = d.str()
	}
	d.types = make([]Type, r.Int(maxCount))
	for i := range d.types {
		d.typ(i)
		if r.Err != nil {
			return nil, r.Err
		}
	}
	for i := range d.types {
		d.types[i].semantic = semanticCheck(&d.types[i])
	}

	total := r.Int(maxCount)
	if total == 0 {
		return nil, fmt.Errorf("schema has no nodes")
	}
	d.nodes = make([]Node, 0, total)
	d.kids = make([]*Node, 0, total-1)
	d.byName = make([]*Node, 0, total-1)
	s.root = d.node(nil)
	if r.Err != nil {
		return nil, r.Err
	}
	if len(d.nodes) != total {
		return nil, fmt.Errorf("schema announces %d nodes, holds %d", total, len(d.nodes))
	}
	s.nodes = d.nodes

	named := r.Int(maxCount)
	s.named = make([]*Type, named)
	for i := range s.named {
		s.named[i] = &d.types[r.Int(len(d.types))]
	}
	if r.Err != nil {
		return nil, r.Err
	}
	if !r.Done() {
		return nil, fmt.Errorf("trailing bytes after the schema")
	}
	if !slices.IsSortedFunc(s.named, func(a, b *Type) int { return strings.Compare(a.name, b.name) }) {
		return nil, fmt.Errorf("named types are not sorted")
	}
	return s, nil
}

func (d *decoder) str() string {
	return d.strs[d.r.Int(len(d.strs))]
}

// typeRef reads the index of a type stored before type i.
func (d *decoder) typeRef(i int) *Type {
	return &d.types[d.r.Int(i)]
}

func (d *decoder) sizes() []Size {
	n := d.r.Int(maxCount)
	if n == 0 {
		return nil
	}
	out := make([]Size, n)
	for i := range out {
		out[i] = Size{Min: d.r.Int(math.MaxInt32), Max: d.r.Int(math.MaxInt32) - 1}
	}
	return out
}

func (d *decoder) typ(i int) {
	r := d.r
	t := &d.types[i]
	kind := r.Byte()
	if kind >= byte(dmformat.NumKinds) {
		r.Err = fmt.Errorf("type %d has unknown kind %d", i, kind)
		return
	}
	t.kind = Kind(kind)
	flags := r.Uvarint()
	if flags&dmformat.TypeNamed != 0 {
		t.name = d.str()
	}
	if flags&dmformat.TypeBase != 0 {
		t.base = d.typeRef(i)
	}
	if flags&dmformat.TypeUnits != 0 {
		t.units = d.str()
	}
	if flags&dmformat.TypeList != 0 {
		t.item = d.typeRef(i)
		t.list = &List{
			MinItems: r.Int(maxCount),
			MaxItems: r.Int(maxCount) - 1,
			Nested:   NestedBrackets(r.Byte()),
		}
		t.list.Sizes = d.sizes()
	}
	t.sizes = d.sizes()
	if n := r.Int(maxCount); n > 0 {
		t.ranges = make([]Range, n)
		for j := range t.ranges {
			f := r.Byte()
			t.ranges[j] = Range{
				HasMin: f&dmformat.RangeHasMin != 0,
				HasMax: f&dmformat.RangeHasMax != 0,
				Min:    r.Varint(),
				Max:    r.Varint(),
				Step:   int64(r.Uvarint()),
			}
			if t.ranges[j].Step < 1 {
				r.Err = fmt.Errorf("type %d has a range step below 1", i)
			}
		}
	}
	if n := r.Int(maxCount); n > 0 {
		t.enums = make([]Enum, n)
		for j := range t.enums {
			v := d.str()
			f := r.Byte()
			t.enums[j] = Enum{
				Value:    v,
				ReadOnly: f&dmformat.EnumReadOnly != 0,
				Optional: f&dmformat.EnumOptional != 0,
				Status:   Status(f >> dmformat.EnumStatusShift & 3),
			}
		}
	}
	if n := r.Int(maxCount); n > 0 {
		t.patterns = make([]*pattern, n)
		for j := range t.patterns {
			t.patterns[j] = &d.patterns[r.Int(len(d.patterns))]
		}
	}
	if flags&dmformat.TypePathRef != 0 {
		refType := r.Byte()
		target := r.Byte()
		t.pathRef = &PathRef{Strong: refType == dmformat.RefStrong, TargetType: TargetType(target), TargetParent: d.str()}
	}
	if flags&dmformat.TypeEnumRef != 0 {
		e := &EnumerationRef{TargetParam: d.str()}
		if r.Byte() != 0 {
			e.HasNullValue, e.NullValue = true, d.str()
		}
		t.enumRef = e
	}
}

// node decodes a node and, for an object, its subtree.
func (d *decoder) node(parent *Node) *Node {
	r := d.r
	if r.Err != nil || len(d.nodes) == cap(d.nodes) {
		if r.Err == nil {
			r.Err = fmt.Errorf("more nodes than announced")
		}
		return nil
	}
	d.nodes = append(d.nodes, Node{parent: parent})
	n := &d.nodes[len(d.nodes)-1]
	n.flags = uint32(r.Uvarint())
	n.name = d.str()
	n.ver = Version{uint16(r.Int(1 << 16)), uint16(r.Int(1 << 16))}
	if n.flags&dmformat.NodeObject == 0 {
		n.typ = &d.types[r.Int(len(d.types))]
		if n.flags&dmformat.NodeHasDefault != 0 {
			kind := DefaultKind(r.Byte())
			n.def = &Default{Kind: kind, Value: d.str()}
		}
		if n.flags&dmformat.NodeForcedInform != 0 {
			d.s.forced = append(d.s.forced, n)
		}
		return n
	}
	d.s.numObject++
	count := r.Int(cap(d.kids) - len(d.kids) + 1)
	o := &objectInfo{
		minEntries: r.Int(maxCount),
		maxEntries: r.Int(math.MaxInt32) - 1,
		numEntries: d.str(),
		enable:     d.str(),
	}
	if k := r.Int(maxCount); k > 0 {
		o.uniqueKeys = make([]UniqueKey, k)
		for i := range o.uniqueKeys {
			o.uniqueKeys[i].Functional = r.Byte() != 0
			o.uniqueKeys[i].Parameters = make([]string, r.Int(maxCount))
			for j := range o.uniqueKeys[i].Parameters {
				o.uniqueKeys[i].Parameters[j] = d.str()
			}
		}
	}
	n.obj = o
	if r.Err != nil {
		return n
	}
	start := len(d.kids)
	d.kids = d.kids[:start+count]
	o.kids = d.kids[start : start+count : start+count]
	for i := range o.kids {
		o.kids[i] = d.node(n)
		if r.Err != nil {
			return n
		}
	}
	bstart := len(d.byName)
	d.byName = append(d.byName, o.kids...)
	o.byName = d.byName[bstart:len(d.byName):len(d.byName)]
	slices.SortFunc(o.byName, func(a, b *Node) int { return strings.Compare(a.name, b.name) })
	for i := 1; i < len(o.byName); i++ {
		if o.byName[i-1].name == o.byName[i].name {
			r.Err = fmt.Errorf("object %q has two children named %q", n.name, o.byName[i].name)
		}
	}
	return n
}
