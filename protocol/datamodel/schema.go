package datamodel

import (
	"iter"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"gatewarden/protocol/datamodel/internal/dmformat"
)

// Schema is a data model (TR-181 Device:2 or TR-098 InternetGatewayDevice)
// as generated from the BBF XML: every object and parameter with its
// attributes and type. A Schema is immutable and safe for concurrent use.
type Schema struct {
	name      string
	version   Version
	numObject int
	numNodes  int
	root      *Node
	named     []*Type // sorted by name

	// What the scan recorded, for building nodes and types on demand.
	payload  string
	strOff   []uint32    // string i: its length's offset in payload
	patterns []pattern   // shared by the types that use them
	typeOff  []uint32    // type i: its record's offset
	objs     []objRecord // per object, in document order
	forcedAt []kidRef    // forced-inform parameters, in document order

	// mu serialises building; what is built is published through
	// objectInfo.kids, so readers take no lock.
	mu     sync.Mutex
	types  []*Type // built types by index, nil until needed; under mu
	forced struct {
		once  sync.Once
		nodes []*Node
	}
}

// objRecord locates an object's part of the payload.
type objRecord struct {
	kids   uint32 // offset of its first child's record
	end    uint32 // offset just past its subtree
	next   uint32 // index of the first object after its subtree
	count  uint32 // number of children
	parent kidRef // where the object itself sits
}

// kidRef is the pos-th child of object obj (-1: the root has no parent).
type kidRef struct {
	obj int32
	pos uint32
}

// Name returns the root object's name, "Device" or "InternetGatewayDevice".
func (s *Schema) Name() string { return s.name }

// Version returns the model's version, e.g. 2.17.
func (s *Schema) Version() Version { return s.version }

// Root returns the root object ("Device.").
func (s *Schema) Root() *Node { return s.root }

// NumObjects returns how many objects the model defines (a table counts
// once, as its "{i}" object).
func (s *Schema) NumObjects() int { return s.numObject }

// NumParameters returns how many parameters the model defines.
func (s *Schema) NumParameters() int { return s.numNodes - s.numObject }

// Nodes iterates over every object and parameter in document order.
func (s *Schema) Nodes() iter.Seq[*Node] {
	return func(yield func(*Node) bool) { s.root.each(yield) }
}

// each calls yield for n and the nodes below it in document order until
// yield returns false, and reports whether it never did.
func (n *Node) each(yield func(*Node) bool) bool {
	if !yield(n) {
		return false
	}
	if n.obj == nil {
		return true
	}
	k := n.kids()
	for i := range k.nodes {
		if !k.nodes[i].each(yield) {
			return false
		}
	}
	return true
}

// Walk calls fn for every node in document order: an object, then its
// parameters, then its child objects. If fn returns false for an object,
// Walk skips what lies below it.
func (s *Schema) Walk(fn func(*Node) bool) { s.root.Walk(fn) }

// ForcedInform returns the parameters every Inform carries, in document
// order.
func (s *Schema) ForcedInform() []*Node { return slices.Clone(s.forcedNodes()) }

// DataType returns a named data type ("IPv4Address", "StatsCounter64").
func (s *Schema) DataType(name string) (*Type, bool) {
	i, ok := slices.BinarySearchFunc(s.named, name, func(t *Type, name string) int {
		return strings.Compare(t.name, name)
	})
	if !ok {
		return nil, false
	}
	return s.named[i], true
}

// DataTypeNames returns the names of the named data types, sorted.
func (s *Schema) DataTypeNames() []string {
	out := make([]string, len(s.named))
	for i, t := range s.named {
		out[i] = t.name
	}
	return out
}

// Lookup finds the node a path addresses. It accepts template paths
// ("Device.IP.Interface.{i}.IPv4Address.{i}.IPAddress") and instance paths
// with numbers, aliases or wildcards ("Device.IP.Interface.3.IPv4Address.1.
// IPAddress", "Device.IP.Interface.[wan].", "Device.IP.Interface.*.Name"),
// all answered by the template node. An object must be addressed with its
// trailing ".", a parameter without. For a table, the table path
// ("Device.IP.Interface.") and its instance paths ("Device.IP.Interface.3.")
// return the same node: Path.Last tells which one was meant. Lookup does
// not allocate, except to build the objects it reaches for the first time.
func (s *Schema) Lookup(path string) (*Node, bool) {
	if path == "" || len(path) > MaxPathLength && utf8.RuneCountInString(path) > MaxPathLength {
		return nil, false
	}
	var n *Node
	needInstance := false // n is a table just named: an instance may follow
	for i := 0; ; {
		seg, end, reason := scanSegment(path, i)
		if reason != "" {
			return nil, false
		}
		switch {
		case n == nil:
			if seg.Text != s.root.name {
				return nil, false
			}
			n = s.root
		case seg.Kind != SegName:
			if !needInstance {
				return nil, false
			}
			needInstance = false
		default:
			if needInstance {
				return nil, false
			}
			c, ok := n.Child(seg.Text)
			if !ok {
				return nil, false
			}
			n, needInstance = c, c.IsTable()
		}
		switch {
		case end == len(path):
			if n.IsObject() {
				return nil, false
			}
			return n, true
		case end+1 == len(path):
			if !n.IsObject() {
				return nil, false
			}
			return n, true
		case !n.IsObject():
			return nil, false
		}
		i = end + 1
	}
}

