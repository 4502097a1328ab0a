package qemutest

import (
	"strings"
	"testing"
)

// FuzzParseList: every accepted list names each package once, first in
// its line, with flags that look like flags.
func FuzzParseList(f *testing.F) {
	f.Add("gatewarden/protocol/...\ngatewarden/a -skip ^TestCrash\n")
	f.Add("# c\n\ngatewarden/a\ngatewarden/b -run X -v\ngatewarden/c -run X -v\n")
	f.Add("gatewarden/a gatewarden/b\n")
	f.Add("-v\n")
	f.Fuzz(func(t *testing.T, src string) {
		groups, err := ParseList(strings.NewReader(src))
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, g := range groups {
			if len(g.Packages) == 0 {
				t.Fatalf("empty group %+v", g)
			}
			if len(g.Flags) > 0 && !strings.HasPrefix(g.Flags[0], "-") {
				t.Fatalf("flags %q do not start with a flag", g.Flags)
			}
			for _, p := range g.Packages {
				if seen[p] || !strings.HasPrefix(p, "gatewarden/") {
					t.Fatalf("package %q (seen %v)", p, seen[p])
				}
				seen[p] = true
			}
		}
	})
}
