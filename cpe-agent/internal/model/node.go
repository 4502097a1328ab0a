package model

import (
	"context"

	"gatewarden/protocol/datamodel"
)

// tnode is one object, table or parameter of the supported tree, in
// template form: a table node stands for "Interface.{i}." and its kids are
// the children of each instance. Nodes are built by a Registry and never
// change once the tree exists; schema facts are copied in (a few bytes)
// while the schema itself stays shared by every agent of the process.
type tnode struct {
	parent *tnode
	kids   []*tnode
	sch    *datamodel.Node // shared by every tree of the process
	order  int32           // position among the schema's children, for output order
	level  uint8           // number of {i} in the template path
	facts

	// tables
	tbl *table
	// parameters
	bind *binding
}

// facts are the schema properties the tree consults on hot paths.
type facts struct {
	object  bool
	isTable bool
	access  datamodel.Access
	notify  datamodel.ActiveNotify
	forced  bool
	hidden  bool
	secured bool
	command bool
	kind    datamodel.Kind
}

// tableKind says who decides which instances exist.
type tableKind uint8

const (
	// listed: the provider's Lister (interfaces the system has).
	listed tableKind = iota + 1
	// managed: the ACS, through AddObject and DeleteObject, persisted.
	managed
	// editable: the provider's Lister, and the ACS through AddObject and
	// DeleteObject, which the provider's RowHooks carry out in the system
	// (addresses, static routes).
	editable
)

// table is the instance bookkeeping of a table node.
type table struct {
	kind       tableKind
	list       Lister
	hooks      TableHooks
	rows       RowHooks
	maxEntries int // 0: unbounded
	numEntries *tnode
}

// TableHooks lets a platform act when the ACS creates or deletes an
// instance of a managed table. Either may be nil. An error from Add
// aborts the AddObject; Delete runs before anything is removed and an
// error aborts the DeleteObject.
type TableHooks struct {
	Add    func(ctx context.Context, ix Index) error
	Delete func(ctx context.Context, ix Index) error
}

// name returns the node's segment name ("Interface", "UpTime").
func (n *tnode) name() string { return n.sch.Name() }

// tmpl returns the template path: "Device.IP.Interface.{i}." for a table,
// "Device.IP.Interface.{i}.Name" for a parameter. It allocates: the tree
// keeps no per-agent copy.
func (n *tnode) tmpl() string { return n.sch.Path() }

// isParam reports whether n is a parameter.
func (n *tnode) isParam() bool { return !n.object }

// child returns the kid named name, or nil.
func (n *tnode) child(name string) *tnode {
	for _, k := range n.kids {
		if k.name() == name {
			return k
		}
	}
	return nil
}

// writableByACS reports whether SetParameterValues may change the
// parameter: the schema allows it and the binding can take a value.
func (n *tnode) writableByACS() bool {
	return n.bind != nil && n.access != datamodel.ReadOnly && n.bind.writable()
}
