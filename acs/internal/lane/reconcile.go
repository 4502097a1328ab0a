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
//
// It also makes sure the device's group list on the broker matches its
// tags: a state message lost in a burst, or a tag changed while the device
// was connected, is repaired at its next Inform. That publish runs in the
// background, never in the session's way.
func (l *Lane) AtInform(ctx context.Context, d *store.Device) error {
	l.refreshGroups(d)
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

// groupRefreshes bounds background group-list publishes started by
// Informs (a boot storm must not start a goroutine per device).
const groupRefreshes = 16

func (l *Lane) refreshGroups(d *store.Device) {
	// A device not on the lane gets its list when it connects
	// (onlineLoop); publishing for every Inform of the fleet would only
	// fill the broker with retained messages nobody reads.
	if !l.presence.online(d.ID) {
		return
	}
	if _, key := groupList(d.Tags); l.groupsCurrent(d.ID, key) {
		return
	}
	select {
	case l.refreshSlots <- struct{}{}:
	default:
		return // busy: the next Inform tries again
	}
	id := d.ID
	go func() {
		defer func() { <-l.refreshSlots }()
		ctx, cancel := context.WithTimeout(context.Background(), ackTimeout)
		defer cancel()
		if _, err := l.sendGroups(ctx, id, false); err != nil {
			l.log.Info("mqtt: group list at Inform", "device", id, "err", err)
		}
	}()
}

// InFlight returns the values of pushes published to the device that it
// may still be applying: pending, pushed within StragglerAfter, and the
// device online on the lane. The preset difference of a session that
// races such a push leaves these out, so the device is not sent the same
// value over CWMP as well; if the bundle never lands, a later session
// (past StragglerAfter) sends them.
func (l *Lane) InFlight(ctx context.Context, device string) (map[string]string, error) {
	if !l.presence.online(device) {
		return nil, nil
	}
	pending, err := l.st.PendingDeliveries(ctx, device)
	if err != nil || len(pending) == 0 {
		return nil, err
	}
	out := map[string]string{}
	for _, del := range pending {
		sp, err := l.st.Push(ctx, del.Push)
		if err != nil {
			return nil, err
		}
		if l.now().Sub(sp.Created) > l.cfg.StragglerAfter {
			continue
		}
		for _, v := range sp.Values {
			out[v.Name] = v.Value
		}
	}
	return out, nil
}
