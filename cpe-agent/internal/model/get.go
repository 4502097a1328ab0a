package model

import (
	"context"
	"fmt"

	"gatewarden/protocol/cwmp"
	"gatewarden/protocol/datamodel"
)

// rawValue reads a parameter's value as the system has it, unmasked.
// Called with t.mu held.
func (t *Tree) rawValue(ctx context.Context, n *tnode, ix *Index, path string) (string, error) {
	b := n.bind
	switch {
	case b == nil:
		return "", fmt.Errorf("model: %s is not bound", path)
	case b.stored:
		return t.storedValue(n, path, ix), nil
	case b.get == nil:
		return nullValue(n.kind), nil
	}
	v, err := b.get(ctx, *ix)
	if err != nil {
		return "", fmt.Errorf("model: reading %s: %w", path, err)
	}
	return v, nil
}

// storedValue returns the persisted value or the binding's default.
func (t *Tree) storedValue(n *tnode, path string, ix *Index) string {
	if v, ok := t.values[path]; ok {
		return v
	}
	return defaultOf(n, ix)
}

// defaultOf is the value a stored parameter has before anything set it.
func defaultOf(n *tnode, ix *Index) string {
	if n.bind.defFunc != nil {
		return n.bind.defFunc(*ix)
	}
	return n.bind.def
}

// acsValue is what the ACS may see: hidden and secured parameters read as
// the empty string, command parameters as their type's null value.
func (t *Tree) acsValue(ctx context.Context, n *tnode, ix *Index, path string) (string, error) {
	switch {
	case n.hidden || n.secured:
		return "", nil
	case n.command:
		return nullValue(n.kind), nil
	}
	return t.rawValue(ctx, n, ix, path)
}

// nullValue is the null value of a TR-106 type: what a parameter that has
// no value reads as.
func nullValue(k datamodel.Kind) string {
	switch k {
	case datamodel.KindInt, datamodel.KindUnsignedInt, datamodel.KindLong, datamodel.KindUnsignedLong, datamodel.KindDecimal:
		return "0"
	case datamodel.KindBoolean:
		return "false"
	case datamodel.KindDateTime:
		return "0001-01-01T00:00:00Z"
	}
	return ""
}

// GetParameterValues answers the RPC: every parameter each name covers
// (full names, partial paths, instance wildcards). One unknown name fails
// the whole request with 9005.
func (t *Tree) GetParameterValues(ctx context.Context, names []string) ([]cwmp.ParameterValueStruct, error) {
	t.mu.Lock()
	out := make([]cwmp.ParameterValueStruct, 0, min(t.gpvHint, maxHint))
	for _, name := range names {
		ts, err := t.resolve(ctx, name, true)
		if err != nil {
			t.mu.Unlock()
			return nil, nameFault(name, err)
		}
		for i := range ts {
			if out, err = t.appendValues(ctx, out, &ts[i]); err != nil {
				t.mu.Unlock()
				return nil, err
			}
		}
	}
	t.gpvHint = max(t.gpvHint, len(out))
	t.mu.Unlock()
	return out, nil
}

// maxHint caps the preallocation of GetParameterValues answers.
const maxHint = 4096

// appendValues appends the ACS view of every parameter under tg.
func (t *Tree) appendValues(ctx context.Context, out []cwmp.ParameterValueStruct, tg *target) ([]cwmp.ParameterValueStruct, error) {
	if tg.at == atParam {
		v, err := t.acsValue(ctx, tg.n, &tg.ix, tg.path)
		if err != nil {
			return nil, err
		}
		return append(out, cwmp.ParameterValueStruct{Name: tg.path, Value: v, Type: tg.n.kind.String()}), nil
	}
	err := t.walkBelow(ctx, tg, func(n *tnode, ix *Index, path []byte, kind at) error {
		if kind != atParam {
			return nil
		}
		p := string(path)
		v, err := t.acsValue(ctx, n, ix, p)
		if err != nil {
			return err
		}
		out = append(out, cwmp.ParameterValueStruct{Name: p, Value: v, Type: n.kind.String()})
		return nil
	})
	return out, err
}

// Value returns one parameter's value for the agent itself: hidden and
// secured values unmasked. Unknown names give a 9005 fault.
func (t *Tree) Value(ctx context.Context, path string) (string, error) {
	t.mu.Lock()
	var tg target
	if err := t.resolveParam(ctx, path, &tg); err != nil {
		t.mu.Unlock()
		return "", nameFault(path, err)
	}
	v, err := t.rawValue(ctx, tg.n, &tg.ix, tg.path)
	t.mu.Unlock()
	return v, err
}
