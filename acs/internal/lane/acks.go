package lane

import (
	"context"
	"hash/fnv"
	"time"

	"gatewarden/acs/internal/store"
	"gatewarden/protocol/mqttwire"
)

// ackTimeout bounds the store work for one ack.
const ackTimeout = 10 * time.Second

func (l *Lane) onAck(topic string, payload []byte) {
	t, err := mqttwire.ParseTopic(topic)
	if err != nil || t.Kind != mqttwire.KindAck {
		l.m.invalid.WithLabelValues("ack").Inc()
		return
	}
	a, err := mqttwire.DecodeAck(payload)
	if err != nil {
		l.m.invalid.WithLabelValues("ack").Inc()
		return
	}
	l.m.received.WithLabelValues("ack").Inc()
	// Store writes wait for an fsync: not on the broker's delivery path.
	// One device's acks stay in order (an "applied" is not overtaken by
	// the "unchanged" of a second copy), different devices' run at once
	// so their writes share commits.
	l.ackShard(t.Device) <- deviceAck{device: t.Device, ack: a}
}

type deviceAck struct {
	device string
	ack    mqttwire.Ack
}

// ackShards is how many acks are recorded at once.
const ackShards = 32

func (l *Lane) ackShard(device string) chan<- deviceAck {
	h := fnv.New32a()
	h.Write([]byte(device))
	return l.acks[h.Sum32()%ackShards]
}

func (l *Lane) ackLoop(ctx context.Context, in <-chan deviceAck) {
	for {
		select {
		case <-ctx.Done():
			return
		case da := <-in:
			actx, cancel := context.WithTimeout(ctx, ackTimeout)
			if err := l.settleAck(actx, da.device, da.ack); err != nil {
				l.log.Warn("mqtt: recording an ack", "device", da.device, "version", da.ack.Version, "err", err)
			}
			cancel()
		}
	}
}

var ackStatus = map[string]string{
	mqttwire.AckApplied:   store.DeliveryApplied,
	mqttwire.AckUnchanged: store.DeliveryUnchanged,
	mqttwire.AckFault:     store.DeliveryFault,
	mqttwire.AckRejected:  store.DeliveryRejected,
}

// settleAck finds the device's pending delivery with the acked version and
// settles it. For a bundle the device has (applied or unchanged), its
// values go into the parameter cache first, so the next Inform does not
// send them again; a crash between the two leaves the delivery pending,
// and the next answer or Inform settles it.
func (l *Lane) settleAck(ctx context.Context, device string, a mqttwire.Ack) error {
	pending, err := l.st.PendingDeliveries(ctx, device)
	if err != nil {
		return err
	}
	for _, d := range pending {
		sp, err := l.st.Push(ctx, d.Push)
		if err != nil {
			return err
		}
		if sp.Version != a.Version {
			continue
		}
		status := ackStatus[a.Status]
		if status == store.DeliveryApplied || status == store.DeliveryUnchanged {
			if err := l.st.SaveParams(ctx, device, cacheEntries(&sp, l.now())); err != nil {
				return err
			}
		}
		del := store.Delivery{Push: sp.ID, Device: device, Status: status, Updated: l.now().UTC()}
		if a.Fault != nil {
			del.Fault = &store.TaskFault{Code: a.Fault.Code, Message: a.Fault.Message}
		}
		changed, err := l.st.SettleDelivery(ctx, del)
		if err != nil {
			return err
		}
		if changed {
			l.m.acks.WithLabelValues(status).Inc()
		}
	}
	return nil
}

// cacheEntries are the push's values as parameter-cache entries. An empty
// type keeps the cached one (store.Params' merge rule).
func cacheEntries(sp *store.Push, at time.Time) []store.Param {
	out := make([]store.Param, len(sp.Values))
	for i, v := range sp.Values {
		out[i] = store.Param{Name: v.Name, Value: v.Value, Type: v.Type, Updated: at}
	}
	return out
}
