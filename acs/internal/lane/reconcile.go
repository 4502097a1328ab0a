package lane

import (
	"context"

	"gatewarden/acs/internal/store"
)

// AtInform settles the device's pending push deliveries from what its
// Inform shows, before the session reconciles presets: a ParameterKey
// equal to a bundle's version means the device applied it (the ack was
// lost); a parameter cache already holding every value of the bundle means
// it got there another way (the preset reconciliation over CWMP). Either
// way the push is done for it, and nothing is sent again. A device
// without pending deliveries costs one index seek.
func (l *Lane) AtInform(ctx context.Context, d *store.Device) error {
	pending, err := l.st.PendingDeliveries(ctx, d.ID)
	if err != nil || len(pending) == 0 {
		return err
	}
	var cache map[string]string
	for _, del := range pending {
		sp, err := l.st.Push(ctx, del.Push)
		if err != nil {
			return err
		}
		if d.ParameterKey == sp.Version {
			if err := l.st.SaveParams(ctx, d.ID, cacheEntries(&sp, l.now())); err != nil {
				return err
			}
		} else {
			if cache == nil {
				ps, err := l.st.Params(ctx, d.ID, "Device.")
				if err != nil {
					return err
				}
				cache = make(map[string]string, len(ps))
				for _, p := range ps {
					cache[p.Name] = p.Value
				}
			}
			if !holdsAll(cache, &sp) {
				continue
			}
		}
		changed, err := l.st.SettleDelivery(ctx, store.Delivery{Push: sp.ID, Device: d.ID, Status: store.DeliveryConverged, Updated: l.now().UTC()})
		if err != nil {
			return err
		}
		if changed {
			l.m.acks.WithLabelValues(store.DeliveryConverged).Inc()
		}
	}
	return nil
}

func holdsAll(cache map[string]string, sp *store.Push) bool {
	for _, v := range sp.Values {
		if got, ok := cache[v.Name]; !ok || got != v.Value {
			return false
		}
	}
	return true
}
