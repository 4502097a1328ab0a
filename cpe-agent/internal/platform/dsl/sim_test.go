package dsl_test

import (
	"errors"
	"testing"
	"time"

	"gatewarden/cpe-agent/internal/clock"
	"gatewarden/cpe-agent/internal/platform/dsl"
	"gatewarden/cpe-agent/internal/platform/sim"
)

// The sim's line is a Driver too: a line in showtime with plausible
// VDSL2 figures whose showtime grows with the clock.
func TestSimDriver(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	s, err := sim.New(sim.Options{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	d := s.DSLDriver()
	names, err := d.Lines()
	if err != nil || len(names) != 1 {
		t.Fatalf("Lines = %q, %v", names, err)
	}
	clk.Advance(90 * time.Minute)
	l, err := d.Line(names[0])
	if err != nil {
		t.Fatal(err)
	}
	if l.State != dsl.StateUp || l.DownstreamRate == 0 || l.DownstreamRate > l.DownstreamMaxRate || l.Showtime != 5400 {
		t.Errorf("sim line %+v", l)
	}
	if _, err := d.Line("dsl9"); !errors.Is(err, dsl.ErrNoLine) {
		t.Errorf("unknown line: %v", err)
	}
}
