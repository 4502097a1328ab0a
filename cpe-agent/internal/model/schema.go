package model

import (
	"strconv"

	"gatewarden/protocol/datamodel"
)

// This file is the tree's only window on the generated schema: everything
// the tree knows about types, access and notification comes through here.

func schemaTR181() *datamodel.Schema { return datamodel.TR181() }

func schemaRoot(s *datamodel.Schema) *datamodel.Node { return s.Root() }

func schemaName(n *datamodel.Node) string { return n.Name() }

func schemaVersion(s *datamodel.Schema) string { return s.Version().String() }

func schemaChild(n *datamodel.Node, name string) *datamodel.Node {
	c, ok := n.Child(name)
	if !ok {
		return nil
	}
	return c
}

// schemaDeleted reports definitions a CPE must not implement.
func schemaDeleted(n *datamodel.Node) bool {
	s := n.Status()
	return s == datamodel.StatusDeleted || s == datamodel.StatusObsoleted
}

// schemaOrder is the document position of child name under n, so that
// output follows the data model's order whatever the binding order.
func schemaOrder(n *datamodel.Node, name string) int {
	// ChildAt rather than a range over Children: see find.
	num := n.NumChildren()
	for i := range num {
		if n.ChildAt(i).Name() == name {
			return i
		}
	}
	return num
}

func schemaFacts(n *datamodel.Node) facts {
	f := facts{
		object:  n.IsObject(),
		isTable: n.IsTable(),
		access:  n.Access(),
		notify:  n.ActiveNotify(),
		forced:  n.ForcedInform(),
		hidden:  n.Hidden(),
		secured: n.Secured(),
		command: n.Command(),
	}
	if t := n.Type(); t != nil {
		f.kind = t.Kind()
	}
	return f
}

// schemaMaxEntries returns a table's limit, 0 for unbounded.
func schemaMaxEntries(n *datamodel.Node) int {
	if m := n.MaxEntries(); m > 0 {
		return m
	}
	return 0
}

func schemaNumEntries(n *datamodel.Node) string { return n.NumEntriesParameter() }

// schemaParamNames lists the parameters directly under object n that a
// CPE may implement.
func schemaParamNames(n *datamodel.Node) []string {
	var out []string
	for i := range n.NumChildren() {
		if c := n.ChildAt(i); c.IsParameter() && !schemaDeleted(c) {
			out = append(out, c.Name())
		}
	}
	return out
}

// schemaDefault picks the initial value of a stored parameter: the data
// model's default when it has one that validates, else the type's null
// value, else the lowest value the type allows (an unsignedInt[64:65535]
// cannot be 0), else the first enumerated value.
func schemaDefault(n *datamodel.Node, k datamodel.Kind) string {
	if d, ok := n.Default(); ok && d.Kind != datamodel.DefaultImplementation && n.Validate(d.Value) == nil {
		return d.Value
	}
	if v := nullValue(k); n.Validate(v) == nil {
		return v
	}
	t := n.Type()
	if t == nil {
		return ""
	}
	for _, r := range t.Ranges() {
		if r.HasMin {
			v := strconv.FormatInt(r.Min, 10)
			if n.Validate(v) == nil {
				return v
			}
		}
	}
	for _, e := range t.Enumerations() {
		if n.Validate(e.Value) == nil {
			return e.Value
		}
	}
	return nullValue(k)
}

// validate checks a value, and the xsi:type its sender declared, against
// parameter n. "string" (which is also what a value without xsi:type
// decodes as) is accepted for any type: many ACSes send every value as
// xsd:string, and the value itself is still checked. ACS writes (acs true)
// may not use enumeration values only the CPE sets.
func validate(n *datamodel.Node, xsiType, v string, acs bool) error {
	if xsiType != "" && xsiType != "string" {
		if k, ok := datamodel.KindOfXSD(xsiType); !ok || k != datamodel.KindString {
			if err := n.CheckXSIType(xsiType); err != nil {
				return err
			}
		}
	}
	if acs {
		return n.ValidateSet(v)
	}
	return n.Validate(v)
}
