package model

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"

	"gatewarden/protocol/datamodel"
)

// Registry collects a platform's bindings before the tree is built. Each
// method checks the binding against the schema at once; the problems are
// gathered and reported together by Err and by New, so a platform's
// Register reads as a flat list of bindings:
//
//	r.Param("Device.DeviceInfo.UpTime", model.GetUint(uptime))
//	r.Table("Device.Ethernet.Interface.{i}.", listPorts)
//	r.Param("Device.WiFi.SSID.{i}.SSID", model.GetSet(getSSID, setSSID))
//	r.Managed("Device.IP.Interface.{i}.", model.TableHooks{})
//	return r.Err()
//
// Only what is bound appears in the tree: an object exists when something
// below it is bound.
type Registry struct {
	schema  *datamodel.Schema
	root    *tnode
	errs    []error
	factory []factoryInstance
	handle  *Handle
	built   bool
}

// factoryInstance is an instance of a managed table that exists out of
// the box and again after a factory reset.
type factoryInstance struct {
	path   string // "Device.IP.Interface.1."
	node   *tnode
	nums   []uint32
	values map[string]string // relative parameter name -> value
}

// NewRegistry starts an empty registry over the TR-181 schema.
func NewRegistry() *Registry {
	s := schemaTR181()
	r := &Registry{schema: s, handle: &Handle{}}
	rootSch := schemaRoot(s)
	r.root = &tnode{sch: rootSch, facts: schemaFacts(rootSch)}
	return r
}

// Err returns every registration problem so far, joined, or nil.
func (r *Registry) Err() error { return errors.Join(r.errs...) }

// fail records a registration problem. Out of line: inlined, its
// fmt.Errorf call was copied into each of thirty registration checks.
//
//go:noinline
func (r *Registry) fail(format string, args ...any) {
	r.errs = append(r.errs, fmt.Errorf("model: "+format, args...))
}

// Handle returns the registry's handle to the tree it will build, for
// providers that push changes.
func (r *Registry) Handle() *Handle { return r.handle }

// Param binds a parameter, named by its template path
// ("Device.WiFi.SSID.{i}.SSID"). The schema must know it; a setter on a
// read-only parameter, a typed getter of the wrong type, a stored default
// the type rejects, or a second binding of the same path is an error.
func (r *Registry) Param(path string, b Binding) {
	if r.built {
		r.fail("%s: registry already built into a tree", path)
		return
	}
	n, err := r.node(path)
	if err != nil {
		r.errs = append(r.errs, err)
		return
	}
	if n.object {
		r.fail("%s: is an object, not a parameter", path)
		return
	}
	if n.bind != nil {
		r.fail("%s: bound twice", path)
		return
	}
	bb := b.clone()
	if err := r.checkBinding(n, bb); err != nil {
		r.errs = append(r.errs, err)
		return
	}
	n.bind = bb
}

// Stored is Param(path, Stored(def)). Out of line: inlined, each of its
// many callers built the whole Binding itself.
//
//go:noinline
func (r *Registry) Stored(path, def string) { r.Param(path, Stored(def)) }

func (r *Registry) checkBinding(n *tnode, b *binding) error {
	path := n.tmpl()
	if b.cmd != n.command {
		if b.cmd {
			return fmt.Errorf("model: %s: Command is bound but the schema says this is not a command parameter", path)
		}
		if !b.stored {
			return fmt.Errorf("model: %s: a command parameter is bound with a getter; bind it with Command", path)
		}
	}
	if b.get == nil && !b.stored && !b.cmd {
		return fmt.Errorf("model: %s: binding has neither a getter nor storage", path)
	}
	if n.command && b.stored {
		return fmt.Errorf("model: %s: a command parameter triggers an action and cannot be stored; bind a setter", path)
	}
	if b.set != nil && n.access == datamodel.ReadOnly {
		return fmt.Errorf("model: %s: a setter is bound but the schema says the parameter is read-only", path)
	}
	if b.pinned && n.access != datamodel.ReadOnly {
		return fmt.Errorf("model: %s: Pinned is for read-only parameters, the schema says %s", path, n.access)
	}
	if !kindFits(b.kind, n.kind) {
		return fmt.Errorf("model: %s: a %s getter is bound but the schema type is %s", path, b.kind, n.kind)
	}
	if b.stored && b.defFunc == nil {
		if !b.hasDef {
			b.def = schemaDefault(n.sch, n.kind)
		}
		if err := validate(n.sch, "", b.def, false); err != nil {
			return fmt.Errorf("model: %s: default %q: %w", path, b.def, err)
		}
	}
	return nil
}

