package model

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// instSet is the instances of one concrete table, ascending by number.
type instSet struct {
	nums []uint32
	keys []string // listed tables: keys[i] names nums[i]; nil for managed
}

func (s *instSet) len() int {
	if s == nil {
		return 0
	}
	return len(s.nums)
}

func (s *instSet) has(n uint32) bool {
	if s == nil {
		return false
	}
	_, ok := slices.BinarySearch(s.nums, n)
	return ok
}

func (s *instSet) key(i int) string {
	if s.keys == nil {
		return ""
	}
	return s.keys[i]
}

// instancePath returns "Device.IP.Interface.3." for table
// "Device.IP.Interface." and 3.
func instancePath(table string, n uint32) string {
	return table + strconv.FormatUint(uint64(n), 10) + "."
}

// tablePath returns the concrete path of table node n under the instance
// parent: "Device.IP.Interface.2.IPv4Address.".
func tablePath(n *tnode, parent *Index) string {
	tmpl := strings.TrimSuffix(n.tmpl(), "{i}.")
	p, _ := fill(tmpl, parent)
	return p
}

// instances returns the instances table node n has under parent, asking
// the provider for listed tables. Called with t.mu held.
func (t *Tree) instances(ctx context.Context, n *tnode, parent *Index) (*instSet, string, error) {
	return t.instancesAt(ctx, n, parent, tablePath(n, parent))
}

// instancesAt is instances for a caller that has the table's concrete path
// at hand.
func (t *Tree) instancesAt(ctx context.Context, n *tnode, parent *Index, table string) (*instSet, string, error) {
	if n.tbl.kind == managed {
		return t.inst[table], table, nil
	}
	s, err := t.refresh(ctx, n, table, parent)
	return s, table, err
}

// refresh maps the provider's current keys onto instance numbers: known
// keys keep theirs, new keys get fresh numbers, vanished keys lose theirs
// for good (with whatever the tree kept beneath them).
func (t *Tree) refresh(ctx context.Context, n *tnode, table string, parent *Index) (*instSet, error) {
	keys, err := n.tbl.list(ctx, *parent)
	if err != nil {
		return nil, fmt.Errorf("model: listing %s: %w", table, err)
	}
	old := t.inst[table]
	if old != nil && slices.Equal(old.keys, keys) && len(old.nums) == len(keys) {
		return old, nil
	}
	known := map[string]uint32{}
	if old != nil {
		for i, num := range old.nums {
			known[old.key(i)] = num
		}
	}
	seen := make(map[string]bool, len(keys))
	var fresh []string
	next := &instSet{}
	for _, k := range keys {
		if k == "" || seen[k] {
			continue
		}
		seen[k] = true
		if num, ok := known[k]; ok {
			next.nums = append(next.nums, num)
			next.keys = append(next.keys, k)
			continue
		}
		fresh = append(fresh, k)
	}
	var gone []string
	if old != nil {
		for i, num := range old.nums {
			if !seen[old.key(i)] {
				gone = append(gone, instancePath(table, num))
			}
		}
	}
	if len(fresh) == 0 && len(gone) == 0 {
		if old != nil {
			return old, nil // the same set in another order
		}
		t.inst[table] = next
		return next, nil
	}
	err = update(t.st, func(b batch) error {
		for _, k := range fresh {
			num, err := b.addInstance(table, k)
			if err != nil {
				return err
			}
			next.nums = append(next.nums, num)
			next.keys = append(next.keys, k)
		}
		for _, p := range gone {
			if err := b.deleteObject(p); err != nil {
				return err
			}
			if err := b.deletePending(t.pendingUnder(p)...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("model: recording instances of %s: %w", table, err)
	}
	for _, p := range gone {
		t.forgetUnder(p)
	}
	sortSet(next)
	t.inst[table] = next
	return next, nil
}

// sortSet orders a set by instance number, keeping keys aligned.
func sortSet(s *instSet) {
	if slices.IsSorted(s.nums) {
		return
	}
	idx := make([]int, len(s.nums))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return int(int64(s.nums[a]) - int64(s.nums[b])) })
	nums := make([]uint32, len(idx))
	var keys []string
	if s.keys != nil {
		keys = make([]string, len(idx))
	}
	for i, j := range idx {
		nums[i] = s.nums[j]
		if keys != nil {
			keys[i] = s.keys[j]
		}
	}
	s.nums, s.keys = nums, keys
}

// pendingUnder returns the pending paths below an object path.
func (t *Tree) pendingUnder(prefix string) []string {
	var out []string
	for p := range t.pending {
		if strings.HasPrefix(p, prefix) {
			out = append(out, p)
		}
	}
	return out
}

// forgetUnder drops from memory everything below an instance path that
// the store has just deleted.
func (t *Tree) forgetUnder(prefix string) {
	for p := range t.values {
		if strings.HasPrefix(p, prefix) {
			delete(t.values, p)
		}
	}
	for p := range t.attrs {
		if strings.HasPrefix(p, prefix) {
			delete(t.attrs, p)
		}
	}
	for p := range t.pending {
		if strings.HasPrefix(p, prefix) {
			delete(t.pending, p)
		}
	}
	for p := range t.baseline {
		if strings.HasPrefix(p, prefix) {
			delete(t.baseline, p)
		}
	}
	for p := range t.reported {
		if strings.HasPrefix(p, prefix) {
			delete(t.reported, p)
		}
	}
	for p := range t.inst {
		if strings.HasPrefix(p, prefix) {
			delete(t.inst, p)
		}
	}
}
