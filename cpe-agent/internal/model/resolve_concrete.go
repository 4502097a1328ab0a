package model

import (
	"context"
	"strconv"
	"strings"

	"gatewarden/protocol/datamodel"
)

// resolveConcrete is resolve for a path without wildcards, aliases or
// templates, the shape of nearly every name a session resolves (each
// Inform resolves its forced parameters). Such a path names at most one
// target, and its concrete path is the name itself, so the walk builds no
// strings or slices: ParsePath has already checked that instance numbers
// are canonical, and table paths are the name's own prefixes. The name is
// copied once, as the tree may keep these paths (map keys) and a caller's
// name may be a slice of a whole SOAP message. The target is written to
// c, storage the caller has anyway: returning one by value (it is about
// 100 bytes) would zero a whole target at every failing return. Called
// with t.mu held.
func (t *Tree) resolveConcrete(ctx context.Context, p datamodel.Path, c *target) error {
	name := strings.Clone(p.String())
	end := strings.IndexByte(name, '.')
	if end < 0 {
		end = len(name)
	}
	if name[:end] != t.root.name() {
		return errNotFound
	}
	*c = target{n: t.root, at: atObject, ix: Index{t: t}}
	for start := end + 1; start < len(name); start = end + 1 {
		if end = strings.IndexByte(name[start:], '.'); end < 0 {
			end = len(name)
		} else {
			end += start
		}
		seg := name[start:end]
		switch c.at {
		case atParam:
			return errNotFound
		case atTable:
			if seg[0] < '0' || seg[0] > '9' {
				return errNotFound
			}
			num, err := strconv.ParseUint(seg, 10, 32)
			if err != nil {
				return errNotFound
			}
			s, _, err := t.instancesAt(ctx, c.n, &c.ix, name[:start])
			if err != nil {
				return err
			}
			i, ok := 0, false
			if s != nil {
				i, ok = indexIn(s, uint32(num))
			}
			if !ok {
				return errNotFound
			}
			c.ix = c.ix.push(uint32(num), s.key(i))
			c.at = atInstance
			continue
		}
		k := c.n.child(seg)
		if k == nil {
			return errNotFound
		}
		c.n = k
		switch {
		case !k.object:
			c.at = atParam
		case k.isTable:
			c.at = atTable
		default:
			c.at = atObject
		}
	}
	if (c.at == atParam) == p.IsPartial() {
		return errNotFound
	}
	c.path = name
	return nil
}
