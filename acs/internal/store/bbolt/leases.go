package bbolt

import (
	"context"
	"fmt"
	"sync"
	"time"

	"gatewarden/acs/internal/store"
)

// Leases live in memory, not in the file. Every session takes and drops
// one, so on disk they would double the durable writes per session
// (acquire and release each waiting for a shared fsync) and the latency
// of every session. Durability would buy nothing here: the file lock
// means a single process ever holds bbolt leases, and when that process
// dies every session it leased dies with it, so a persisted lease could
// only keep its device blocked until expiry after a restart. A shared
// database (PostgreSQL) keeps leases in a table because there several
// nodes do hold them.
//
// The table holds only live sessions: releases delete, and expired leases
// left by sessions that never released are swept as the table grows, so
// its size follows concurrency, not fleet size. Times are monotonic
// (time.Now), so a wall-clock step neither frees nor freezes leases.
type leaseTable struct {
	mu      sync.Mutex
	m       map[string]lease
	sweepAt int
}

type lease struct {
	holder  string
	expires time.Time
}

const minSweep = 1024

func (l *leaseTable) init() {
	l.m = make(map[string]lease)
	l.sweepAt = minSweep
}

// AcquireLease takes or renews the device's lease.
func (s *Store) AcquireLease(ctx context.Context, device, holder string, ttl time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if device == "" || holder == "" || ttl <= 0 {
		return fmt.Errorf("acquire lease on %q for %q (ttl %v): %w", device, holder, ttl, store.ErrInvalid)
	}
	return s.leases.acquire(device, holder, ttl, time.Now())
}

// ReleaseLease drops the lease if holder has it.
func (s *Store) ReleaseLease(ctx context.Context, device, holder string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.leases.release(device, holder)
	return nil
}

func (l *leaseTable) acquire(device, holder string, ttl time.Duration, now time.Time) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if cur, ok := l.m[device]; ok && cur.holder != holder && now.Before(cur.expires) {
		return fmt.Errorf("device %s: %w", device, store.ErrLeaseHeld)
	}
	l.m[device] = lease{holder: holder, expires: now.Add(ttl)}
	if len(l.m) >= l.sweepAt {
		for d, le := range l.m {
			if !now.Before(le.expires) {
				delete(l.m, d)
			}
		}
		l.sweepAt = max(minSweep, 2*len(l.m))
	}
	return nil
}

func (l *leaseTable) release(device, holder string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if cur, ok := l.m[device]; ok && cur.holder == holder {
		delete(l.m, device)
	}
}

func (l *leaseTable) drop(device string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.m, device)
}
