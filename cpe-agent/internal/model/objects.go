package model

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"gatewarden/protocol/cwmp"
)

// AddObject creates an instance of a managed table (object is the table
// path, "Device.IP.Interface.") or a row of an editable one (the
// provider's RowHooks.Add makes it). The instance number is new for good;
// a managed instance's stored parameters get their defaults; ParameterKey
// takes the request's key. A table the ACS cannot add to is 9005; a full
// table (maxEntries) is 9004.
func (t *Tree) AddObject(ctx context.Context, object, parameterKey string) (uint32, int32, error) {
	t.mu.Lock()
	num, fire, err := t.addObject(ctx, object, parameterKey)
	t.mu.Unlock()
	t.notifyChanged(fire)
	return num, 0, err
}

func (t *Tree) addObject(ctx context.Context, object, key string) (uint32, []fired, error) {
	if t.closed {
		return 0, nil, ErrNoTree
	}
	if !strings.HasSuffix(object, ".") {
		return 0, nil, cwmp.NewFault(cwmp.FaultInvalidParameterName, object+" is not a table path")
	}
	ts, err := t.resolve(ctx, object, false)
	if err != nil {
		return 0, nil, nameFault(object, err)
	}
	tg := &ts[0]
	if tg.at != atTable || !writableObject(tg.n, atTable) {
		return 0, nil, cwmp.NewFault(cwmp.FaultInvalidParameterName, object+" is not a table the ACS can add to")
	}
	if err := t.checkKey(key); err != nil {
		return 0, nil, err
	}
	s, table, err := t.instances(ctx, tg.n, &tg.ix)
	if err != nil {
		return 0, nil, err
	}
	if m := tg.n.tbl.maxEntries; m > 0 && s.len() >= m {
		return 0, nil, cwmp.NewFault(cwmp.FaultResourcesExceeded, fmt.Sprintf("%s is full (%d entries)", table, m))
	}
	if tg.n.tbl.kind == editable {
		return t.addRow(ctx, tg, table, s, key)
	}
	var num uint32
	var values map[string]string
	err = update(t.st, func(b batch) error {
		n, err := b.addInstance(table, "")
		if err != nil {
			return err
		}
		num = n
		ix := tg.ix.push(num, "")
		values = t.instanceDefaults(tg.n, &ix, instancePath(table, num), nil)
		if kn := t.keyNode(); kn != nil {
			values[ParameterKeyPath] = key
		}
		if err := b.saveValues(values); err != nil {
			return err
		}
		if h := tg.n.tbl.hooks.Add; h != nil {
			if err := h(ctx, ix); err != nil {
				return fmt.Errorf("model: creating %s%d: %w", table, num, err)
			}
		}
		return nil
	})
	if err != nil {
		return 0, nil, err
	}
	t.addToSet(table, num, "")
	for p, v := range values {
		t.values[p] = v
	}
	var fire []fired
	if t.keyNode() != nil {
		fire = append(fire, fired{path: ParameterKeyPath, value: key})
	}
	return num, fire, nil
}

// keyNode returns the stored ParameterKey parameter, if bound.
func (t *Tree) keyNode() *tnode {
	n := t.reg.lookup(ParameterKeyPath)
	if n == nil || n.bind == nil || !n.bind.stored {
		return nil
	}
	return n
}

func (t *Tree) checkKey(key string) error {
	if n := t.keyNode(); n != nil {
		if err := validate(n.sch, "", key, false); err != nil {
			return cwmp.NewFault(cwmp.FaultInvalidArguments, "ParameterKey: "+err.Error())
		}
	}
	return nil
}

// addToSet records a new instance in memory: key is the provider's key
// of a row added to a listed table (never "", addRow makes sure), "" for
// a managed instance, whose set has no keys.
func (t *Tree) addToSet(table string, num uint32, key string) {
	s := t.inst[table]
	if s == nil {
		s = &instSet{}
		t.inst[table] = s
	}
	if key != "" && s.keys == nil {
		s.keys = make([]string, len(s.nums))
	}
	s.nums = append(s.nums, num)
	if s.keys != nil {
		s.keys = append(s.keys, key)
	}
	sortSet(s)
}

// instanceDefaults returns the initial values of the stored parameters of
// a new instance (table node n, instance ix at path), walking its
// non-table sub-objects too, with overrides by relative name.
func (t *Tree) instanceDefaults(n *tnode, ix *Index, path string, overrides map[string]string) map[string]string {
	out := map[string]string{}
	var walk func(n *tnode, prefix, rel string)
	walk = func(n *tnode, prefix, rel string) {
		for _, k := range n.kids {
			switch {
			case k.isParam():
				if k.bind == nil || !k.bind.stored {
					continue
				}
				v, ok := overrides[rel+k.name()]
				if !ok {
					v = defaultOf(k, ix)
				}
				out[prefix+k.name()] = v
			case !k.isTable:
				walk(k, prefix+k.name()+".", rel+k.name()+".")
			}
		}
	}
	walk(n, path, "")
	return out
}

// DeleteObject deletes an instance of a managed or editable table (object
// is the instance path, "Device.IP.Interface.3.") with its whole subtree:
// nested instances, stored values, attributes and pending changes. The
// table's Delete hook runs first and may refuse. ParameterKey takes the
// request's key. Anything else is 9005.
func (t *Tree) DeleteObject(ctx context.Context, object, parameterKey string) (int32, error) {
	t.mu.Lock()
	fire, err := t.deleteObject(ctx, object, parameterKey)
	t.mu.Unlock()
	t.notifyChanged(fire)
	return 0, err
}

