package model

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"gatewarden/protocol/datamodel"
)

// finish completes a registry before it becomes a tree: it binds what the
// tree provides by itself (the writable parameters of managed tables, the
// NumberOfEntries of every table), checks that every table crossed by a
// binding is declared, and puts children in schema order.
func (r *Registry) finish() error {
	r.built = true
	var tables []*tnode
	r.eachNode(func(n *tnode) {
		if n.isTable {
			tables = append(tables, n)
		}
	})
	for _, tn := range tables {
		if tn.tbl == nil {
			if hasBinding(tn) {
				r.fail("%s: parameters are bound below this table but it is not declared with Table or Managed", tn.tmpl())
			}
			continue
		}
		if tn.tbl.kind == managed {
			r.storeManagedParams(tn)
		}
		r.bindCount(tn)
	}
	for _, f := range r.factory {
		if f.node.tbl == nil || f.node.tbl.kind != managed {
			r.fail("%s: factory instances belong to managed tables", f.path)
			continue
		}
		if parent := parentInstance(f.path[:len(f.path)-len(strconv.FormatUint(uint64(f.nums[len(f.nums)-1]), 10))-1]); parent != "" {
			if !slices.ContainsFunc(r.factory, func(g factoryInstance) bool { return g.path == parent }) {
				r.fail("%s: its parent %s must be declared as a factory instance too", f.path, parent)
			}
		}
		for rel, v := range f.values {
			n := f.node.find(rel)
			if n == nil || n.bind == nil || !n.bind.stored {
				r.fail("%s: %q is not a stored parameter of the instance", f.path, rel)
				continue
			}
			if err := validate(n.sch, "", v, false); err != nil {
				r.fail("%s: %s: %v", f.path, rel, err)
			}
		}
	}
	r.eachNode(func(n *tnode) {
		if n.bind != nil && n.bind.pinned && n.level > 0 {
			r.fail("%s: Pinned is for parameters outside tables", n.tmpl())
		}
		slices.SortStableFunc(n.kids, func(a, b *tnode) int { return int(a.order) - int(b.order) })
	})
	// Objects with nothing bound below them do not exist.
	r.prune(r.root)
	return r.Err()
}

// hasBinding reports whether a parameter below n is bound.
func hasBinding(n *tnode) bool {
	if n.isParam() {
		return n.bind != nil
	}
	return slices.ContainsFunc(n.kids, hasBinding)
}

// eachNode visits every node, parents first.
func (r *Registry) eachNode(fn func(*tnode)) {
	var walk func(*tnode)
	walk = func(n *tnode) {
		fn(n)
		for _, k := range n.kids {
			walk(k)
		}
	}
	walk(r.root)
}

// prune removes objects that hold no bound parameter and no table; it
// reports whether n should stay.
func (r *Registry) prune(n *tnode) bool {
	if n.isParam() {
		return n.bind != nil
	}
	kept := n.kids[:0]
	for _, k := range n.kids {
		if r.prune(k) {
			kept = append(kept, k)
		}
	}
	n.kids = kept
	return len(kept) > 0 || n.tbl != nil || n == r.root
}

// storeManagedParams stores the writable parameters of a managed table
// that no provider binds.
func (r *Registry) storeManagedParams(tn *tnode) {
	for _, name := range schemaParamNames(tn.sch) {
		n, err := r.node(tn.tmpl() + name)
		if err != nil || n.bind != nil || n.access == datamodel.ReadOnly || n.command {
			continue
		}
		var b *binding
		if name == "Alias" {
			b = StoredFunc(func(ix Index) string { return "cpe-" + strconv.FormatUint(uint64(ix.Last()), 10) }).b
		} else {
			b = Stored("").b
			b.def = schemaDefault(n.sch, n.kind)
		}
		if err := validate(n.sch, "", b.def, false); b.defFunc == nil && err != nil {
			r.fail("%s: no valid default for a stored parameter of a managed table (%v): bind it", n.tmpl(), err)
			continue
		}
		n.bind = b
	}
}

// bindCount binds the table's NumberOfEntries parameter, when the schema
// has one and no provider bound it.
func (r *Registry) bindCount(tn *tnode) {
	name := schemaNumEntries(tn.sch)
	if name == "" || tn.parent == nil {
		return
	}
	if schemaChild(tn.parent.sch, name) == nil {
		return
	}
	prefix := tn.parent.tmpl()
	n, err := r.node(prefix + name)
	if err != nil || n.bind != nil {
		return
	}
	n.bind = &binding{kind: kindUnsigned, get: func(ctx context.Context, ix Index) (string, error) {
		if ix.t == nil {
			return "", errors.New("model: count outside a tree")
		}
		s, _, err := ix.t.instances(ctx, tn, &ix)
		if err != nil {
			return "", err
		}
		return strconv.Itoa(s.len()), nil
	}}
}

// forced returns the bound parameters the schema marks forcedInform, and
// those whose active notification is on unless the ACS turns it off.
func (r *Registry) forced() (inform, active []*tnode) {
	r.eachNode(func(n *tnode) {
		if n.isParam() && n.bind != nil {
			if n.forced {
				inform = append(inform, n)
			}
			if n.notify == datamodel.NotifyForceEnabled || n.notify == datamodel.NotifyForceDefaultEnabled {
				active = append(active, n)
			}
		}
	})
	return inform, active
}

// checkPinned persists pinned values and reports those that differ from
// the previous run's as local changes. Called with t.mu held.
func (t *Tree) checkPinned(ctx context.Context, fire *[]fired) error {
	save := map[string]string{}
	// Pinned parameters sit outside tables: the node and its path say all
	// (a whole target, Index included, would be built for each).
	type pinned struct {
		_    incomparable
		n    *tnode
		path string
	}
	var changed []pinned
	t.reg.eachNode(func(n *tnode) {
		if n.bind == nil || !n.bind.pinned {
			return
		}
		old, ok := t.values[n.tmpl()]
		if ok && old == n.bind.def {
			return
		}
		save[n.tmpl()] = n.bind.def
		if ok {
			changed = append(changed, pinned{n: n, path: n.tmpl()})
		}
	})
	if len(save) == 0 {
		return nil
	}
	var add []string
	for _, tg := range changed {
		if reportable(t.notification(tg.n, tg.path)) {
			if _, ok := t.pending[tg.path]; !ok {
				add = append(add, tg.path)
			}
			*fire = append(*fire, fired{path: tg.path, value: save[tg.path], watched: true,
				active: t.notification(tg.n, tg.path) == 2})
		}
	}
	err := update(t.st, func(b batch) error {
		if err := b.saveValues(save); err != nil {
			return err
		}
		return b.addPending(add...)
	})
	if err != nil {
		return fmt.Errorf("model: recording platform values: %w", err)
	}
	for k, v := range save {
		t.values[k] = v
	}
	for _, p := range add {
		t.pending[p] = struct{}{}
	}
	return nil
}
