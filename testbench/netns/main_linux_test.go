//go:build linux

package netns

import (
	"fmt"
	"os"
	"testing"
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "gwnetns-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	agentBuild.dir = dir
	// Without root every test skips, and nothing needs the binary.
	if os.Geteuid() == 0 {
		go buildAgent(dir)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
