package dmgen

import (
	"fmt"
	"math"
	"strconv"

	"gatewarden/protocol/datamodel/internal/dmformat"
	"gatewarden/protocol/datamodel/internal/xsdre"
)

// tspec is a fully resolved type: a named data type's facets are copied
// into every type derived from it, so the runtime never walks a chain to
// validate.
type tspec struct {
	kind     dmformat.Kind
	name     string
	base     int // index of the named base type, -1 if none
	units    string
	list     *listSpec
	item     int // for a list, the index of its item type
	sizes    []sizeSpec
	ranges   []rangeSpec
	enums    []enumSpec
	patterns []int
	pathRef  *pathRefSpec
	enumRef  *enumRefSpec
}

type listSpec struct {
	minItems, maxItems int // maxItems -1: unbounded
	nested             byte
	sizes              []sizeSpec
}

type sizeSpec struct{ min, max int64 } // max -1: unbounded

type rangeSpec struct {
	hasMin, hasMax bool
	min, max       int64
	step           uint64
}

type enumSpec struct {
	value              string
	readOnly, optional bool
	status             byte
}

type pathRefSpec struct {
	refType, targetType byte
	targetParent        string
}

type enumRefSpec struct {
	targetParam string
	hasNull     bool
	nullValue   string
}

var primitiveKinds = map[string]dmformat.Kind{
	"string":       dmformat.KindString,
	"int":          dmformat.KindInt,
	"unsignedInt":  dmformat.KindUnsignedInt,
	"long":         dmformat.KindLong,
	"unsignedLong": dmformat.KindUnsignedLong,
	"boolean":      dmformat.KindBoolean,
	"dateTime":     dmformat.KindDateTime,
	"base64":       dmformat.KindBase64,
	"hexBinary":    dmformat.KindHexBinary,
	"decimal":      dmformat.KindDecimal,
}

func (t *tspec) clone() *tspec {
	c := *t
	c.sizes = append([]sizeSpec(nil), t.sizes...)
	c.ranges = append([]rangeSpec(nil), t.ranges...)
	c.enums = append([]enumSpec(nil), t.enums...)
	c.patterns = append([]int(nil), t.patterns...)
	if t.list != nil {
		l := *t.list
		l.sizes = append([]sizeSpec(nil), t.list.sizes...)
		c.list = &l
	}
	return &c
}

func statusOf(e *element) (byte, error) {
	switch s := e.attr("status"); s {
	case "", "current":
		return dmformat.StatusCurrent, nil
	case "deprecated":
		return dmformat.StatusDeprecated, nil
	case "obsoleted":
		return dmformat.StatusObsoleted, nil
	case "deleted":
		return dmformat.StatusDeleted, nil
	default:
		return 0, e.errorf("unknown status %q", s)
	}
}

// applyFacets sets the facets found among parent's children on t. As in the
// BBF full files, a facet kind given here replaces the inherited one
// entirely (a parameter's enumeration lists every value it allows).
// Facets whose status is "deleted" no longer apply and are skipped.
func (g *generator) applyFacets(t *tspec, parent *element) error {
	var sizes []sizeSpec
	var ranges []rangeSpec
	var enums []enumSpec
	var patterns []int
	seen := map[string]bool{}
	for _, f := range parent.kids {
		st, err := statusOf(f)
		if err != nil {
			return err
		}
		if st == dmformat.StatusDeleted {
			continue
		}
		seen[f.name] = true
		switch f.name {
		case "size":
			s, err := sizeOf(f)
			if err != nil {
				return err
			}
			sizes = append(sizes, s)
		case "range":
			r, err := rangeOf(f)
			if err != nil {
				return err
			}
			ranges = append(ranges, r)
		case "enumeration":
			e := enumSpec{value: f.attr("value"), status: st, optional: f.attr("optional") == "true"}
			switch a := f.attr("access"); a {
			case "", "readWrite":
			case "readOnly":
				e.readOnly = true
			default:
				return f.errorf("unknown enumeration access %q", a)
			}
			enums = append(enums, e)
		case "pattern":
			src := f.attr("value")
			if _, err := xsdre.Compile(src); err != nil {
				return f.errorf("%v", err)
			}
			patterns = append(patterns, g.pattern(src))
		case "units":
			t.units = f.attr("value")
		case "pathRef":
			p, err := pathRefOf(f)
			if err != nil {
				return err
			}
			t.pathRef = p
		case "enumerationRef":
			e := &enumRefSpec{targetParam: f.attr("targetParam")}
			for _, a := range f.attrs {
				if a.Name.Space == "" && a.Name.Local == "nullValue" {
					e.hasNull, e.nullValue = true, a.Value
				}
			}
			t.enumRef = e
		case "instanceRef":
			return f.errorf("instanceRef is not supported")
		}
	}
	if seen["size"] {
		t.sizes = sizes
	}
	if seen["range"] {
		if !isInteger(t.kind) {
			return parent.errorf("range on a non-integer type is not supported")
		}
		t.ranges = ranges
	}
	if seen["enumeration"] {
		t.enums = enums
	}
	if seen["pattern"] {
		t.patterns = patterns
	}
	return nil
}

