package clock

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

var epoch = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// received returns the value waiting on c, if any, without blocking.
func received(c <-chan time.Time) (time.Time, bool) {
	select {
	case v := <-c:
		return v, true
	default:
		return time.Time{}, false
	}
}

func TestFakeNowAndAdvance(t *testing.T) {
	f := NewFake(epoch)
	if got := f.Now(); !got.Equal(epoch) {
		t.Fatalf("Now = %v, want %v", got, epoch)
	}
	f.Advance(90 * time.Second)
	if got, want := f.Now(), epoch.Add(90*time.Second); !got.Equal(want) {
		t.Fatalf("after Advance: Now = %v, want %v", got, want)
	}
	f.Advance(-time.Hour)
	if got, want := f.Now(), epoch.Add(90*time.Second); !got.Equal(want) {
		t.Fatalf("negative Advance moved time to %v, want %v", got, want)
	}
}

func TestFakeTimerFiresAtDueTimeNotBefore(t *testing.T) {
	f := NewFake(epoch)
	tm := f.NewTimer(10 * time.Second)
	f.Advance(10*time.Second - time.Nanosecond)
	if _, ok := received(tm.C()); ok {
		t.Fatal("timer fired before its due time")
	}
	f.Advance(time.Nanosecond)
	v, ok := received(tm.C())
	if !ok {
		t.Fatal("timer did not fire at its due time")
	}
	if want := epoch.Add(10 * time.Second); !v.Equal(want) {
		t.Fatalf("delivered %v, want %v", v, want)
	}
	if f.Pending() != 0 {
		t.Fatalf("Pending = %d after firing, want 0", f.Pending())
	}
}

func TestFakeFiresInDueOrderWithTiesInArmingOrder(t *testing.T) {
	f := NewFake(epoch)
	var order []string
	var seenAt []time.Time
	record := func(name string) func() {
		return func() {
			order = append(order, name)
			seenAt = append(seenAt, f.Now())
		}
	}
	f.AfterFunc(30*time.Second, record("c"))
	f.AfterFunc(10*time.Second, record("a"))
	f.AfterFunc(20*time.Second, record("b1"))
	f.AfterFunc(20*time.Second, record("b2"))
	f.Advance(time.Minute)

	want := []string{"a", "b1", "b2", "c"}
	if len(order) != len(want) {
		t.Fatalf("fired %v, want %v", order, want)
	}
	for i := range want {
		if order[i] != want[i] {
			t.Fatalf("fired %v, want %v", order, want)
		}
	}
	wantAt := []time.Duration{10, 20, 20, 30}
	for i, d := range wantAt {
		if !seenAt[i].Equal(epoch.Add(d * time.Second)) {
			t.Errorf("callback %s saw Now = %v, want %v", order[i], seenAt[i], epoch.Add(d*time.Second))
		}
	}
	if got, want := f.Now(), epoch.Add(time.Minute); !got.Equal(want) {
		t.Fatalf("Now after Advance = %v, want %v", got, want)
	}
}

func TestFakeCallbackArmsTimerWithinSameAdvance(t *testing.T) {
	f := NewFake(epoch)
	var fired []time.Time
	var tick func()
	tick = func() {
		fired = append(fired, f.Now())
		if len(fired) < 5 {
			f.AfterFunc(10*time.Second, tick)
		}
	}
	f.AfterFunc(10*time.Second, tick)
	f.Advance(35 * time.Second)
	if len(fired) != 3 {
		t.Fatalf("fired %d times within 35s, want 3", len(fired))
	}
	for i, at := range fired {
		if want := epoch.Add(time.Duration(i+1) * 10 * time.Second); !at.Equal(want) {
			t.Errorf("firing %d at %v, want %v", i, at, want)
		}
	}
	f.Advance(time.Hour)
	if len(fired) != 5 {
		t.Fatalf("fired %d times in total, want 5", len(fired))
	}
}

func TestFakeStop(t *testing.T) {
	f := NewFake(epoch)
	tm := f.NewTimer(time.Second)
	if !tm.Stop() {
		t.Fatal("Stop of an armed timer returned false")
	}
	if tm.Stop() {
		t.Fatal("second Stop returned true")
	}
	f.Advance(time.Minute)
	if _, ok := received(tm.C()); ok {
		t.Fatal("stopped timer fired")
	}

	called := false
	af := f.AfterFunc(time.Second, func() { called = true })
	af.Stop()
	f.Advance(time.Minute)
	if called {
		t.Fatal("stopped AfterFunc ran")
	}
	if af.C() != nil {
		t.Fatal("AfterFunc timer has a channel")
	}
}

func TestFakeStopDiscardsUnreceivedValue(t *testing.T) {
	f := NewFake(epoch)
	tm := f.NewTimer(time.Second)
	f.Advance(time.Second)
	if !tm.Stop() {
		t.Fatal("Stop after an unreceived firing returned false; the value it discards was never observed")
	}
	if _, ok := received(tm.C()); ok {
		t.Fatal("stale value received after Stop")
	}

	tm2 := f.NewTimer(time.Second)
	f.Advance(time.Second)
	<-tm2.C()
	if tm2.Stop() {
		t.Fatal("Stop of a fired and received timer returned true")
	}
}