// kindFits reports whether a typed getter's values suit the schema type.
func kindFits(k valueKind, s datamodel.Kind) bool {
	switch k {
	case kindUnsigned:
		return s == datamodel.KindUnsignedInt || s == datamodel.KindUnsignedLong
	case kindSigned:
		return s == datamodel.KindInt || s == datamodel.KindLong
	case kindBool:
		return s == datamodel.KindBoolean
	}
	return true
}

// Table declares a table whose instances a provider lists: the ones the
// system has (Ethernet ports, associated hosts). The ACS cannot add or
// delete them (Editable lets it). path is the table's template
// ("Device.Ethernet.Interface.{i}.").
func (r *Registry) Table(path string, list Lister) {
	if list == nil {
		r.fail("%s: Table needs a Lister", path)
		return
	}
	r.declareTable(path, &table{kind: listed, list: list})
}

// Managed declares a table whose instances the ACS creates and deletes
// (AddObject, DeleteObject); the tree persists them. The schema must say
// the table is writable. The table's own writable parameters that no
// provider binds are stored by the tree, with the schema's defaults for new
// instances (Alias gets "cpe-<n>"); command parameters and sub-objects need
// explicit bindings.
func (r *Registry) Managed(path string, hooks TableHooks) {
	r.declareTable(path, &table{kind: managed, hooks: hooks})
}

func (r *Registry) declareTable(path string, t *table) {
	if r.built {
		r.fail("%s: registry already built into a tree", path)
		return
	}
	if !strings.HasSuffix(path, ".{i}.") {
		r.fail("%s: a table is named by its template, ending in \".{i}.\"", path)
		return
	}
	n, err := r.node(path)
	if err != nil {
		r.errs = append(r.errs, err)
		return
	}
	if !n.isTable {
		r.fail("%s: the schema says this is not a table", path)
		return
	}
	if n.tbl != nil {
		r.fail("%s: table declared twice", path)
		return
	}
	if t.kind != listed && n.access != datamodel.ReadWrite {
		r.fail("%s: the schema says the ACS cannot add or delete instances; declare it with Table", path)
		return
	}
	t.maxEntries = schemaMaxEntries(n.sch)
	n.tbl = t
}

// Instance declares an instance of a managed table that exists out of the
// box and comes back after a factory reset, with values for its stored
// parameters named relative to the instance ("Enable", "Alias"). Nested
// instances need their parent declared too.
func (r *Registry) Instance(path string, values map[string]string) {
	if r.built {
		r.fail("%s: registry already built into a tree", path)
		return
	}
	p, err := datamodel.ParsePath(path)
	if err != nil || !p.IsPartial() || !p.IsConcrete() || p.Len() < 2 {
		r.fail("%s: a factory instance is named by its instance path, like \"Device.IP.Interface.1.\"", path)
		return
	}
	var nums []uint32
	var tmpl strings.Builder
	// Indexed, not a range over p.Segments(), for the reason find gives.
	for i := range p.Len() {
		seg := p.Segment(i)
		if seg.Kind == datamodel.SegInstance {
			nums = append(nums, seg.Instance)
			tmpl.WriteString("{i}.")
			continue
		}
		tmpl.WriteString(seg.Text)
		tmpl.WriteByte('.')
	}
	if p.Segment(p.Len()-1).Kind != datamodel.SegInstance {
		r.fail("%s: a factory instance path must end in an instance number", path)
		return
	}
	n, err := r.node(tmpl.String())
	if err != nil {
		r.errs = append(r.errs, err)
		return
	}
	r.factory = append(r.factory, factoryInstance{path: path, node: n, nums: nums, values: values})
}