func (t *Tree) deleteObject(ctx context.Context, object, key string) ([]fired, error) {
	if t.closed {
		return nil, ErrNoTree
	}
	ts, err := t.resolve(ctx, object, false)
	if err != nil {
		return nil, nameFault(object, err)
	}
	tg := ts[0]
	if tg.at != atInstance || !writableObject(tg.n, atInstance) {
		return nil, cwmp.NewFault(cwmp.FaultInvalidParameterName, object+" is not an instance the ACS can delete")
	}
	if err := t.checkKey(key); err != nil {
		return nil, err
	}
	if !deletable(tg.n, &tg.ix) {
		return nil, cwmp.NewFault(cwmp.FaultRequestDenied, object+" is the system's own and cannot be deleted")
	}
	h := tg.n.tbl.hooks.Delete
	if tg.n.tbl.kind == editable {
		h = tg.n.tbl.rows.Delete
	}
	if h != nil {
		if err := h(ctx, tg.ix); err != nil {
			return nil, fmt.Errorf("model: deleting %s: %w", tg.path, err)
		}
	}
	err = update(t.st, func(b batch) error {
		if err := b.deleteObject(tg.path); err != nil {
			return err
		}
		if err := b.deletePending(t.pendingUnder(tg.path)...); err != nil {
			return err
		}
		if t.keyNode() != nil {
			return b.saveValues(map[string]string{ParameterKeyPath: key})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	table := strings.TrimSuffix(tg.path, strconv.FormatUint(uint64(tg.ix.Last()), 10)+".")
	if s := t.inst[table]; s != nil {
		if i, ok := indexIn(s, tg.ix.Last()); ok {
			s.nums = append(s.nums[:i:i], s.nums[i+1:]...)
			if s.keys != nil {
				s.keys = append(s.keys[:i:i], s.keys[i+1:]...)
			}
		}
	}
	t.forgetUnder(tg.path)
	var fire []fired
	if t.keyNode() != nil {
		t.values[ParameterKeyPath] = key
		fire = append(fire, fired{path: ParameterKeyPath, value: key})
	}
	return fire, nil
}

// seedFactory creates the factory instances of tables never seeded in
// this store (a fresh store, or one just wiped by a factory reset).
// Called with t.mu held.
func (t *Tree) seedFactory(ctx context.Context, seeded map[string]bool) error {
	if len(t.reg.factory) == 0 {
		return nil
	}
	type planned struct {
		table string
		num   uint32
		ix    Index
		f     factoryInstance
	}
	var plan []planned
	tables := map[string]bool{}
	exists := func(path string) bool {
		for i := range plan {
			if p := &plan[i]; instancePath(p.table, p.num) == path {
				return true
			}
		}
		return false
	}
	for fi := range t.reg.factory {
		f := &t.reg.factory[fi]
		table := strings.TrimSuffix(f.path, strconv.FormatUint(uint64(f.nums[len(f.nums)-1]), 10)+".")
		if seeded[table] {
			continue
		}
		ix := Index{t: t}
		for _, n := range f.nums {
			ix = ix.push(n, "")
		}
		if parent := parentInstance(table); parent != "" && !exists(parent) {
			// The ACS may have deleted the parent: its factory children
			// went with it.
			pt, err := t.resolve(ctx, parent, false)
			if err != nil || pt[0].at != atInstance {
				continue
			}
		}
		tables[table] = true
		plan = append(plan, planned{table: table, num: f.nums[len(f.nums)-1], ix: ix, f: *f})
	}
	if len(plan) == 0 {
		return nil
	}
	values := map[string]string{}
	for i := range plan {
		p := &plan[i]
		path := instancePath(p.table, p.num)
		for k, v := range t.instanceDefaults(p.f.node, &p.ix, path, p.f.values) {
			values[k] = v
		}
	}
	err := update(t.st, func(b batch) error {
		for i := range plan {
			if err := b.putInstance(plan[i].table, plan[i].num); err != nil {
				return err
			}
		}
		for table := range tables {
			if err := b.markSeeded(table); err != nil {
				return err
			}
		}
		return b.saveValues(values)
	})
	if err != nil {
		return fmt.Errorf("model: creating factory instances: %w", err)
	}
	for i := range plan {
		t.addToSet(plan[i].table, plan[i].num, "")
	}
	for k, v := range values {
		t.values[k] = v
	}
	return nil
}

// parentInstance returns the instance path a table sits in
// ("Device.IP.Interface.1." for "Device.IP.Interface.1.IPv4Address."), or
// "" for a table outside any instance.
func parentInstance(table string) string {
	trimmed := strings.TrimSuffix(table, ".")
	i := strings.LastIndexByte(trimmed, '.')
	if i < 0 {
		return ""
	}
	parent := trimmed[:i+1]
	rest := strings.TrimSuffix(parent, ".")
	j := strings.LastIndexByte(rest, '.')
	if j < 0 {
		return ""
	}
	if _, err := strconv.ParseUint(rest[j+1:], 10, 32); err != nil {
		return ""
	}
	return parent
}

// find returns the parameter or object below n named by a relative path
// without instances ("Enable", "Stats.BytesSent").
func (n *tnode) find(rel string) *tnode {
	cur := n
	// A slice loop, not strings.SplitSeq: range-over-func is a closure
	// and its state machine in the router build (no inlining).
	for _, part := range strings.Split(rel, ".") {
		if cur == nil || part == "" {
			return nil
		}
		cur = cur.child(part)
	}
	return cur
}