func isInteger(k dmformat.Kind) bool {
	switch k {
	case dmformat.KindInt, dmformat.KindUnsignedInt, dmformat.KindLong, dmformat.KindUnsignedLong:
		return true
	}
	return false
}

func sizeOf(e *element) (sizeSpec, error) {
	s := sizeSpec{min: 0, max: -1}
	if v := e.attr("minLength"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return s, e.errorf("bad minLength %q", v)
		}
		s.min = n
	}
	if v := e.attr("maxLength"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < s.min {
			return s, e.errorf("bad maxLength %q", v)
		}
		s.max = n
	}
	return s, nil
}

// rangeOf reads a range facet. Bounds must fit an int64; the schema has no
// unsignedLong range, and the generator says so if one ever appears.
func rangeOf(e *element) (rangeSpec, error) {
	r := rangeSpec{step: 1}
	if v := e.attr("minInclusive"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return r, e.errorf("unsupported minInclusive %q", v)
		}
		r.hasMin, r.min = true, n
	}
	if v := e.attr("maxInclusive"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return r, e.errorf("unsupported maxInclusive %q", v)
		}
		r.hasMax, r.max = true, n
	}
	if v := e.attr("step"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil || n == 0 || n > math.MaxInt64 {
			return r, e.errorf("bad step %q", v)
		}
		r.step = n
	}
	if r.hasMin && r.hasMax && r.max < r.min {
		return r, e.errorf("range max below min")
	}
	return r, nil
}

func pathRefOf(e *element) (*pathRefSpec, error) {
	p := &pathRefSpec{targetParent: e.attr("targetParent")}
	switch v := e.attr("refType"); v {
	case "strong":
		p.refType = dmformat.RefStrong
	case "weak":
		p.refType = dmformat.RefWeak
	default:
		return nil, e.errorf("unknown refType %q", v)
	}
	switch v := e.attr("targetType"); v {
	case "", "any":
		p.targetType = dmformat.TargetAny
	case "parameter":
		p.targetType = dmformat.TargetParameter
	case "object":
		p.targetType = dmformat.TargetObject
	case "single":
		p.targetType = dmformat.TargetSingle
	case "row":
		p.targetType = dmformat.TargetRow
	default:
		return nil, e.errorf("unknown targetType %q", v)
	}
	return p, nil
}

// namedType resolves a named data type to its type index.
func (g *generator) namedType(name string) (int, error) {
	if i, ok := g.named[name]; ok {
		return i, nil
	}
	def, ok := g.defs[name]
	if !ok {
		return 0, fmt.Errorf("unknown data type %q", name)
	}
	if g.resolving[name] {
		return 0, def.errorf("data type %q derives from itself", name)
	}
	g.resolving[name] = true
	defer delete(g.resolving, name)

	var t *tspec
	if base := def.attr("base"); base != "" {
		bi, err := g.namedType(base)
		if err != nil {
			return 0, err
		}
		t, err = g.derive(bi, def)
		if err != nil {
			return 0, err
		}
	} else {
		var err error
		if t, err = g.valueType(def); err != nil {
			return 0, err
		}
		t.base = -1
	}
	t.name = name
	i := g.addType(t)
	g.named[name] = i
	return i, nil
}

