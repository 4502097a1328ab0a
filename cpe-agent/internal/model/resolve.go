package model

import (
	"context"
	"errors"
	"strconv"

	"gatewarden/protocol/cwmp"
	"gatewarden/protocol/datamodel"
)

// at says what a resolved path names.
type at uint8

const (
	atParam    at = iota + 1
	atObject      // a single object, or the root
	atTable       // "Device.IP.Interface."
	atInstance    // "Device.IP.Interface.3."
)

// target is one thing a path names, with its concrete path.
type target struct {
	_    incomparable
	n    *tnode
	ix   Index
	path string
	at   at
}

// errNotFound marks a name the tree does not have; callers turn it into
// 9005 with their own wording.
var errNotFound error = &sentinel{"no such parameter or object"}

// resolve returns what name designates: one target for a concrete path,
// any number (possibly none) when wildcards are allowed and used. The
// empty name designates the root. Called with t.mu held.
func (t *Tree) resolve(ctx context.Context, name string, wildcards bool) ([]target, error) {
	if name == "" {
		return []target{{n: t.root, path: t.root.tmpl(), at: atObject, ix: Index{t: t}}}, nil
	}
	p, err := datamodel.ParsePath(name)
	if err != nil {
		return nil, errNotFound
	}
	if p.HasAlias() || p.HasTemplate() || (p.HasWildcard() && !wildcards) {
		return nil, errNotFound
	}
	if !p.HasWildcard() {
		ts := make([]target, 1)
		if err := t.resolveConcrete(ctx, p, &ts[0]); err != nil {
			return nil, err
		}
		return ts, nil
	}
	if p.Segment(0).Text != t.root.name() {
		return nil, errNotFound
	}
	// The shape must exist even when no instance matches.
	if !t.shapeExists(p) {
		return nil, errNotFound
	}
	cur := []target{{n: t.root, path: t.root.tmpl(), at: atObject, ix: Index{t: t}}}
	for i := 1; i < p.Len(); i++ {
		seg := p.Segment(i)
		var next []target
		for ci := range cur {
			c := &cur[ci]
			if c.at == atParam {
				return nil, errNotFound
			}
			if c.at == atTable {
				s, table, err := t.instances(ctx, c.n, &c.ix)
				if err != nil {
					return nil, err
				}
				if s == nil {
					s = &instSet{}
				}
				switch seg.Kind {
				case datamodel.SegInstance:
					if !s.has(seg.Instance) {
						if p.HasWildcard() {
							continue
						}
						return nil, errNotFound
					}
					i, _ := indexIn(s, seg.Instance)
					next = append(next, target{n: c.n, ix: c.ix.push(seg.Instance, s.key(i)), path: instancePath(table, seg.Instance), at: atInstance})
				case datamodel.SegWildcard:
					for j, num := range s.nums {
						next = append(next, target{n: c.n, ix: c.ix.push(num, s.key(j)), path: instancePath(table, num), at: atInstance})
					}
				default:
					return nil, errNotFound
				}
				continue
			}
			if seg.Kind != datamodel.SegName {
				return nil, errNotFound
			}
			k := c.n.child(seg.Text)
			if k == nil {
				return nil, errNotFound
			}
			nt := target{n: k, ix: c.ix}
			switch {
			case !k.object:
				nt.at, nt.path = atParam, c.path+k.name()
			case k.isTable:
				nt.at, nt.path = atTable, c.path+k.name()+"."
			default:
				nt.at, nt.path = atObject, c.path+k.name()+"."
			}
			next = append(next, nt)
		}
		cur = next
	}
	for i := range cur {
		if (cur[i].at == atParam) == p.IsPartial() {
			return nil, errNotFound
		}
	}
	return cur, nil
}

// shapeExists checks a wildcard path against the supported templates.
func (t *Tree) shapeExists(p datamodel.Path) bool {
	n := t.root
	inTable := false
	for i := 1; i < p.Len(); i++ {
		seg := p.Segment(i)
		if n.isTable && !inTable {
			if seg.Kind != datamodel.SegInstance && seg.Kind != datamodel.SegWildcard {
				return false
			}
			inTable = true
			continue
		}
		if seg.Kind != datamodel.SegName || n.isParam() {
			return false
		}
		if n = n.child(seg.Text); n == nil {
			return false
		}
		inTable = false
	}
	return !n.object != p.IsPartial()
}

func indexIn(s *instSet, n uint32) (int, bool) {
	for i, v := range s.nums {
		if v == n {
			return i, true
		}
	}
	return 0, false
}

// resolveParam resolves a full parameter name, wildcards excluded, into
// tg (see resolveConcrete for why not a return value).
func (t *Tree) resolveParam(ctx context.Context, name string, tg *target) error {
	p, err := datamodel.ParsePath(name)
	if err != nil || !p.IsConcrete() {
		return errNotFound
	}
	if err := t.resolveConcrete(ctx, p, tg); err != nil {
		return err
	}
	if tg.at != atParam {
		return errNotFound
	}
	return nil
}

// nameFault turns a resolution error into the RPC's fault: 9005 for a
// name the tree lacks, 9002 for a provider that failed.
func nameFault(name string, err error) error {
	if errors.Is(err, errNotFound) {
		return cwmp.NewFault(cwmp.FaultInvalidParameterName, "unknown parameter or object "+strconv.Quote(name))
	}
	return err
}
