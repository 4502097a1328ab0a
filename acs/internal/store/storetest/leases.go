package storetest

import (
	"testing"
	"time"

	"gatewarden/acs/internal/store"
)

func testLeases(t *testing.T, s store.Store) {
	dev := deviceID(1)
	must(t, s.AcquireLease(ctx, dev, "node-a/1", time.Minute))
	wantErr(t, s.AcquireLease(ctx, dev, "node-b/7", time.Minute), store.ErrLeaseHeld, "second holder")
	// The holder renews.
	must(t, s.AcquireLease(ctx, dev, "node-a/1", time.Minute))
	// Only the holder releases; anyone else's release changes nothing.
	must(t, s.ReleaseLease(ctx, dev, "node-b/7"))
	wantErr(t, s.AcquireLease(ctx, dev, "node-b/7", time.Minute), store.ErrLeaseHeld, "after a stranger's release")
	must(t, s.ReleaseLease(ctx, dev, "node-a/1"))
	must(t, s.AcquireLease(ctx, dev, "node-b/7", time.Minute))
	// The old holder's late release does not drop the new lease.
	must(t, s.ReleaseLease(ctx, dev, "node-a/1"))
	wantErr(t, s.AcquireLease(ctx, dev, "node-a/1", time.Minute), store.ErrLeaseHeld, "after a late release")
	// Leases are per device; releasing what nobody holds is fine.
	must(t, s.AcquireLease(ctx, deviceID(2), "node-a/1", time.Minute))
	must(t, s.ReleaseLease(ctx, deviceID(3), "node-a/1"))
}

// testLeaseExpiry uses wall-clock sleeps; the margins are wide so a
// loaded machine (a stalled goroutine) does not fail it.
func testLeaseExpiry(t *testing.T, s store.Store) {
	dev := deviceID(1)
	const ttl = 200 * time.Millisecond
	must(t, s.AcquireLease(ctx, dev, "crashed", ttl))
	wantErr(t, s.AcquireLease(ctx, dev, "next", time.Minute), store.ErrLeaseHeld, "before expiry")
	time.Sleep(ttl + 50*time.Millisecond)
	must(t, s.AcquireLease(ctx, dev, "next", time.Minute))
	wantErr(t, s.AcquireLease(ctx, dev, "crashed", ttl), store.ErrLeaseHeld, "expired holder coming back")

	// A renewal extends: renewed before expiry, it still holds after the
	// first ttl has passed.
	other := deviceID(2)
	must(t, s.AcquireLease(ctx, other, "long", ttl))
	time.Sleep(ttl / 4)
	must(t, s.AcquireLease(ctx, other, "long", time.Minute))
	time.Sleep(ttl)
	wantErr(t, s.AcquireLease(ctx, other, "short", ttl), store.ErrLeaseHeld, "after renewal")
}
