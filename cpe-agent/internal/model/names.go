package model

import (
	"context"

	"gatewarden/protocol/cwmp"
	"gatewarden/protocol/datamodel"
)

// GetParameterNames answers the RPC with TR-069's NextLevel semantics:
//
//   - a full parameter name: that parameter (NextLevel=true is 9003);
//   - a partial path, NextLevel=false: the object itself and everything
//     below it; NextLevel=true: only its direct children (parameters,
//     sub-objects, tables' instances);
//   - "": the whole tree from "Device.", or just "Device." with NextLevel.
//
// Writable on a table means AddObject is allowed, on an instance that
// DeleteObject is.
func (t *Tree) GetParameterNames(ctx context.Context, path string, nextLevel bool) ([]cwmp.ParameterInfoStruct, error) {
	t.mu.Lock()
	out, err := t.parameterNames(ctx, path, nextLevel)
	t.mu.Unlock()
	return out, err
}

// parameterNames is GetParameterNames' body, called with t.mu held.
func (t *Tree) parameterNames(ctx context.Context, path string, nextLevel bool) ([]cwmp.ParameterInfoStruct, error) {
	ts, err := t.resolve(ctx, path, true)
	if err != nil {
		return nil, nameFault(path, err)
	}
	var out []cwmp.ParameterInfoStruct
	for i := range ts {
		tg := &ts[i]
		if path == "" && nextLevel {
			return []cwmp.ParameterInfoStruct{{Name: t.root.tmpl(), Writable: false}}, nil
		}
		if tg.at == atParam {
			if nextLevel {
				return nil, cwmp.NewFault(cwmp.FaultInvalidArguments, "NextLevel=true on the parameter "+path)
			}
			out = append(out, cwmp.ParameterInfoStruct{Name: tg.path, Writable: tg.n.writableByACS()})
			continue
		}
		if nextLevel {
			out, err = t.appendChildren(ctx, out, tg)
		} else {
			out = append(out, cwmp.ParameterInfoStruct{Name: tg.path, Writable: writable(tg.n, &tg.ix, tg.at)})
			err = t.walkBelow(ctx, tg, func(n *tnode, ix *Index, p []byte, kind at) error {
				out = append(out, cwmp.ParameterInfoStruct{Name: string(p), Writable: writable(n, ix, kind)})
				return nil
			})
		}
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// appendChildren lists the direct children of an object, table or
// instance.
func (t *Tree) appendChildren(ctx context.Context, out []cwmp.ParameterInfoStruct, tg *target) ([]cwmp.ParameterInfoStruct, error) {
	if tg.at == atTable {
		s, table, err := t.instances(ctx, tg.n, &tg.ix)
		if err != nil {
			return nil, err
		}
		if s == nil {
			return out, nil
		}
		for i, num := range s.nums {
			ix := tg.ix.push(num, s.key(i))
			out = append(out, cwmp.ParameterInfoStruct{Name: instancePath(table, num), Writable: deletable(tg.n, &ix)})
		}
		return out, nil
	}
	for _, k := range tg.n.kids {
		name := tg.path + k.name()
		kind := atParam
		switch {
		case k.isTable:
			name, kind = name+".", atTable
		case k.object:
			name, kind = name+".", atObject
		}
		out = append(out, cwmp.ParameterInfoStruct{Name: name, Writable: writable(k, &tg.ix, kind)})
	}
	return out, nil
}

// writable is GetParameterNames' Writable of node n at ix.
func writable(n *tnode, ix *Index, kind at) bool {
	switch kind {
	case atParam:
		return n.writableByACS()
	case atInstance:
		return deletable(n, ix)
	}
	return writableObject(n, kind)
}

// deletable reports whether the ACS may delete instance ix of table node
// n: any instance of a managed table, the rows of an editable one that
// its Deletable hook allows.
func deletable(n *tnode, ix *Index) bool {
	if !writableObject(n, atInstance) {
		return false
	}
	return n.tbl.kind != editable || n.tbl.rows.Deletable == nil || n.tbl.rows.Deletable(*ix)
}

// writableObject: a table is writable when the ACS may add instances, an
// instance when it may delete it; plain objects never are.
func writableObject(n *tnode, kind at) bool {
	switch kind {
	case atTable, atInstance:
		return n.tbl != nil && n.tbl.kind != listed && n.access == datamodel.ReadWrite
	}
	return false
}