// derive copies type bi and applies the facets given in e.
func (g *generator) derive(bi int, e *element) (*tspec, error) {
	base := g.types[bi]
	t := base.clone()
	t.base = bi
	if base.list != nil {
		for _, k := range e.kids {
			if k.name != "units" {
				return nil, e.errorf("facets on a list data type are not supported")
			}
		}
	}
	if err := g.applyFacets(t, e); err != nil {
		return nil, err
	}
	return t, nil
}

// valueType reads the type held by a <syntax> or a base-less <dataType>
// definition: one primitive element or <dataType ref|base>, optionally
// made a list by a <list> sibling.
func (g *generator) valueType(e *element) (*tspec, error) {
	var item *tspec
	itemIndex := -1
	for _, k := range e.kids {
		if kind, ok := primitiveKinds[k.name]; ok {
			if item != nil || itemIndex >= 0 {
				return nil, k.errorf("more than one type")
			}
			item = &tspec{kind: kind, base: -1}
			if err := g.applyFacets(item, k); err != nil {
				return nil, err
			}
			continue
		}
		if k.name != "dataType" {
			continue
		}
		if item != nil || itemIndex >= 0 {
			return nil, k.errorf("more than one type")
		}
		ref := k.attr("ref")
		if ref == "" {
			ref = k.attr("base")
		}
		if ref == "" {
			return nil, k.errorf("dataType needs ref or base")
		}
		bi, err := g.namedType(ref)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", k.line, err)
		}
		if len(k.kids) == 0 {
			itemIndex = bi
			continue
		}
		if item, err = g.derive(bi, k); err != nil {
			return nil, err
		}
	}
	if item == nil && itemIndex < 0 {
		return nil, e.errorf("no type")
	}
	l := e.child("list")
	if l == nil {
		if item != nil {
			return item, nil
		}
		return g.types[itemIndex].clone(), nil
	}
	if itemIndex < 0 {
		itemIndex = g.addType(item)
	}
	ls := &listSpec{maxItems: -1}
	if v := l.attr("minItems"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return nil, l.errorf("bad minItems %q", v)
		}
		ls.minItems = n
	}
	if v := l.attr("maxItems"); v != "" && v != "unbounded" {
		n, err := strconv.Atoi(v)
		if err != nil || n < ls.minItems {
			return nil, l.errorf("bad maxItems %q", v)
		}
		ls.maxItems = n
	}
	switch v := l.attr("nestedBrackets"); v {
	case "", "illegal":
		ls.nested = dmformat.NestedIllegal
	case "legal":
		ls.nested = dmformat.NestedLegal
	case "required":
		ls.nested = dmformat.NestedRequired
	default:
		return nil, l.errorf("unknown nestedBrackets %q", v)
	}
	for _, s := range l.children("size") {
		if st, err := statusOf(s); err != nil {
			return nil, err
		} else if st == dmformat.StatusDeleted {
			continue
		}
		sz, err := sizeOf(s)
		if err != nil {
			return nil, err
		}
		ls.sizes = append(ls.sizes, sz)
	}
	return &tspec{kind: dmformat.KindString, base: -1, list: ls, item: itemIndex}, nil
}

// syntaxType returns the type index of a parameter's <syntax>. A bare
// reference to a named type comes back as that type's own index, because
// addType finds the identical copy.
func (g *generator) syntaxType(syn *element) (int, error) {
	t, err := g.valueType(syn)
	if err != nil {
		return 0, err
	}
	return g.addType(t), nil
}

// addType stores t, reusing an identical type already stored. The key is
// the type's encoding, which includes its name and base, so a named type
// is only ever shared with exact copies of itself.
func (g *generator) addType(t *tspec) int {
	var w dmformat.Writer
	g.encodeType(&w, t)
	key := string(w.Bytes())
	if i, ok := g.typeKeys[key]; ok {
		return i
	}
	g.types = append(g.types, t)
	g.typeKeys[key] = len(g.types) - 1
	return len(g.types) - 1
}

func (g *generator) pattern(src string) int {
	if i, ok := g.patternIndex[src]; ok {
		return i
	}
	g.patterns = append(g.patterns, src)
	g.patternIndex[src] = len(g.patterns) - 1
	return len(g.patterns) - 1
}
