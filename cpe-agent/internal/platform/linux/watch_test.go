//go:build linux

package linux

import (
	"slices"
	"testing"
)

// A burst of kernel events folds into one pending check covering every
// subtree it touched.
func TestKicksFold(t *testing.T) {
	k := &kicks{signal: make(chan struct{}, 1), paths: map[string]bool{}}
	k.add(linkPaths)
	k.add(routePaths)
	k.add(linkPaths)
	if len(k.signal) != 1 {
		t.Fatalf("%d signals pending, want 1", len(k.signal))
	}
	<-k.signal
	want := slices.Sorted(slices.Values(append(slices.Clone(linkPaths), routePaths...)))
	if got := k.take(); !slices.Equal(got, want) {
		t.Errorf("take = %q, want %q", got, want)
	}
	if got := k.take(); len(got) != 0 {
		t.Errorf("second take = %q", got)
	}
}
