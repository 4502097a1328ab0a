package usb

import (
	"slices"
	"strings"
)

// sortSnapshot puts hosts in bus order and devices in key order, the order
// the data model numbers them in. It sorts an index permutation rather than
// the structs: slices.SortFunc over a struct type instantiates its own copy
// of pdqsort (about 12 KB of router code per struct), while the []int one is
// shared with the rest of the binary. The comparisons, and so the result,
// are the same as sorting the structs directly.
func sortSnapshot(snap *Snapshot) {
	hosts := snap.Hosts
	snap.Hosts = permuted(hosts, sortedIndex(len(hosts), func(a, b int) int { return hosts[a].Bus - hosts[b].Bus }))
	devs := snap.Devices
	snap.Devices = permuted(devs, sortedIndex(len(devs), func(a, b int) int { return strings.Compare(devs[a].Key, devs[b].Key) }))
}

// sortedIndex returns 0..n-1 sorted by cmp over the indexes.
func sortedIndex(n int, cmp func(a, b int) int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, cmp)
	return idx
}

// permuted returns s reordered so that element i is s[idx[i]]; nil stays nil.
func permuted[T any](s []T, idx []int) []T {
	if s == nil {
		return nil
	}
	out := make([]T, len(s))
	for i, j := range idx {
		out[i] = s[j]
	}
	return out
}
