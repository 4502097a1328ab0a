// Package dmgen reads a BBF data-model XML file (a "full" CWMP model such
// as tr-181-2-17-0-cwmp-full.xml) and the TR-106 data types, and writes the
// schema payload that package datamodel embeds. It runs at generate time
// only (from internal/gen and from the up-to-date test), never in the agent.
//
// Named data types come from the model file; tr-106-types.xml supplies those
// the model file does not define, so every TR-106 type is available to
// callers even where the model does not use it.
package dmgen

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"gatewarden/protocol/datamodel/internal/dmformat"
)

// Stats summarises a generated schema.
type Stats struct {
	Model      string
	Objects    int
	Parameters int
	Types      int
	DataTypes  int
	Patterns   int
	Strings    int
	Payload    int
}

type generator struct {
	defs         map[string]*element
	named        map[string]int
	resolving    map[string]bool
	types        []*tspec
	typeKeys     map[string]int
	patterns     []string
	patternIndex map[string]int
	strs         []string
	strIndex     map[string]int
	warn         io.Writer
}

// Generate builds the payload for the model in modelPath, with the data
// types of typesPath. Warnings (inconsistencies that do not stop
// generation) go to warn, which may be nil.
func Generate(modelPath, typesPath string, warn io.Writer) ([]byte, Stats, error) {
	g := &generator{
		defs:         map[string]*element{},
		named:        map[string]int{},
		resolving:    map[string]bool{},
		typeKeys:     map[string]int{},
		patternIndex: map[string]int{},
		strIndex:     map[string]int{},
		warn:         warn,
	}
	g.str("")
	types, err := readTree(typesPath)
	if err != nil {
		return nil, Stats{}, err
	}
	doc, err := readTree(modelPath)
	if err != nil {
		return nil, Stats{}, err
	}
	for _, src := range []*element{types, doc} {
		for _, dt := range src.children("dataType") {
			if name := dt.attr("name"); name != "" {
				g.defs[name] = dt // the model file, read second, wins
			}
		}
	}
	models := doc.children("model")
	if len(models) != 1 {
		return nil, Stats{}, fmt.Errorf("%s: want one <model>, found %d", modelPath, len(models))
	}
	model := models[0]
	modelName, modelVersion, ok := strings.Cut(model.attr("name"), ":")
	if !ok {
		return nil, Stats{}, model.errorf("model name %q has no version", model.attr("name"))
	}
	major, minor, err := parseVersion(modelVersion)
	if err != nil {
		return nil, Stats{}, model.errorf("%v", err)
	}
	// Resolve every named type in a fixed order, so that the output does
	// not depend on map iteration.
	names := make([]string, 0, len(g.defs))
	for name := range g.defs {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if _, err := g.namedType(name); err != nil {
			return nil, Stats{}, fmt.Errorf("data type %s: %w", name, err)
		}
	}
	root, err := g.buildModel(model)
	if err != nil {
		return nil, Stats{}, fmt.Errorf("%s: %w", modelPath, err)
	}
	if root.name != modelName {
		return nil, Stats{}, fmt.Errorf("%s: root object %q differs from model %q", modelPath, root.name, modelName)
	}

	st := Stats{Model: model.attr("name"), Types: len(g.types), DataTypes: len(names), Patterns: len(g.patterns)}
	var body dmformat.Writer
	body.Uvarint(uint64(g.str(modelName)))
	body.Uvarint(uint64(major))
	body.Uvarint(uint64(minor))
	body.Uvarint(uint64(len(g.patterns)))
	for _, p := range g.patterns {
		body.Uvarint(uint64(g.str(p)))
	}
	body.Uvarint(uint64(len(g.types)))
	for _, t := range g.types {
		g.encodeType(&body, t)
	}
	var count func(n *gnode) int
	count = func(n *gnode) int {
		c := 1
		if n.object {
			st.Objects++
		} else {
			st.Parameters++
		}
		for _, k := range n.kids {
			c += count(k)
		}
		return c
	}
	body.Uvarint(uint64(count(root)))
	g.encodeNode(&body, root)
	body.Uvarint(uint64(len(names)))
	for _, name := range names {
		body.Uvarint(uint64(g.named[name]))
	}

	var out dmformat.Writer
	out.Uvarint(uint64(len(g.strs)))
	for _, s := range g.strs {
		out.Uvarint(uint64(len(s)))
		out.Raw([]byte(s))
	}
	out.Raw(body.Bytes())
	st.Strings = len(g.strs)
	st.Payload = len(out.Bytes())
	return out.Bytes(), st, nil
}

func (g *generator) warnf(format string, args ...any) {
	if g.warn != nil {
		fmt.Fprintf(g.warn, "warning: "+format+"\n", args...)
	}
}

func (g *generator) str(s string) int {
	if i, ok := g.strIndex[s]; ok {
		return i
	}
	g.strs = append(g.strs, s)
	g.strIndex[s] = len(g.strs) - 1
	return len(g.strs) - 1
}

