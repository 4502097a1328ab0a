package lane

import (
	"context"
	"slices"
	"strings"
	"sync"

	"gatewarden/acs/internal/broker"
	"gatewarden/protocol/mqttwire"
)

// presence is the latest State per device. An entry is 2 words plus the
// ID; a million devices cost tens of MB, the price of knowing without a
// store read whether a wake can go over MQTT.
type presence struct {
	mu     sync.RWMutex
	states map[string]mqttwire.State
}

func (p *presence) init() { p.states = map[string]mqttwire.State{} }

// update keeps s unless what is known is newer: a greater ts (a later
// connection), or the same ts and offline (the will of the connection
// whose "online" s is). It reports whether the device came online.
func (p *presence) update(device string, s mqttwire.State) (cameOnline, changed bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	cur, ok := p.states[device]
	if ok && (s.Time < cur.Time || s.Time == cur.Time && !cur.Online && s.Online) {
		return false, false
	}
	p.states[device] = s
	return s.Online && (!ok || !cur.Online || s.Time > cur.Time), !ok || cur.Online != s.Online
}

func (p *presence) online(device string) bool {
	online, _ := p.state(device)
	return online
}

// state is the device's last state, and whether it ever sent one.
func (p *presence) state(device string) (online, known bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	s, ok := p.states[device]
	return s.Online, ok
}

func (p *presence) count() (online int) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	for _, s := range p.states {
		if s.Online {
			online++
		}
	}
	return online
}

// Presence reports the device's last state on the lane, and whether it
// ever sent one (since this ACS started).
func (l *Lane) Presence(device string) (online, known bool) { return l.presence.state(device) }

// Online reports whether the device is connected to the broker now, as
// far as its last state message says.
func (l *Lane) Online(device string) bool { return l.presence.online(device) }

// OnlineCount is how many devices are online on the lane.
func (l *Lane) OnlineCount() int { return l.presence.count() }

func (l *Lane) onState(topic string, payload []byte) {
	t, err := mqttwire.ParseTopic(topic)
	if err != nil || t.Kind != mqttwire.KindState {
		l.m.invalid.WithLabelValues("state").Inc()
		return
	}
	if len(payload) == 0 {
		return // a retained state being cleared
	}
	s, err := mqttwire.DecodeState(payload)
	if err != nil {
		l.m.invalid.WithLabelValues("state").Inc()
		return
	}
	l.m.received.WithLabelValues("state").Inc()
	cameOnline, changed := l.presence.update(t.Device, s)
	if changed && !s.Online {
		// Its list is sent again when it comes back: the map holds only
		// devices on the lane.
		l.mu.Lock()
		delete(l.groupsSent, t.Device)
		l.mu.Unlock()
	}
	if cameOnline {
		// Off the delivery goroutine: it reads the store and publishes.
		// A reconnect storm (broker or ACS restart) queues up to
		// onlineQueue devices; beyond that a device's list waits for its
		// next Inform (refreshGroups).
		select {
		case l.online <- t.Device:
		default:
			l.m.overflow.Inc()
		}
	}
}

// Sizing of the came-online work: a queue that absorbs a reconnect storm
// of a large fleet, and a few workers (each waits on the broker).
const (
	onlineQueue   = 1 << 16
	onlineWorkers = 16
)

func (l *Lane) onlineLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case dev := <-l.online:
			wctx, cancel := context.WithTimeout(ctx, ackTimeout)
			if _, err := l.sendGroups(wctx, dev, true); err != nil {
				l.log.Info("mqtt: group list", "device", dev, "err", err)
			}
			if err := l.sendPending(wctx, dev); err != nil {
				l.log.Info("mqtt: pending pushes", "device", dev, "err", err)
			}
			cancel()
		}
	}
}

// sendGroups publishes the device's group list (retained) and tells the
// broker its groups, unless this list was already sent (force: always).
// It reports whether it sent one.
func (l *Lane) sendGroups(ctx context.Context, device string, force bool) (bool, error) {
	d, err := l.st.Device(ctx, device)
	if err != nil {
		return false, err
	}
	groups, key := groupList(d.Tags)
	if !force && l.groupsCurrent(device, key) {
		return false, nil
	}
	if err := l.tr.AllowDevice(ctx, device, groups); err != nil {
		return false, err
	}
	msg, err := mqttwire.Groups{ID: mqttwire.NewID(), Time: mqttwire.Millis(l.now()), Groups: groups}.Encode()
	if err != nil {
		return false, err
	}
	if err := l.tr.Publish(ctx, mqttwire.DeviceTopic(device, mqttwire.KindGroups), msg, 1, true); err != nil {
		return false, err
	}
	l.mu.Lock()
	l.groupsSent[device] = key
	l.mu.Unlock()
	return true, nil
}

// groupList is the device's groups in a stable order, and that list
// joined: the key groupsSent remembers.
func groupList(tags []string) (groups []string, key string) {
	groups = broker.DeviceGroups(tags)
	slices.Sort(groups)
	return groups, strings.Join(groups, ",")
}

// groupsCurrent reports whether key is the group list last sent to the
// device.
func (l *Lane) groupsCurrent(device, key string) bool {
	l.mu.Lock()
	last, sent := l.groupsSent[device]
	l.mu.Unlock()
	return sent && last == key
}

// sendPending publishes, on the device's own push topic, every push it
// has not answered: it was offline, or the ACS restarted before its ack
// was recorded. A device that applied one already acks "unchanged".
func (l *Lane) sendPending(ctx context.Context, device string) error {
	pending, err := l.st.PendingDeliveries(ctx, device)
	if err != nil {
		return err
	}
	for _, d := range pending {
		sp, err := l.st.Push(ctx, d.Push)
		if err != nil {
			return err
		}
		if err := l.publishBundle(ctx, &sp, "d/"+device); err != nil {
			return err
		}
	}
	return nil
}

// GrantDevice lets a device in: an external broker learns its password
// and groups. The cwmp server calls it when it gives the device its MQTT
// credentials.
func (l *Lane) GrantDevice(ctx context.Context, device string) error {
	_, err := l.sendGroups(ctx, device, true)
	return err
}

// RequestConnection publishes a connection request to the device.
func (l *Lane) RequestConnection(ctx context.Context, device string) error {
	msg, err := mqttwire.ConnectionRequest{ID: mqttwire.NewID(), Time: mqttwire.Millis(l.now())}.Encode()
	if err != nil {
		return err
	}
	if err := l.tr.Publish(ctx, mqttwire.DeviceTopic(device, mqttwire.KindConnReq), msg, 1, false); err != nil {
		return err
	}
	l.m.connreqs.Inc()
	return nil
}
