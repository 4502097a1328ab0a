package digest

import (
	"encoding/binary"
	"runtime"
	"sync"
	"testing"
)

// key builds a distinct tracker key; i spreads over the shards.
func key(i uint64) nonceKey {
	var k nonceKey
	binary.BigEndian.PutUint64(k[0:8], i)
	binary.LittleEndian.PutUint64(k[8:16], i*0x9E3779B97F4A7C15)
	return k
}

func TestTrackerCounts(t *testing.T) {
	tr := newNCTracker(128)
	k := key(1)
	for _, step := range []struct {
		nc   uint32
		want ncVerdict
	}{
		{1, ncAccepted}, {1, ncReplayed}, {3, ncAccepted}, {2, ncAccepted}, {2, ncReplayed},
		{3, ncReplayed}, {200, ncAccepted}, {137, ncAccepted}, {136, ncReplayed}, {4, ncReplayed},
		{0xFFFFFFFF, ncAccepted}, {0xFFFFFFFF, ncReplayed},
	} {
		if got := tr.use(k, 1, step.nc); got != step.want {
			t.Fatalf("nc %d: verdict %d, want %d", step.nc, got, step.want)
		}
	}
}

func TestTrackerShards(t *testing.T) {
	for _, tt := range []struct{ max, shards int }{
		{1, 1}, {64, 1}, {127, 1}, {128, 2}, {4096, 64}, {65536, 64}, {1000, 8},
	} {
		tr := newNCTracker(tt.max)
		if len(tr.shards) != tt.shards {
			t.Errorf("max %d: %d shards, want %d", tt.max, len(tr.shards), tt.shards)
		}
		if c := tr.capacity(); c < tt.max || c >= tt.max+tt.shards {
			t.Errorf("max %d: capacity %d", tt.max, c)
		}
	}
}

// A flood of distinct nonces never holds more than the bound, and the heap
// does not grow with the flood once the tracker is full.
func TestTrackerBoundUnderFlood(t *testing.T) {
	const limit = 4096
	tr := newNCTracker(limit)
	i := uint64(0)
	flood := func(n int) {
		for end := i + uint64(n); i < end; i++ {
			if v := tr.use(key(i), int64(i)+1, 1); v != ncAccepted {
				t.Fatalf("nonce %d: verdict %d", i, v)
			}
		}
	}
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	flood(2 * limit)
	before := heap()
	flood(50 * limit)
	after := heap()
	if n := tr.len(); n > tr.capacity() || n < limit {
		t.Fatalf("%d entries tracked, capacity %d", n, tr.capacity())
	}
	for s := range tr.shards {
		if got := len(tr.shards[s].entries); got > tr.shards[s].limit {
			t.Fatalf("shard %d holds %d entries", s, got)
		}
	}
	// 200k entries unbounded would be ~20 MB; allow noise only.
	if after > before && after-before > 1<<20 {
		t.Fatalf("heap grew by %d bytes during the flood", after-before)
	}
	runtime.KeepAlive(tr)
}

// A nonce pushed out cannot come back with its count forgotten: it and any
// unknown nonce issued no later are refused (fail closed), newer ones pass.
func TestTrackerFailsClosed(t *testing.T) {
	tr := newNCTracker(64) // one shard of 64
	victim := key(1000)
	if tr.use(victim, 10, 5) != ncAccepted {
		t.Fatal("victim refused")
	}
	unseen := key(2000)
	for i := uint64(0); i < 64; i++ {
		tr.use(key(i), int64(20+i), 1)
	}
	if got := tr.use(victim, 10, 6); got != ncDropped {
		t.Fatalf("dropped nonce: verdict %d", got)
	}
	if got := tr.use(victim, 10, 1); got != ncDropped {
		t.Fatalf("dropped nonce replayed: verdict %d", got)
	}
	if got := tr.use(unseen, 10, 1); got != ncDropped {
		t.Fatalf("older unseen nonce: verdict %d", got)
	}
	if got := tr.use(key(3000), 1000, 1); got != ncAccepted {
		t.Fatalf("newer nonce: verdict %d", got)
	}
}

// Eviction is least recently used: a nonce in active use survives newer
// idle ones.
func TestTrackerLRU(t *testing.T) {
	tr := newNCTracker(64)
	busy := key(1)
	tr.use(busy, 1, 1)
	for i := uint64(2); i <= 64; i++ {
		tr.use(key(i), int64(i), 1)
	}
	tr.use(busy, 1, 2) // touch: key(2) is now the oldest
	tr.use(key(100), 100, 1)
	if got := tr.use(busy, 1, 3); got != ncAccepted {
		t.Fatalf("busy nonce: verdict %d", got)
	}
	if got := tr.use(key(2), 2, 2); got != ncDropped {
		t.Fatalf("idle nonce: verdict %d", got)
	}
}

func TestTrackerConcurrent(t *testing.T) {
	tr := newNCTracker(1024)
	var wg sync.WaitGroup
	var mu sync.Mutex
	accepted := map[[2]uint64]int{}
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 2000; i++ {
				k := uint64(i % 50)
				nc := uint32(i/50 + 1)
				if tr.use(key(k), int64(k)+1, nc) == ncAccepted {
					mu.Lock()
					accepted[[2]uint64{k, uint64(nc)}]++
					mu.Unlock()
				}
			}
		}(g)
	}
	wg.Wait()
	for kn, n := range accepted {
		if n != 1 {
			t.Fatalf("nonce %d count %d accepted %d times", kn[0], kn[1], n)
		}
	}
	if len(accepted) != 2000 {
		t.Fatalf("%d distinct counts accepted, want 2000", len(accepted))
	}
}
