package digest

import (
	"encoding/binary"
	"sync"
)

// ncTracker remembers the nonce counts accepted for each nonce in use, so a
// captured request cannot be replayed while its nonce is still fresh. A count
// is accepted when it is above the highest seen, or within the ncWindow
// counts below it and not seen yet: a client sending on parallel connections
// may have its requests arrive out of order (RFC 7616 only asks that no
// count be accepted twice). Counts below the window are refused.
//
// It holds at most limit entries per shard (an LRU in a fixed slice), so its
// memory is bounded whatever the number of clients: roughly 120 bytes per
// entry counting the map. When a shard is full it drops its least recently
// used nonce and raises the shard's floor to that nonce's issue time; from
// then on a nonce issued at or before the floor that the shard does not know
// is refused as stale. That fails closed: a dropped nonce can never come back
// with its count forgotten, and its client only pays one round trip for a
// fresh nonce (issued after the floor). Entries of expired nonces need no
// sweeping: they are refused by age anyway and are the first to be dropped.
type ncTracker struct {
	shards []ncShard
	mask   uint64
}

type ncShard struct {
	mu      sync.Mutex
	index   map[nonceKey]int32
	entries []ncEntry
	head    int32 // most recently used, -1 when empty
	tail    int32 // least recently used, -1 when empty
	limit   int
	floor   int64 // issue time (Unix ns) at or below which unknown nonces are refused
	_       [64]byte
}

type ncEntry struct {
	_          incomparable
	key        nonceKey
	issued     int64
	nc         uint32 // highest accepted
	prev, next int32
	seen       uint64 // bit i: count nc-i accepted
}

// ncWindow is how far below the highest count a late request may arrive.
const ncWindow = 64

type ncVerdict uint8

const (
	ncAccepted ncVerdict = iota
	ncReplayed           // count not above the highest seen
	ncDropped            // nonce unknown and older than the floor
)

const (
	maxShards       = 64
	minShardEntries = 64
)

// newNCTracker returns a tracker bounded by about maxEntries: the limit is
// split evenly over a power-of-two number of shards and rounded up, so the
// real bound is shards*ceil(maxEntries/shards) < maxEntries+64.
func newNCTracker(maxEntries int) *ncTracker {
	n := 1
	for n < maxShards && n*2*minShardEntries <= maxEntries {
		n *= 2
	}
	per := (maxEntries + n - 1) / n
	t := &ncTracker{shards: make([]ncShard, n), mask: uint64(n - 1)}
	for i := range t.shards {
		t.shards[i] = ncShard{index: make(map[nonceKey]int32), head: -1, tail: -1, limit: per}
	}
	return t
}

// capacity is the most entries the tracker ever holds.
func (t *ncTracker) capacity() int { return len(t.shards) * t.shards[0].limit }

// len counts entries (for tests and metrics).
func (t *ncTracker) len() int {
	n := 0
	for i := range t.shards {
		s := &t.shards[i]
		s.mu.Lock()
		n += len(s.index)
		s.mu.Unlock()
	}
	return n
}

// use records count nc for the nonce. Call it only after the request's
// digest verified: otherwise anyone who saw a nonce could burn its counts.
func (t *ncTracker) use(key nonceKey, issued int64, nc uint32) ncVerdict {
	// The random part of the key is uniform, so it picks the shard.
	s := &t.shards[binary.LittleEndian.Uint64(key[8:16])&t.mask]
	s.mu.Lock()
	v := s.use(key, issued, nc)
	s.mu.Unlock()
	return v
}

// use is ncTracker.use on the shard, with s.mu held. The caller unlocks
// after it rather than by defer, which costs the router build a wrapper
// function and an exit path per return.
func (s *ncShard) use(key nonceKey, issued int64, nc uint32) ncVerdict {
	if i, ok := s.index[key]; ok {
		if !s.entries[i].accept(nc) {
			return ncReplayed
		}
		s.toFront(i)
		return ncAccepted
	}
	if issued <= s.floor {
		return ncDropped
	}
	var i int32
	if len(s.entries) < s.limit {
		i = int32(len(s.entries))
		s.entries = append(s.entries, ncEntry{})
	} else {
		i = s.tail
		old := &s.entries[i]
		delete(s.index, old.key)
		s.floor = max(s.floor, old.issued)
		s.unlink(i)
	}
	s.entries[i] = ncEntry{key: key, issued: issued, nc: nc, seen: 1, prev: -1, next: -1}
	s.pushFront(i)
	s.index[key] = i
	return ncAccepted
}

// accept records nc unless it was seen or fell below the window.
func (e *ncEntry) accept(nc uint32) bool {
	if nc > e.nc {
		if d := nc - e.nc; d >= ncWindow {
			e.seen = 1
		} else {
			e.seen = e.seen<<d | 1
		}
		e.nc = nc
		return true
	}
	d := e.nc - nc
	if d >= ncWindow || e.seen&(1<<d) != 0 {
		return false
	}
	e.seen |= 1 << d
	return true
}

func (s *ncShard) unlink(i int32) {
	e := &s.entries[i]
	if e.prev >= 0 {
		s.entries[e.prev].next = e.next
	} else {
		s.head = e.next
	}
	if e.next >= 0 {
		s.entries[e.next].prev = e.prev
	} else {
		s.tail = e.prev
	}
	e.prev, e.next = -1, -1
}

func (s *ncShard) pushFront(i int32) {
	e := &s.entries[i]
	e.prev, e.next = -1, s.head
	if s.head >= 0 {
		s.entries[s.head].prev = i
	}
	s.head = i
	if s.tail < 0 {
		s.tail = i
	}
}

func (s *ncShard) toFront(i int32) {
	if s.head == i {
		return
	}
	s.unlink(i)
	s.pushFront(i)
}
