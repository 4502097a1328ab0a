package clock

import (
	"testing"
	"time"
)

func TestRealClock(t *testing.T) {
	c := Real()
	before := time.Now()
	if now := c.Now(); now.Before(before) {
		t.Fatalf("Real().Now() = %v, before %v", now, before)
	}

	tm := c.NewTimer(time.Millisecond)
	select {
	case <-tm.C():
	case <-time.After(5 * time.Second):
		t.Fatal("real timer did not fire")
	}

	ran := make(chan struct{})
	af := c.AfterFunc(time.Millisecond, func() { close(ran) })
	if af.C() != nil {
		t.Fatal("real AfterFunc timer has a channel")
	}
	select {
	case <-ran:
	case <-time.After(5 * time.Second):
		t.Fatal("real AfterFunc did not run")
	}

	long := c.NewTimer(time.Hour)
	if !long.Stop() {
		t.Fatal("Stop of an armed real timer returned false")
	}
	if long.Reset(time.Millisecond) {
		t.Fatal("Reset of a stopped real timer reported it active")
	}
	select {
	case <-long.C():
	case <-time.After(5 * time.Second):
		t.Fatal("real timer re-armed by Reset did not fire")
	}
}
