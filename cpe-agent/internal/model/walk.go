package model

import (
	"context"
	"strconv"
)

// visitFn receives each node of a walk with its concrete path. path is a
// buffer the walk reuses: copy it (string(path)) to keep it.
type visitFn func(n *tnode, ix *Index, path []byte, kind at) error

// walkBelow visits everything below target tg (not tg itself), depth
// first, in schema order with instances ascending. Called with t.mu held.
func (t *Tree) walkBelow(ctx context.Context, tg *target, visit visitFn) error {
	buf := make([]byte, 0, 128)
	buf = append(buf, tg.path...)
	switch tg.at {
	case atParam:
		return nil
	case atTable:
		return t.walkInstances(ctx, tg.n, &tg.ix, buf, visit)
	}
	return t.walkKids(ctx, tg.n, &tg.ix, buf, visit)
}

// walkKids visits the children of an object or instance whose path is buf.
func (t *Tree) walkKids(ctx context.Context, n *tnode, ix *Index, buf []byte, visit visitFn) error {
	for _, k := range n.kids {
		if !k.object {
			if err := visit(k, ix, append(buf, k.name()...), atParam); err != nil {
				return err
			}
			continue
		}
		sub := append(append(buf, k.name()...), '.')
		if k.isTable {
			if err := visit(k, ix, sub, atTable); err != nil {
				return err
			}
			if err := t.walkInstances(ctx, k, ix, sub, visit); err != nil {
				return err
			}
			continue
		}
		if err := visit(k, ix, sub, atObject); err != nil {
			return err
		}
		if err := t.walkKids(ctx, k, ix, sub, visit); err != nil {
			return err
		}
	}
	return nil
}

// walkInstances visits each instance of table node n (path buf) and what
// lies below it.
func (t *Tree) walkInstances(ctx context.Context, n *tnode, parent *Index, buf []byte, visit visitFn) error {
	s, _, err := t.instances(ctx, n, parent)
	if err != nil {
		return err
	}
	if s == nil {
		return nil
	}
	// The set may be replaced while we walk (a nested listed table
	// refreshing); iterate over the slices we hold.
	nums, keys := s.nums, s.keys
	for i, num := range nums {
		key := ""
		if keys != nil {
			key = keys[i]
		}
		ix := parent.push(num, key)
		sub := append(strconv.AppendUint(buf, uint64(num), 10), '.')
		if err := visit(n, &ix, sub, atInstance); err != nil {
			return err
		}
		if err := t.walkKids(ctx, n, &ix, sub, visit); err != nil {
			return err
		}
	}
	return nil
}

// params returns every parameter a target covers: itself, or everything
// below it.
func (t *Tree) params(ctx context.Context, tg *target) ([]target, error) {
	if tg.at == atParam {
		return []target{*tg}, nil
	}
	var out []target
	err := t.walkBelow(ctx, tg, func(n *tnode, ix *Index, path []byte, kind at) error {
		if kind == atParam {
			out = append(out, target{n: n, ix: *ix, path: string(path), at: atParam})
		}
		return nil
	})
	return out, err
}
