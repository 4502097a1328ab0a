package agent

import (
	"context"
	"errors"
)

// ErrNotRunning is returned while the agent has no tree (before Run, or
// between two simulated boots).
var ErrNotRunning = errors.New("agent: not running")

// Value reads one parameter of the running agent as the agent itself sees
// it: for the testbench, which checks what thousands of in-process devices
// hold without a CWMP session each.
func (a *Agent) Value(ctx context.Context, path string) (string, error) {
	a.mu.Lock()
	cur := a.current
	a.mu.Unlock()
	if cur == nil {
		return "", ErrNotRunning
	}
	return cur.tree.Value(ctx, path)
}
