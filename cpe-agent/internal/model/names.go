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
	defer t.mu.Unlock()
	ts, err := t.resolve(ctx, path, true)
	if err != nil {
		return nil, nameFault(path, err)
	}
	var out []cwmp.ParameterInfoStruct
	for _, tg := range ts {
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
			out = append(out, cwmp.ParameterInfoStruct{Name: tg.path, Writable: writableObject(tg.n, tg.at)})
			err = t.walkBelow(ctx, tg, func(n *tnode, _ Index, p []byte, kind at) error {
				out = append(out, cwmp.ParameterInfoStruct{Name: string(p), Writable: writable(n, kind)})
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
func (t *Tree) appendChildren(ctx context.Context, out []cwmp.ParameterInfoStruct, tg target) ([]cwmp.ParameterInfoStruct, error) {
	if tg.at == atTable {
		s, table, err := t.instances(ctx, tg.n, tg.ix)
		if err != nil {
			return nil, err
		}
		if s == nil {
			return out, nil
		}
		for _, num := range s.nums {
			out = append(out, cwmp.ParameterInfoStruct{Name: instancePath(table, num), Writable: writableObject(tg.n, atInstance)})
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
		out = append(out, cwmp.ParameterInfoStruct{Name: name, Writable: writable(k, kind)})
	}
	return out, nil
}

func writable(n *tnode, kind at) bool {
	if kind == atParam {
		return n.writableByACS()
	}
	return writableObject(n, kind)
}

// writableObject: a table is writable when the ACS may add instances, an
// instance when it may delete it; plain objects never are.
func writableObject(n *tnode, kind at) bool {
	switch kind {
	case atTable, atInstance:
		return n.tbl != nil && n.tbl.kind == managed && n.access == datamodel.ReadWrite
	}
	return false
}