func TestFakeReset(t *testing.T) {
	f := NewFake(epoch)
	tm := f.NewTimer(10 * time.Second)
	f.Advance(5 * time.Second)
	if !tm.Reset(10 * time.Second) {
		t.Fatal("Reset of an armed timer returned false")
	}
	f.Advance(9 * time.Second) // 14s: the original due time (10s) has passed
	if _, ok := received(tm.C()); ok {
		t.Fatal("timer fired at its pre-Reset due time")
	}
	f.Advance(time.Second) // 15s
	v, ok := received(tm.C())
	if !ok || !v.Equal(epoch.Add(15*time.Second)) {
		t.Fatalf("after Reset: got %v (fired %v), want a firing at +15s", v, ok)
	}

	// Fired but not received, then Reset: the stale value must vanish.
	f.Advance(0)
	tm.Reset(time.Second)
	f.Advance(time.Second)
	if tm.Reset(time.Second) {
		t.Fatal("Reset of a fired timer returned true")
	}
	if _, ok := received(tm.C()); ok {
		t.Fatal("stale value received after Reset")
	}
	f.Advance(time.Second)
	if _, ok := received(tm.C()); !ok {
		t.Fatal("timer re-armed by Reset did not fire")
	}
}

func TestFakeZeroDurationFiresAtOnce(t *testing.T) {
	f := NewFake(epoch)
	tm := f.NewTimer(0)
	v, ok := received(tm.C())
	if !ok || !v.Equal(epoch) {
		t.Fatalf("NewTimer(0): got %v (fired %v), want immediate firing at %v", v, ok, epoch)
	}
	done := make(chan struct{})
	f.AfterFunc(-time.Second, func() { close(done) })
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("AfterFunc with a negative duration did not run")
	}
	if f.Pending() != 0 {
		t.Fatalf("Pending = %d, want 0", f.Pending())
	}
}

// TestFakeBlockUntilDrivesALoop is the pattern the session tests use: a
// goroutine waits on timers in a loop, the test waits for it to arm each
// one before advancing.
func TestFakeBlockUntilDrivesALoop(t *testing.T) {
	f := NewFake(epoch)
	wakes := make(chan time.Time)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		for i := 0; i < 3; i++ {
			tm := f.NewTimer(time.Duration(i+1) * time.Minute)
			select {
			case now := <-tm.C():
				wakes <- now
			case <-ctx.Done():
				tm.Stop()
				return
			}
		}
	}()
	want := epoch
	for i := 0; i < 3; i++ {
		f.BlockUntil(1)
		f.Advance(time.Duration(i+1) * time.Minute)
		want = want.Add(time.Duration(i+1) * time.Minute)
		if got := <-wakes; !got.Equal(want) {
			t.Fatalf("wake %d at %v, want %v", i, got, want)
		}
	}
}

func TestFakeBlockUntilContextGivesUp(t *testing.T) {
	f := NewFake(epoch)
	f.NewTimer(time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	err := f.BlockUntilContext(ctx, 2)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("BlockUntilContext = %v, want deadline exceeded", err)
	}
	if err := f.BlockUntilContext(context.Background(), 1); err != nil {
		t.Fatalf("BlockUntilContext(1) with one armed timer = %v", err)
	}
}

// TestFakeConcurrentUse runs under -race in CI: goroutines arm, stop and
// reset timers while another advances. Every AfterFunc must run exactly
// once unless its Stop returned true.
func TestFakeConcurrentUse(t *testing.T) {
	f := NewFake(epoch)
	const workers, perWorker = 8, 200
	var mu sync.Mutex
	runs := make(map[int]int)
	var stopped sync.Map

	var wg sync.WaitGroup
	stop := make(chan struct{})
	go func() {
		for {
			select {
			case <-stop:
				return
			default:
				f.Advance(time.Millisecond)
			}
		}
	}()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < perWorker; i++ {
				id := w*perWorker + i
				tm := f.AfterFunc(time.Duration(i%5+1)*time.Millisecond, func() {
					mu.Lock()
					runs[id]++
					mu.Unlock()
				})
				if i%3 == 0 && tm.Stop() {
					stopped.Store(id, true)
				}
				ct := f.NewTimer(time.Millisecond)
				ct.Reset(2 * time.Millisecond)
				_ = f.Now()
			}
		}(w)
	}
	wg.Wait()
	close(stop)
	f.Advance(time.Second) // flush what is still armed

	mu.Lock()
	defer mu.Unlock()
	for id := 0; id < workers*perWorker; id++ {
		_, wasStopped := stopped.Load(id)
		want := 1
		if wasStopped {
			want = 0
		}
		if runs[id] != want {
			t.Fatalf("timer %d ran %d times, want %d (stopped=%v)", id, runs[id], want, wasStopped)
		}
	}
}

// A deadline computed before an Advance still fires at that instant.
func TestTimerAtIgnoresTimePassedBeforeArming(t *testing.T) {
	f := NewFake(time.Unix(1000, 0))
	deadline := f.Now().Add(time.Minute)
	f.Advance(time.Minute) // passes before the timer is armed
	tm := TimerAt(f, deadline)
	select {
	case <-tm.C():
	default:
		t.Fatal("a deadline already reached did not fire at once")
	}
	tm2 := TimerAt(f, f.Now().Add(time.Second))
	f.Advance(999 * time.Millisecond)
	select {
	case <-tm2.C():
		t.Fatal("fired early")
	default:
	}
	f.Advance(time.Millisecond)
	select {
	case <-tm2.C():
	default:
		t.Fatal("did not fire at its instant")
	}
}
