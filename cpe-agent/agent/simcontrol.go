package agent

import (
	"context"
	"errors"
)

// SetLineDegradation degrades the simulated DSL line: 0 is a clean line,
// 1 one about to drop (noise margins shrink, rates fall, errored seconds
// pile up). It is the testbench's handle on the sim platform; on a real
// device the line degrades by itself.
func (a *Agent) SetLineDegradation(ctx context.Context, d float64) error {
	a.mu.Lock()
	cur := a.current
	a.mu.Unlock()
	if cur == nil {
		return errors.New("agent: not running")
	}
	s, ok := cur.plat.(interface {
		SetLineDegradation(ctx context.Context, d float64) error
	})
	if !ok {
		return errors.New("agent: the platform has no simulated line")
	}
	return s.SetLineDegradation(ctx, d)
}
