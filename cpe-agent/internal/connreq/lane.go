package connreq

// The MQTT lane (protocol/mqttwire has the topics and payloads) beside the
// HTTP listener: one connection per agent that the ACS reaches behind NAT.
//
//   - Connection: Device.MQTT.Client.1's settings, read before every
//     attempt; a clean session (the broker keeps nothing for an absent
//     device: it converges at its next Inform). Reconnects follow TR-181's
//     ConnectRetryTime/IntervalMultiplier/MaxInterval with a random point
//     in each interval, also after a lost connection, so a broker restart
//     is not met by the whole fleet in the same second. No password (the
//     ACS sets it in the first session) means no attempt at all.
//   - Presence: the will is the retained offline state stamped with the
//     connection's time; "online" follows the connect with the same time,
//     and a graceful stop publishes "offline" itself (a clean disconnect
//     suppresses the will).
//   - Groups come only from the ACS: its retained group list on the
//     device's groups topic, followed by (un)subscribing the groups' push
//     topics. The ACS owns tags; the broker's ACL decides what a device
//     may subscribe to, so the agent keeps no group configuration of its
//     own that could disagree.
//   - Connection requests go through the same Trigger as the HTTP
//     listener's, after the replay guard.
//   - Pushes: see push.go. The push key is the trust anchor from the
//     configuration or package (PushKey); rotations signed by it replace
//     it durably.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"gatewarden/cpe-agent/internal/clock"
	"gatewarden/protocol/cwmp"
	"gatewarden/protocol/mqttwire"
)

// Applier applies a push bundle: the tree's SetParameterValues, with its
// all-or-nothing semantics, and the ParameterKey it compares versions
// with.
type Applier interface {
	SetParameterValues(ctx context.Context, list []cwmp.ParameterValueStruct, parameterKey string) (int32, error)
	Value(ctx context.Context, path string) (string, error)
}

// LaneOptions configures a Lane. DeviceID, Settings, Trigger and Apply
// are required.
type LaneOptions struct {
	// DeviceID names the device's topics (protocol/mqttwire).
	DeviceID string
	// Settings returns the connection's settings (Device.MQTT.Client.1).
	Settings func(ctx context.Context) (MQTTSettings, error)
	// Key is the push key the agent trusts; nil refuses every push.
	Key *PushKey
	// Trigger asks for a session with "6 CONNECTION REQUEST", as the
	// HTTP listener's Trigger does; it must not block.
	Trigger func()
	Apply   Applier
	// Telemetry returns a sample to publish every TelemetryInterval
	// (nothing is published when either is unset or the sample is empty).
	Telemetry         func(ctx context.Context) (map[string]string, error)
	TelemetryInterval time.Duration
	// Guard drops replays and stale messages; default a fresh one with
	// mqttwire's defaults.
	Guard  *mqttwire.ReplayGuard
	Clock  clock.Clock
	Rand   func() float64
	Logger *slog.Logger
}

// Lane is the agent's side of the MQTT lane: the connection (MQTT), the
// device's and its groups' subscriptions, connection requests, signed
// pushes with their acks, and telemetry.
type Lane struct {
	opts LaneOptions
	mqtt *MQTT
	log  *slog.Logger
	// work carries pushes from the MQTT client's reader goroutine to the one
	// goroutine that applies them, in arrival order.
	work chan inbound

	mu       sync.Mutex
	groups   []string
	groupsTS int64 // ts of the group list in effect
	ackFn    func(ctx context.Context, msg Message) error
}

type inbound struct {
	topic   string
	payload []byte
}

// pushQueue bounds pushes waiting to be applied; beyond it a push is
// dropped (the device converges at its next Inform).
const pushQueue = 64

