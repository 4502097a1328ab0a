package loadgen

import (
	"math/bits"
	"time"
)

// histogram records durations in log-linear buckets, HDR style: values
// below 2^subBits microseconds are exact, and each further power of two is
// split into 2^subBits equal buckets, so any recorded value is known to
// within 1/2^subBits (about 1.6 %) whatever the run length. Memory is fixed:
// a run of a billion sessions costs the same few kilobytes as one of ten.
type histogram struct {
	counts [histBuckets]uint64
	n      uint64
	max    time.Duration
}

const (
	subBits     = 6
	subCount    = 1 << subBits
	histGroups  = 40 - subBits // values up to 2^40 µs (about 12 days)
	histBuckets = (histGroups + 1) * subCount
)

func bucketOf(us uint64) int {
	if us < subCount {
		return int(us)
	}
	exp := bits.Len64(us) - 1 - subBits // ≥ 0
	if exp >= histGroups {
		return histBuckets - 1
	}
	return (exp+1)*subCount + int(us>>uint(exp)) - subCount
}

// bucketHigh is the largest value in bucket i, in microseconds.
func bucketHigh(i int) uint64 {
	if i < subCount {
		return uint64(i)
	}
	exp := uint(i/subCount - 1)
	sub := uint64(i%subCount + subCount)
	return (sub+1)<<exp - 1
}

func (h *histogram) record(d time.Duration) {
	if d < 0 {
		d = 0
	}
	h.counts[bucketOf(uint64(d/time.Microsecond))]++
	h.n++
	if d > h.max {
		h.max = d
	}
}

func (h *histogram) merge(o *histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	if o.max > h.max {
		h.max = o.max
	}
}

// quantile returns the upper edge of the bucket holding the q-th value
// (0 < q ≤ 1), capped by the largest value seen, so it never reports a
// latency below the true one by more than the bucket width.
func (h *histogram) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(q*float64(h.n) + 0.5)
	if rank < 1 {
		rank = 1
	}
	if rank > h.n {
		rank = h.n
	}
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			d := time.Duration(bucketHigh(i)) * time.Microsecond
			return min(d, h.max)
		}
	}
	return h.max
}
