package cwmpserver

import (
	"hash/maphash"
	"sync"
	"sync/atomic"
)

// tableShards spreads sessions over independently locked maps so that
// concurrent sessions never wait on one lock.
const tableShards = 64

// table holds this node's open sessions by cookie and by device. It is
// node-local: the device lease in the store is what makes a session
// exclusive across nodes.
type table struct {
	seed    maphash.Seed
	bySID   [tableShards]shard
	byDev   [tableShards]shard
	count   atomic.Int64
	maxSize int64
}

type shard struct {
	mu sync.Mutex
	m  map[string]*session
	_  [40]byte // keep neighbouring shards' locks off one cache line
}

func newTable(maxSize int) *table {
	t := &table{seed: maphash.MakeSeed(), maxSize: int64(maxSize)}
	for i := range t.bySID {
		t.bySID[i].m = make(map[string]*session)
		t.byDev[i].m = make(map[string]*session)
	}
	return t
}

func (t *table) shardOf(shards *[tableShards]shard, key string) *shard {
	return &shards[maphash.String(t.seed, key)%tableShards]
}

// reserve claims room for one more session; false when the node is full.
func (t *table) reserve() bool {
	if t.count.Add(1) > t.maxSize {
		t.count.Add(-1)
		return false
	}
	return true
}

func (t *table) unreserve() { t.count.Add(-1) }

// add registers a session whose room was reserved.
func (t *table) add(s *session) {
	sh := t.shardOf(&t.bySID, s.pub.ID)
	sh.mu.Lock()
	sh.m[s.pub.ID] = s
	sh.mu.Unlock()
	dh := t.shardOf(&t.byDev, s.pub.DeviceID)
	dh.mu.Lock()
	dh.m[s.pub.DeviceID] = s
	dh.mu.Unlock()
}

// remove unregisters a session and frees its room; it is a no-op for a
// session that is not (or no longer) registered.
func (t *table) remove(s *session) {
	sh := t.shardOf(&t.bySID, s.pub.ID)
	sh.mu.Lock()
	_, ok := sh.m[s.pub.ID]
	if ok {
		delete(sh.m, s.pub.ID)
	}
	sh.mu.Unlock()
	if !ok {
		return
	}
	t.count.Add(-1)
	dh := t.shardOf(&t.byDev, s.pub.DeviceID)
	dh.mu.Lock()
	if dh.m[s.pub.DeviceID] == s {
		delete(dh.m, s.pub.DeviceID)
	}
	dh.mu.Unlock()
}

func (t *table) bySession(id string) *session {
	sh := t.shardOf(&t.bySID, id)
	sh.mu.Lock()
	s := sh.m[id]
	sh.mu.Unlock()
	return s
}

func (t *table) byDevice(id string) *session {
	sh := t.shardOf(&t.byDev, id)
	sh.mu.Lock()
	s := sh.m[id]
	sh.mu.Unlock()
	return s
}

// each calls fn for a snapshot of every session, one shard at a time, with
// no table lock held while fn runs.
func (t *table) each(fn func(*session)) {
	var batch []*session
	for i := range t.bySID {
		sh := &t.bySID[i]
		sh.mu.Lock()
		batch = batch[:0]
		for _, s := range sh.m {
			batch = append(batch, s)
		}
		sh.mu.Unlock()
		for _, s := range batch {
			fn(s)
		}
	}
}

func (t *table) len() int { return int(t.count.Load()) }