func (g *generator) encodeType(w *dmformat.Writer, t *tspec) {
	var flags uint64
	if t.name != "" {
		flags |= dmformat.TypeNamed
	}
	if t.base >= 0 {
		flags |= dmformat.TypeBase
	}
	if t.units != "" {
		flags |= dmformat.TypeUnits
	}
	if t.list != nil {
		flags |= dmformat.TypeList
	}
	if t.pathRef != nil {
		flags |= dmformat.TypePathRef
	}
	if t.enumRef != nil {
		flags |= dmformat.TypeEnumRef
	}
	w.Byte(byte(t.kind))
	w.Uvarint(flags)
	if t.name != "" {
		w.Uvarint(uint64(g.str(t.name)))
	}
	if t.base >= 0 {
		w.Uvarint(uint64(t.base))
	}
	if t.units != "" {
		w.Uvarint(uint64(g.str(t.units)))
	}
	if l := t.list; l != nil {
		w.Uvarint(uint64(t.item))
		w.Uvarint(uint64(l.minItems))
		w.Uvarint(uint64(l.maxItems + 1))
		w.Byte(l.nested)
		encodeSizes(w, l.sizes)
	}
	encodeSizes(w, t.sizes)
	w.Uvarint(uint64(len(t.ranges)))
	for _, r := range t.ranges {
		var f byte
		if r.hasMin {
			f |= dmformat.RangeHasMin
		}
		if r.hasMax {
			f |= dmformat.RangeHasMax
		}
		w.Byte(f)
		w.Varint(r.min)
		w.Varint(r.max)
		w.Uvarint(r.step)
	}
	w.Uvarint(uint64(len(t.enums)))
	for _, e := range t.enums {
		w.Uvarint(uint64(g.str(e.value)))
		f := e.status << dmformat.EnumStatusShift
		if e.readOnly {
			f |= dmformat.EnumReadOnly
		}
		if e.optional {
			f |= dmformat.EnumOptional
		}
		w.Byte(f)
	}
	w.Uvarint(uint64(len(t.patterns)))
	for _, p := range t.patterns {
		w.Uvarint(uint64(p))
	}
	if p := t.pathRef; p != nil {
		w.Byte(p.refType)
		w.Byte(p.targetType)
		w.Uvarint(uint64(g.str(p.targetParent)))
	}
	if e := t.enumRef; e != nil {
		w.Uvarint(uint64(g.str(e.targetParam)))
		if e.hasNull {
			w.Byte(1)
			w.Uvarint(uint64(g.str(e.nullValue)))
		} else {
			w.Byte(0)
		}
	}
}

func encodeSizes(w *dmformat.Writer, sizes []sizeSpec) {
	w.Uvarint(uint64(len(sizes)))
	for _, s := range sizes {
		w.Uvarint(uint64(s.min))
		w.Uvarint(uint64(s.max + 1))
	}
}

func (g *generator) encodeNode(w *dmformat.Writer, n *gnode) {
	var flags uint64
	if n.object {
		flags |= dmformat.NodeObject
	}
	if n.table {
		flags |= dmformat.NodeTable
	}
	flags |= uint64(n.access) << dmformat.NodeAccessShift
	flags |= uint64(n.notify) << dmformat.NodeNotifyShift
	flags |= uint64(n.status) << dmformat.NodeStatusShift
	if n.forced {
		flags |= dmformat.NodeForcedInform
	}
	if n.hidden {
		flags |= dmformat.NodeHidden
	}
	if n.secured {
		flags |= dmformat.NodeSecured
	}
	if n.cmd {
		flags |= dmformat.NodeCommand
	}
	if n.hasDefault {
		flags |= dmformat.NodeHasDefault
	}
	w.Uvarint(flags)
	w.Uvarint(uint64(g.str(n.name)))
	w.Uvarint(uint64(n.major))
	w.Uvarint(uint64(n.minor))
	if !n.object {
		w.Uvarint(uint64(n.typ))
		if n.hasDefault {
			w.Byte(n.defaultKind)
			w.Uvarint(uint64(g.str(n.defaultValue)))
		}
		return
	}
	w.Uvarint(uint64(len(n.kids)))
	w.Uvarint(uint64(n.minEntries))
	w.Uvarint(uint64(n.maxEntries + 1))
	w.Uvarint(uint64(g.str(n.numEntriesParam)))
	w.Uvarint(uint64(g.str(n.enableParam)))
	w.Uvarint(uint64(len(n.uniqueKeys)))
	for _, k := range n.uniqueKeys {
		if k.functional {
			w.Byte(1)
		} else {
			w.Byte(0)
		}
		w.Uvarint(uint64(len(k.params)))
		for _, p := range k.params {
			w.Uvarint(uint64(g.str(p)))
		}
	}
	for _, k := range n.kids {
		g.encodeNode(w, k)
	}
}