// node finds or creates the node of a template path, creating its
// ancestors; every segment must be known to the schema and {i} must follow
// exactly the tables.
func (r *Registry) node(template string) (*tnode, error) {
	return r.walkTemplate(template, true)
}

// lookup finds the node of a template path, or nil; it creates nothing.
func (r *Registry) lookup(template string) *tnode {
	n, err := r.walkTemplate(template, false)
	if err != nil {
		return nil
	}
	return n
}

// walkTemplate follows a template path from the root, creating missing
// nodes when create is set.
func (r *Registry) walkTemplate(template string, create bool) (*tnode, error) {
	p, err := datamodel.ParsePath(template)
	if err != nil {
		return nil, fmt.Errorf("model: %s: %w", template, err)
	}
	if p.HasAlias() || p.HasWildcard() || !p.IsConcrete() && !p.HasTemplate() || strings.ContainsAny(template, "[*") {
		return nil, fmt.Errorf("model: %s: bind template paths, with {i} for instances", template)
	}
	if p.Segment(0).Text != r.root.name() {
		return nil, fmt.Errorf("model: %s: paths start with %q", template, r.root.name()+".")
	}
	cur := r.root
	inInstance := false
	// Nodes created for a path that turns out bad are taken back, so a
	// failed binding leaves no trace (no phantom table to declare).
	var created []*tnode
	fail := func(err error) (*tnode, error) {
		for i := len(created) - 1; i >= 0; i-- {
			c := created[i]
			c.parent.kids = slices.DeleteFunc(c.parent.kids, func(k *tnode) bool { return k == c })
		}
		return nil, err
	}
	where := func() string { return strings.TrimSuffix(cur.tmpl(), ".{i}.") }
	for i := 1; i < p.Len(); i++ {
		seg := p.Segment(i)
		if cur.isTable && !inInstance {
			if seg.Kind != datamodel.SegTemplate {
				return fail(fmt.Errorf("model: %s: %s is a table: %q must be followed by {i}", template, where(), cur.name()))
			}
			inInstance = true
			continue
		}
		if seg.Kind != datamodel.SegName {
			return fail(fmt.Errorf("model: %s: %s is not a table, so %q cannot follow it", template, strings.TrimSuffix(cur.tmpl(), "."), seg.Text))
		}
		if cur.isParam() {
			return fail(fmt.Errorf("model: %s: %s is a parameter", template, cur.tmpl()))
		}
		next := cur.child(seg.Text)
		if next == nil {
			if !create {
				return nil, errNotFound
			}
			sch := schemaChild(cur.sch, seg.Text)
			if sch == nil {
				return fail(fmt.Errorf("model: %s: the schema has no %q under %s", template, seg.Text, cur.tmpl()))
			}
			if schemaDeleted(sch) {
				return fail(fmt.Errorf("model: %s: %q is deleted from the schema", template, seg.Text))
			}
			next = &tnode{parent: cur, sch: sch, facts: schemaFacts(sch), level: cur.level, order: int32(schemaOrder(cur.sch, seg.Text))}
			if cur.isTable {
				next.level = cur.level + 1
			}
			cur.kids = append(cur.kids, next)
			created = append(created, next)
		}
		cur = next
		inInstance = false
	}
	// "Device.IP.Interface.{i}." names the table node itself: the {i} was
	// consumed above. Without it the path names no template.
	if cur.isTable && !inInstance {
		return fail(fmt.Errorf("model: %s: a table is named by its template, ending in \".{i}.\"", template))
	}
	if p.IsPartial() != cur.object {
		if cur.object {
			return fail(fmt.Errorf("model: %s: names an object; object paths end in \".\"", template))
		}
		return fail(fmt.Errorf("model: %s: names a parameter; parameter paths do not end in \".\"", template))
	}
	return cur, nil
}

// Handle reaches the tree a Registry builds. Providers keep it to push
// changes they learn of; before the tree exists, and after it is closed,
// its methods do nothing and return ErrNoTree.
type Handle struct {
	t atomic.Pointer[Tree]
}

// ErrNoTree is returned by a Handle whose tree is not (or no longer) there.
var ErrNoTree error = &sentinel{"model: tree not built"}