// LookupPath is Lookup for a parsed path. The empty path finds nothing;
// use Root.
func (s *Schema) LookupPath(p Path) (*Node, bool) { return s.Lookup(p.s) }

// Node is an object or a parameter of a schema. Tables (multi-instance
// objects) are one node, named in templates with "{i}".
type Node struct {
	_      incomparable
	parent *Node
	name   string
	typ    *Type
	obj    *objectInfo
	def    *Default
	flags  uint32
	ver    Version
}

type objectInfo struct {
	s          *Schema
	index      int32                  // among the schema's objects
	kids       atomic.Pointer[kidSet] // nil until first asked for
	minEntries int
	maxEntries int
	numEntries string
	enable     string
	uniqueKeys []UniqueKey
}

// Name returns the last segment of the node's name ("Interface",
// "IPAddress").
func (n *Node) Name() string { return n.name }

// Parent returns the enclosing object, or nil for the root.
func (n *Node) Parent() *Node { return n.parent }

// Path returns the template path: "Device.IP.Interface.{i}." for a table,
// "Device.DeviceInfo." for an object, "Device.DeviceInfo.UpTime" for a
// parameter.
func (n *Node) Path() string {
	var b strings.Builder
	b.Grow(n.pathLen())
	n.writePath(&b)
	return b.String()
}

// AppendPath appends the template path to dst.
func (n *Node) AppendPath(dst []byte) []byte {
	if n.parent != nil {
		dst = n.parent.AppendPath(dst)
	}
	dst = append(dst, n.name...)
	if n.obj != nil {
		if n.IsTable() {
			dst = append(dst, ".{i}"...)
		}
		dst = append(dst, '.')
	}
	return dst
}

func (n *Node) pathLen() int {
	l := 0
	for ; n != nil; n = n.parent {
		l += len(n.name)
		if n.obj != nil {
			l++
			if n.IsTable() {
				l += 4
			}
		}
	}
	return l
}

func (n *Node) writePath(b *strings.Builder) {
	if n.parent != nil {
		n.parent.writePath(b)
	}
	b.WriteString(n.name)
	if n.obj != nil {
		if n.IsTable() {
			b.WriteString(".{i}")
		}
		b.WriteByte('.')
	}
}

// IsObject reports whether n is an object.
func (n *Node) IsObject() bool { return n.obj != nil }

// IsParameter reports whether n is a parameter.
func (n *Node) IsParameter() bool { return n.obj == nil }

// IsTable reports whether n is a multi-instance object.
func (n *Node) IsTable() bool { return n.flags&dmformat.NodeTable != 0 }

// Access returns the access the data model grants.
func (n *Node) Access() Access {
	return Access(n.flags >> dmformat.NodeAccessShift & 3)
}

// Writable is the Writable of GetParameterNames: a parameter that is
// readWrite or writeOnceReadOnly, a table that takes AddObject and
// DeleteObject. Other objects are never writable.
func (n *Node) Writable() bool {
	a := n.Access()
	if n.obj != nil {
		return a == ReadWrite && n.IsTable()
	}
	return a != ReadOnly
}

// Type returns a parameter's type, or nil for an object.
func (n *Node) Type() *Type { return n.typ }

// XSDType returns the xsi:type of a parameter's values, "" for an object.
func (n *Node) XSDType() string {
	if n.typ == nil {
		return ""
	}
	return n.typ.XSDType()
}

// ActiveNotify returns the constraint on active notification.
func (n *Node) ActiveNotify() ActiveNotify {
	return ActiveNotify(n.flags >> dmformat.NodeNotifyShift & 7)
}

// ForcedInform reports whether every Inform carries the parameter.
func (n *Node) ForcedInform() bool { return n.flags&dmformat.NodeForcedInform != 0 }

// Hidden reports whether the value always reads back as empty (passwords
// the ACS sets).
func (n *Node) Hidden() bool { return n.flags&dmformat.NodeHidden != 0 }

// Secured reports whether the value is a secret that reads back as empty
// unless the reader may see secrets (WiFi keys).
func (n *Node) Secured() bool { return n.flags&dmformat.NodeSecured != 0 }

// Secret reports whether the parameter is hidden or secured: its value
// must not reach a log line or an unprivileged reader.
func (n *Node) Secret() bool { return n.flags&(dmformat.NodeHidden|dmformat.NodeSecured) != 0 }

