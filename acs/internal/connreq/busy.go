package connreq

import (
	"context"
	"math/rand/v2"
	"time"
)

// maxBusyBackoff caps the pause between tries at a busy device.
const maxBusyBackoff = 8 * time.Second

// jitter spreads d by ±25%, so many wakes refused together do not come
// back together.
func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return d
	}
	return d - d/4 + time.Duration(rand.Int64N(int64(d/2)+1))
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