// NewLane builds the lane; Run connects it.
func NewLane(opts LaneOptions) (*Lane, error) {
	if !mqttwire.ValidDeviceID(opts.DeviceID) {
		return nil, fmt.Errorf("mqtt lane: device ID %q cannot name a topic", opts.DeviceID)
	}
	if opts.Settings == nil || opts.Trigger == nil || opts.Apply == nil {
		return nil, errors.New("mqtt lane: Settings, Trigger and Apply are required")
	}
	if opts.Guard == nil {
		opts.Guard = &mqttwire.ReplayGuard{}
	}
	if opts.Clock == nil {
		opts.Clock = clock.Real()
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	l := &Lane{opts: opts, log: opts.Logger.With("component", "mqtt"), work: make(chan inbound, pushQueue)}
	stateTopic := mqttwire.DeviceTopic(opts.DeviceID, mqttwire.KindState)
	state := func(online bool, at time.Time) Message {
		b, err := mqttwire.State{Online: online, Time: mqttwire.Millis(at)}.Encode()
		if err != nil {
			// Only a clock outside 2001-2200 gets here; say so plainly.
			l.log.Error("encoding the lane state", "err", err)
		}
		return Message{Topic: stateTopic, Payload: b, QoS: 1, Retained: true}
	}
	m, err := NewMQTT(MQTTOptions{
		Settings: opts.Settings,
		Will:     func(at time.Time) Message { return state(false, at) },
		Online:   func(at time.Time) Message { return state(true, at) },
		Offline:  func(at time.Time) Message { return state(false, at) },
		Topics:   l.topics,
		Handle:   l.handle,
		Clock:    opts.Clock,
		Rand:     opts.Rand,
		Logger:   opts.Logger,
	})
	if err != nil {
		return nil, err
	}
	l.mqtt = m
	l.ackFn = m.Publish
	return l, nil
}

// MQTT is the lane's connection (its status feeds Device.MQTT.Client.1).
func (l *Lane) MQTT() *MQTT { return l.mqtt }

// Reconfigure reconnects with fresh settings.
func (l *Lane) Reconfigure() { l.mqtt.Reconfigure() }

// Groups is the group list the ACS last sent.
func (l *Lane) Groups() []string {
	l.mu.Lock()
	v := slices.Clone(l.groups)
	l.mu.Unlock()
	return v
}

// Run runs the lane until ctx ends.
func (l *Lane) Run(ctx context.Context) error {
	var wg sync.WaitGroup // wg.Go: no defer in each goroutine's function
	wg.Go(func() { l.applyLoop(ctx) })
	if l.opts.Telemetry != nil && l.opts.TelemetryInterval > 0 {
		wg.Go(func() { l.telemetryLoop(ctx) })
	}
	err := l.mqtt.Run(ctx)
	wg.Wait()
	return err
}

func (l *Lane) topics() []string {
	t := mqttwire.DeviceSubscriptions(l.opts.DeviceID)
	for _, g := range l.Groups() {
		t = append(t, mqttwire.GroupPushTopic(g))
	}
	return t
}

// handle runs on the MQTT client's reader goroutine: connection requests and
// group lists are quick and handled here; pushes go to the apply loop.
func (l *Lane) handle(topic string, payload []byte) {
	t, err := mqttwire.ParseTopic(topic)
	if err != nil {
		l.log.Warn("message on an unknown topic", "topic", topic)
		return
	}
	switch t.Kind {
	case mqttwire.KindConnReq:
		l.connectionRequest(payload)
	case mqttwire.KindGroups:
		l.setGroups(payload)
	case mqttwire.KindPush:
		select {
		case l.work <- inbound{topic: topic, payload: payload}:
		default:
			l.log.Warn("push dropped: too many waiting; the next Inform reconciles", "topic", topic)
		}
	default:
		l.log.Warn("unexpected message", "topic", topic)
	}
}

func (l *Lane) connectionRequest(payload []byte) {
	cr, err := mqttwire.DecodeConnectionRequest(payload)
	if err != nil {
		l.log.Warn("connection request refused", "err", err)
		return
	}
	if err := l.opts.Guard.Check(cr.ID, cr.Time, l.opts.Clock.Now()); err != nil {
		l.log.Warn("connection request refused", "id", cr.ID, "err", err)
		return
	}
	l.opts.Trigger()
}

// setGroups follows the ACS's retained group list: state, not a command,
// so it is exempt from the replay guard (a repeat changes nothing), but
// an older list never replaces a newer one: the retained copy a broker
// hands out at subscribe time can arrive after a live, newer list that
// the ACS published at the same moment. The broker's ACL, not this list,
// decides what the device may receive.
func (l *Lane) setGroups(payload []byte) {
	g, err := mqttwire.DecodeGroups(payload)
	if err != nil {
		l.log.Warn("group list refused", "err", err)
		return
	}
	list := slices.Clone(g.Groups)
	slices.Sort(list)
	list = slices.Compact(list)
	l.mu.Lock()
	if g.Time < l.groupsTS {
		l.mu.Unlock()
		l.log.Debug("older group list ignored", "id", g.ID)
		return
	}
	same := slices.Equal(list, l.groups)
	l.groups, l.groupsTS = list, g.Time
	l.mu.Unlock()
	if !same {
		l.log.Info("groups changed", "groups", list)
		l.mqtt.Resubscribe()
	}
}

func (l *Lane) applyLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case in := <-l.work:
			l.push(ctx, in.topic, in.payload)
		}
	}
}

// telemetryLoop publishes a sample every interval while connected. The
// first sample comes at a random point of the first interval, so a fleet
// that boots together does not report together.
func (l *Lane) telemetryLoop(ctx context.Context) {
	every := l.opts.TelemetryInterval
	r := 0.5
	if l.opts.Rand != nil {
		r = l.opts.Rand()
	}
	t := l.opts.Clock.NewTimer(time.Duration(r * float64(every)))
	defer t.Stop()
	topic := mqttwire.DeviceTopic(l.opts.DeviceID, mqttwire.KindTelemetry)
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C():
		}
		t.Reset(every)
		if l.mqtt.Status() != StatusConnected {
			continue
		}
		vals, err := l.opts.Telemetry(ctx)
		if err != nil {
			l.log.Warn("reading telemetry", "err", err)
			continue
		}
		if len(vals) == 0 {
			continue
		}
		b, err := mqttwire.Telemetry{Time: mqttwire.Millis(l.opts.Clock.Now()), Values: vals}.Encode()
		if err != nil {
			l.log.Warn("encoding telemetry", "err", err)
			continue
		}
		if err := l.mqtt.Publish(ctx, Message{Topic: topic, Payload: b}); err != nil {
			l.log.Debug("publishing telemetry", "err", err)
		}
	}
}