// Command reports whether writing the parameter triggers an action (it
// reads back as false or empty).
func (n *Node) Command() bool { return n.flags&dmformat.NodeCommand != 0 }

// Status returns the life-cycle status.
func (n *Node) Status() Status {
	return Status(n.flags >> dmformat.NodeStatusShift & 3)
}

// Version returns the model version the node appeared in: its own version
// attribute or its object's. Zero when the XML records none (TR-098).
func (n *Node) Version() Version { return n.ver }

// Default returns a parameter's default value, if the model gives one.
func (n *Node) Default() (Default, bool) {
	if n.def == nil {
		return Default{}, false
	}
	return *n.def, true
}

// MinEntries returns an object's minimum number of instances (1 for a
// single-instance object, 0 for an optional one or most tables).
func (n *Node) MinEntries() int {
	if n.obj == nil {
		return 0
	}
	return n.obj.minEntries
}

// MaxEntries returns an object's maximum number of instances, -1 for
// unbounded.
func (n *Node) MaxEntries() int {
	if n.obj == nil {
		return 0
	}
	return n.obj.maxEntries
}

// NumEntriesParameter returns the name of the parameter, in the parent
// object, that counts a table's instances ("InterfaceNumberOfEntries").
func (n *Node) NumEntriesParameter() string {
	if n.obj == nil {
		return ""
	}
	return n.obj.numEntries
}

// EnableParameter returns the name of the parameter that enables a
// table's instances ("Enable"), if the model names one.
func (n *Node) EnableParameter() string {
	if n.obj == nil {
		return ""
	}
	return n.obj.enable
}

// UniqueKeys returns a table's unique keys.
func (n *Node) UniqueKeys() []UniqueKey {
	if n.obj == nil {
		return nil
	}
	out := slices.Clone(n.obj.uniqueKeys)
	for i := range out {
		out[i].Parameters = slices.Clone(out[i].Parameters)
	}
	return out
}

// Children iterates over an object's parameters and child objects in
// document order (parameters first).
func (n *Node) Children() iter.Seq[*Node] {
	return func(yield func(*Node) bool) {
		if n.obj == nil {
			return
		}
		k := n.kids()
		for i := range k.nodes {
			if !yield(&k.nodes[i]) {
				return
			}
		}
	}
}

// NumChildren returns how many children an object has.
func (n *Node) NumChildren() int {
	if n.obj == nil {
		return 0
	}
	return len(n.kids().nodes)
}

// ChildAt returns child i (0 <= i < NumChildren()) in the order of
// Children. A loop over it costs a caller built without inlining (the
// router agent) less code than a range over Children, which becomes a
// closure there.
func (n *Node) ChildAt(i int) *Node { return &n.kids().nodes[i] }

// Child returns the child object or parameter with the given name
// ("Interface", not "Interface.{i}."). It does not allocate.
func (n *Node) Child(name string) (*Node, bool) {
	if n.obj == nil {
		return nil, false
	}
	k := n.kids()
	lo, hi := 0, len(k.byName)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if k.nodes[k.byName[m]].name < name {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(k.byName) {
		if c := &k.nodes[k.byName[lo]]; c.name == name {
			return c, true
		}
	}
	return nil, false
}

// Walk calls fn for n and every node below it in document order; if fn
// returns false for an object, its descendants are skipped.
func (n *Node) Walk(fn func(*Node) bool) {
	if !fn(n) || n.obj == nil {
		return
	}
	k := n.kids()
	for i := range k.nodes {
		k.nodes[i].Walk(fn)
	}
}

func (n *Node) notParameter() error {
	return &PathError{Path: n.Path(), Reason: "an object is not a parameter"}
}

// Validate checks a value of the parameter (see Type.Validate). For hidden
// and secured parameters the error does not quote the value. On an object
// it returns an error wrapping ErrPath.
func (n *Node) Validate(v string) error {
	if n.typ == nil {
		return n.notParameter()
	}
	return n.typ.check(v, false, n.Secret())
}

// ValidateSet checks a value an ACS writes (see Type.ValidateSet).
func (n *Node) ValidateSet(v string) error {
	if n.typ == nil {
		return n.notParameter()
	}
	return n.typ.check(v, true, n.Secret())
}

// Canonical validates v and returns its canonical form (see
// Type.Canonical).
func (n *Node) Canonical(v string) (string, error) {
	if n.typ == nil {
		return "", n.notParameter()
	}
	if err := n.typ.check(v, false, n.Secret()); err != nil {
		return "", err
	}
	return n.typ.canonical(v), nil
}

// CheckXSIType checks the xsi:type a sender declared (see
// Type.CheckXSIType).
func (n *Node) CheckXSIType(xsiType string) error {
	if n.typ == nil {
		return n.notParameter()
	}
	return n.typ.CheckXSIType(xsiType)
}
