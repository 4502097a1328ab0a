package loadgen

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestHistogramQuantilesWithinBucketWidth(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var h histogram
	var all []time.Duration
	for range 100000 {
		// Log-normal-ish spread from microseconds to seconds.
		d := time.Duration(float64(time.Microsecond) * rng.ExpFloat64() * float64(int(1)<<rng.IntN(20)))
		h.record(d)
		all = append(all, d)
	}
	slices.Sort(all)
	for _, q := range []float64{0.01, 0.5, 0.9, 0.99, 0.999, 1} {
		exact := all[int(q*float64(len(all))+0.5)-1]
		got := h.quantile(q)
		// Upper bucket edge: never below the truth (µs resolution), at
		// most one bucket width (1/64) above it.
		lo := exact.Truncate(time.Microsecond)
		hi := lo + lo/subCount + time.Microsecond
		if got < lo || got > hi {
			t.Errorf("q%.3f: got %v, exact %v", q, got, exact)
		}
	}
	if h.max != all[len(all)-1] {
		t.Errorf("max %v, want %v", h.max, all[len(all)-1])
	}
}

func TestHistogramBucketsAreContiguous(t *testing.T) {
	prev := -1
	for us := uint64(0); us < 1<<22; us += 1 + us/1000 {
		b := bucketOf(us)
		if b < prev {
			t.Fatalf("bucket of %d is %d, below %d", us, b, prev)
		}
		if high := bucketHigh(b); us > high {
			t.Fatalf("%dµs in bucket %d whose top is %d", us, b, high)
		}
		if b > 0 && us <= bucketHigh(b-1) {
			t.Fatalf("%dµs in bucket %d but fits bucket %d", us, b, b-1)
		}
		prev = b
	}
	if bucketOf(^uint64(0)) != histBuckets-1 {
		t.Fatal("huge values must land in the last bucket")
	}
}

func TestHistogramMergeAndEmpty(t *testing.T) {
	var a, b histogram
	if a.quantile(0.5) != 0 {
		t.Fatal("empty histogram reports a latency")
	}
	for i := 1; i <= 100; i++ {
		a.record(time.Duration(i) * time.Millisecond)
		b.record(time.Duration(i+100) * time.Millisecond)
	}
	a.merge(&b)
	if a.n != 200 || a.max != 200*time.Millisecond {
		t.Fatalf("n %d max %v", a.n, a.max)
	}
	if p50 := a.quantile(0.5); p50 < 100*time.Millisecond || p50 > 102*time.Millisecond {
		t.Errorf("p50 %v", p50)
	}
}
