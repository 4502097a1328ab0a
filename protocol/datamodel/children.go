package datamodel

import (
	"slices"
	"strings"

	"gatewarden/protocol/datamodel/internal/dmformat"
)

// Nodes are built an object's children at a time, on first use, from the
// records scan located: most programs consult a small part of a schema.

// kidSet is an object's children, built together on first use.
type kidSet struct {
	nodes  []Node  // document order
	byName []int32 // indexes into nodes, sorted by name
}

// kids returns object n's children, building them on first use.
func (n *Node) kids() *kidSet {
	if k := n.obj.kids.Load(); k != nil {
		return k
	}
	return n.obj.s.build(n)
}

// build makes o's children: the records of its parameters and the heads of
// its child objects, whose own children wait for their first use.
func (s *Schema) build(n *Node) *kidSet {
	o := n.obj
	s.mu.Lock()
	defer s.mu.Unlock()
	if k := o.kids.Load(); k != nil {
		return k
	}
	rec := s.objs[o.index]
	k := &kidSet{nodes: make([]Node, rec.count), byName: make([]int32, rec.count)}
	r := dmformat.NewReader(s.payload)
	r.Seek(int(rec.kids))
	next := int(o.index) + 1 // objects are numbered in document order
	for i := range k.nodes {
		if s.readNode(r, &k.nodes[i], n, next) {
			r.Seek(int(s.objs[next].end))
			next = int(s.objs[next].next)
		}
	}
	// Sorted as []int, then narrowed: the program already has the []int
	// instantiation of the sort, and a []int32 one would add 6 KB of
	// router code.
	order := make([]int, len(k.nodes))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return strings.Compare(k.nodes[a].name, k.nodes[b].name) })
	for i, j := range order {
		k.byName[i] = int32(j)
	}
	o.kids.Store(k)
	return k
}

// objectNode returns the node of object j, building its ancestors' children
// as needed.
func (s *Schema) objectNode(j int32) *Node {
	at := s.objs[j].parent
	if at.obj < 0 {
		return s.root
	}
	return &s.objectNode(at.obj).kids().nodes[at.pos]
}

// forcedNodes returns the forced-inform parameters, finding them once.
func (s *Schema) forcedNodes() []*Node {
	s.forced.once.Do(func() {
		s.forced.nodes = make([]*Node, len(s.forcedAt))
		for i, at := range s.forcedAt {
			s.forced.nodes[i] = &s.objectNode(at.obj).kids().nodes[at.pos]
		}
	})
	return s.forced.nodes
}
