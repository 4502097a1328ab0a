package provision

import (
	"time"

	"gatewarden/acs/internal/store"
)

// DefaultOnlineWindow is two periodic-inform intervals at the agent's
// factory default of one hour: a device that missed one Inform may just
// be late, one that missed two is taken as offline.
const DefaultOnlineWindow = 2 * time.Hour

// OnlineWithin returns an online test that holds when the device's last
// Inform lies within window of now (time.Now when now is nil). It is the
// stand-in until the MQTT lane reports presence.
func OnlineWithin(window time.Duration, now func() time.Time) func(d *store.Device) bool {
	if now == nil {
		now = time.Now
	}
	return func(d *store.Device) bool {
		return !d.LastInform.IsZero() && now().Sub(d.LastInform) <= window
	}
}
