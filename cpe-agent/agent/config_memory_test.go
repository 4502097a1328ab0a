package agent_test

import (
	"strings"
	"testing"

	"gatewarden/cpe-agent/agent"
)

func TestMemoryOptions(t *testing.T) {
	c := agent.DefaultConfig()
	p := writeConfig(t, "config agent 'main'\n\toption gc_percent 50\n\toption memory_limit 12M\n")
	if err := agent.LoadConfigFile(&c, p, true); err != nil {
		t.Fatal(err)
	}
	if c.GCPercent != 50 || c.MemoryLimit != 12<<20 {
		t.Errorf("gc_percent %d, memory_limit %d", c.GCPercent, c.MemoryLimit)
	}
	for _, bad := range []string{"0", "-5", "fifty", "70000"} {
		c := agent.DefaultConfig()
		p := writeConfig(t, "config agent 'main'\n\toption gc_percent '"+bad+"'\n")
		if err := agent.LoadConfigFile(&c, p, true); err == nil || !strings.Contains(err.Error(), "gc_percent") {
			t.Errorf("gc_percent %q: %v", bad, err)
		}
	}
}
