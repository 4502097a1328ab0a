// Package qemutest runs unit tests of the packages listed in
// cross-build/qemu-packages.txt under qemu-user, compiled for the routers'
// big-endian and 32-bit targets (`go test -exec qemu-ARCH-static`). Its
// test is the harness; this file reads the list.
package qemutest

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// Group is packages that share one set of go test flags, so they can run
// in one `go test` invocation.
type Group struct {
	Flags    []string
	Packages []string
}

// ParseList reads `import/path [go test flags...]` lines; `#` starts a
// comment line. Lines with the same flags form one group, in order of
// first appearance.
func ParseList(r io.Reader) ([]Group, error) {
	var groups []Group
	index := map[string]int{}
	seen := map[string]bool{}
	sc := bufio.NewScanner(r)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		pkg, flags := fields[0], fields[1:]
		if strings.HasPrefix(pkg, "-") || !strings.HasPrefix(pkg, "gatewarden/") {
			return nil, fmt.Errorf("qemu packages line %d: want a gatewarden/... import path first, got %q", n, pkg)
		}
		if len(flags) > 0 && !strings.HasPrefix(flags[0], "-") {
			return nil, fmt.Errorf("qemu packages line %d: %q: one package per line, flags after it", n, flags[0])
		}
		if seen[pkg] {
			return nil, fmt.Errorf("qemu packages line %d: %s listed twice", n, pkg)
		}
		seen[pkg] = true
		key := strings.Join(flags, "\x00")
		i, ok := index[key]
		if !ok {
			i = len(groups)
			index[key] = i
			groups = append(groups, Group{Flags: flags})
		}
		groups[i].Packages = append(groups[i].Packages, pkg)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("qemu packages: %w", err)
	}
	if len(groups) == 0 {
		return nil, fmt.Errorf("qemu packages: the list is empty")
	}
	return groups, nil
}
