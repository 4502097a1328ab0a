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
	code := m.Run()
	// A build a failed test left running must not write into a removed
	// folder or outlive the run: wait for it.
	if agentBuild.started.Load() {
		buildAgent(dir)
	}
	os.RemoveAll(dir)
	os.Exit(code)
}
