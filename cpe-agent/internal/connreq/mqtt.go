package connreq

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/eclipse/paho.mqtt.golang/packets"

	"gatewarden/cpe-agent/internal/clock"
	"gatewarden/cpe-agent/internal/mqttclient"
	"gatewarden/protocol/mqttwire"
)

// MQTTSettings is one connection's configuration, read afresh before every
// connection attempt (the agent reads Device.MQTT.Client.1).
type MQTTSettings struct {
	Enable bool
	// Host and Port of the broker; TLS selects MQTT over TLS.
	Host string
	Port uint16
	TLS  bool
	// TLSConfig trusts the ACS's CA (nil: the system roots).
	TLSConfig *tls.Config
	ClientID  string
	Username  string
	Password  string // secret: never logged
	// ProtocolVersion is "3.1" or "3.1.1" ("" means 3.1.1).
	ProtocolVersion string
	KeepAlive       time.Duration
	// Retry is TR-181's ConnectRetryTime, ConnectRetryIntervalMultiplier
	// (per mille) and ConnectRetryMaxInterval.
	RetryMin        time.Duration
	RetryMultiplier uint32
	RetryMax        time.Duration
}

// The settings are passed by pointer: a copy of the struct at each call
// was a hundred bytes of router code.

// brokerURL is the address for logs.
func (s *MQTTSettings) brokerURL() string {
	scheme := "tcp"
	if s.TLS {
		scheme = "ssl"
	}
	return (&url.URL{Scheme: scheme, Host: net.JoinHostPort(s.Host, strconv.Itoa(int(s.Port)))}).String()
}

// same reports whether o would make the same connection as s.
func (s *MQTTSettings) same(o *MQTTSettings) bool {
	a, b := *s, *o
	a.TLSConfig, b.TLSConfig = nil, nil
	return a == b && (s.TLSConfig == nil) == (o.TLSConfig == nil)
}

// misconfigured says why the settings cannot make a connection, or "".
func (s *MQTTSettings) misconfigured() string {
	switch {
	case s.Host == "":
		return "no broker address"
	case s.Port == 0:
		return "no broker port"
	case s.ClientID == "" || s.Username == "":
		return "no client ID or username"
	case s.Password == "":
		// The broker refuses anonymous clients; the ACS sets the password
		// in the first CWMP session.
		return "no password yet"
	}
	return ""
}

// Message is a message to publish.
type Message struct {
	Topic    string
	Payload  []byte
	QoS      byte
	Retained bool
}

// MQTTOptions configures an MQTT client. Settings and Handle are required.
type MQTTOptions struct {
	Settings func(ctx context.Context) (MQTTSettings, error)
	// Will is registered with the broker at each connect; Online is
	// published right after the connect and Offline just before a
	// graceful disconnect. All optional. Each gets the connection's time,
	// which is later than any earlier connection's (by a millisecond at
	// least), so a receiver can order the states of successive
	// connections.
	Will    func(connectedAt time.Time) Message
	Online  func(connectedAt time.Time) Message
	Offline func(connectedAt time.Time) Message
	// Topics lists the topics to subscribe to (QoS 1); it is called at
	// each connect and after Resubscribe.
	Topics func() []string
	// Handle receives every message, one at a time in arrival order, on
	// the connection's reader goroutine: it must hand long work
	// elsewhere, and must not wait for the broker.
	Handle func(topic string, payload []byte)
	// Clock drives the backoff; default the real clock.
	Clock clock.Clock
	// Rand draws the backoff's jitter in [0,1); default math/rand/v2.
	Rand   func() float64
	Logger *slog.Logger
}

// MQTT is the agent's MQTT client: one connection to the broker, kept up
// with jittered exponential backoff, its subscriptions renewed at each
// connect (clean sessions: the broker keeps nothing for an absent
// device, which converges at its next Inform instead).
type MQTT struct {
	opts MQTTOptions
	log  *slog.Logger

	// kick carries "reconnect with new settings"; resub "the topic list
	// changed".
	kick  chan struct{}
	resub chan struct{}

	mu      sync.Mutex
	cur     MQTTSettings       // of the live connection
	lastAt  time.Time          // the latest connection's time
	client  *mqttclient.Client // nil while disconnected
	subbed  map[string]bool
	status  string
	since   time.Time
	sent    atomic.Uint64
	recv    atomic.Uint64
	connErr atomic.Uint64
}

// Statuses of TR-181 MQTT.Client.{i}.Status.
const (
	StatusDisabled      = "Disabled"
	StatusConnecting    = "Connecting"
	StatusConnected     = "Connected"
	StatusMisconfigured = "Error_Misconfigured"
	StatusUnreachable   = "Error_BrokerUnreachable"
)

// ErrNotConnected is returned by Publish while there is no connection.
var ErrNotConnected = errors.New("mqtt: not connected")

// Tunables that TR-181 does not cover.
const (
	connectTimeout = 10 * time.Second
	publishTimeout = 10 * time.Second
	// defaultKeepAlive applies when the settings give none (what paho,
	// the agent's earlier client, used).
	defaultKeepAlive = 30 * time.Second
	// maxPacket admits the largest lane message and its topic.
	maxPacket      = mqttwire.MaxPayload + 4<<10
	defaultRetry   = 5 * time.Second
	defaultRetryK  = 2000
	defaultRetryMx = 30720 * time.Second
)

// NewMQTT builds the client; Run connects it.
func NewMQTT(opts MQTTOptions) (*MQTT, error) {
	if opts.Settings == nil || opts.Handle == nil {
		return nil, errors.New("mqtt: Settings and Handle are required")
	}
	if opts.Clock == nil {
		opts.Clock = clock.Real()
	}
	if opts.Rand == nil {
		opts.Rand = rand.Float64
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Topics == nil {
		opts.Topics = func() []string { return nil }
	}
	return &MQTT{
		opts:   opts,
		log:    opts.Logger.With("component", "mqtt"),
		kick:   make(chan struct{}, 1),
		resub:  make(chan struct{}, 1),
		status: StatusDisabled,
	}, nil
}

// Reconfigure rereads the settings (the ACS changed Device.MQTT.Client.1)
// and, when they differ from the connection's, drops it and connects
// again at once; an idle or waiting client tries at once.
func (m *MQTT) Reconfigure() {
	select {
	case m.kick <- struct{}{}:
	default:
	}
}

// Resubscribe brings the subscriptions in line with Topics.
func (m *MQTT) Resubscribe() {
	select {
	case m.resub <- struct{}{}:
	default:
	}
}

// Run keeps the connection up until ctx ends, then publishes Offline and
// disconnects. It returns nil after ctx ended.
func (m *MQTT) Run(ctx context.Context) error {
	attempt := 0 // failed attempts since the last connection
	for ctx.Err() == nil {
		set, err := m.opts.Settings(ctx)
		if err != nil {
			m.log.Warn("reading the MQTT settings", "err", err)
			m.setStatus(StatusMisconfigured)
			m.waitKick(ctx, 0)
			continue
		}
		if !set.Enable {
			m.setStatus(StatusDisabled)
			m.waitKick(ctx, 0)
			continue
		}
		if why := set.misconfigured(); why != "" {
			m.log.Info("MQTT lane idle", "reason", why)
			m.setStatus(StatusMisconfigured)
			m.waitKick(ctx, 0)
			continue
		}
		m.setStatus(StatusConnecting)
		c, err := m.connect(ctx, &set)
		if err != nil {
			m.connErr.Add(1)
			attempt++
			wait := backoff(&set, attempt, m.opts.Rand())
			m.log.Info("MQTT connect failed", "broker", set.brokerURL(), "err", err, "retry_in", wait.Round(time.Millisecond))
			m.setStatus(failureStatus(err))
			m.waitKick(ctx, wait)
			continue
		}
		attempt = 0
		m.log.Info("MQTT connected", "broker", set.brokerURL(), "client_id", set.ClientID)
		why := m.serve(ctx, c)
		m.mu.Lock()
		at := m.since
		m.client, m.subbed, m.since = nil, nil, time.Time{}
		m.mu.Unlock()
		if why == nil {
			// Stopping, or new settings: say so before leaving, since a
			// clean disconnect suppresses the will.
			m.goodbye(c, at)
			continue
		}
		// The broker or the network dropped us: wait before the first
		// retry too, so a broker restart is not met by the whole fleet in
		// the same second.
		attempt = 1
		wait := backoff(&set, attempt, m.opts.Rand())
		m.log.Info("MQTT connection lost", "err", why, "retry_in", wait.Round(time.Millisecond))
		m.setStatus(StatusConnecting)
		m.waitKick(ctx, wait)
	}
	m.setStatus(StatusDisabled)
	return nil
}

// connect makes one attempt; the client's Done tells when the
// connection breaks.
func (m *MQTT) connect(ctx context.Context, set *MQTTSettings) (*mqttclient.Client, error) {
	now := m.opts.Clock.Now().Truncate(time.Millisecond)
	m.mu.Lock()
	if !now.After(m.lastAt) {
		now = m.lastAt.Add(time.Millisecond)
	}
	m.lastAt = now
	m.mu.Unlock()
	co := mqttclient.Options{
		Addr:           net.JoinHostPort(set.Host, strconv.Itoa(int(set.Port))),
		ClientID:       set.ClientID,
		Username:       set.Username,
		Password:       set.Password,
		ProtocolLevel:  4,
		KeepAlive:      set.KeepAlive,
		ConnectTimeout: connectTimeout,
		WriteTimeout:   publishTimeout,
		AckTimeout:     publishTimeout,
		MaxPacket:      maxPacket,
		Handle:         m.deliver,
		Oversized: func(topic string, size int) {
			m.log.Warn("MQTT message too large: skipped", "topic", topic, "bytes", size)
		},
	}
	if co.KeepAlive <= 0 {
		co.KeepAlive = defaultKeepAlive
	}
	if set.ProtocolVersion == "3.1" {
		co.ProtocolLevel = 3
	}
	if set.TLS {
		tc := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: set.Host}
		if set.TLSConfig != nil {
			tc = set.TLSConfig.Clone()
			if tc.ServerName == "" {
				tc.ServerName = set.Host
			}
		}
		co.TLS = tc
	}
	if m.opts.Will != nil {
		w := m.opts.Will(now)
		co.Will = &mqttclient.Will{Topic: w.Topic, Payload: w.Payload, QoS: w.QoS, Retained: w.Retained}
	}
	c, err := mqttclient.Connect(ctx, co)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	m.client, m.subbed, m.since, m.cur = c, map[string]bool{}, now, *set
	m.mu.Unlock()
	if err := m.syncSubscriptions(ctx, c); err != nil {
		c.Disconnect()
		m.mu.Lock()
		m.client, m.subbed, m.since = nil, nil, time.Time{}
		m.mu.Unlock()
		return nil, err
	}
	m.setStatus(StatusConnected)
	if m.opts.Online != nil {
		if err := m.publish(ctx, c, m.opts.Online(now)); err != nil {
			m.log.Warn("publishing the online state", "err", err)
		}
	}
	return c, nil
}

// serve waits on a live connection. It returns the reason the connection
// broke, or nil when ctx ended or new settings asked for a reconnect.
func (m *MQTT) serve(ctx context.Context, c *mqttclient.Client) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-m.kick:
			// One SetParameterValues may change several settings, each
			// kicking: reconnect only when the connection's settings
			// really differ.
			set, err := m.opts.Settings(ctx)
			m.mu.Lock()
			same := err == nil && set.same(&m.cur)
			m.mu.Unlock()
			if same {
				continue
			}
			m.log.Info("MQTT settings changed: reconnecting")
			return nil
		case <-c.Done():
			return c.Err()
		case <-m.resub:
			if err := m.syncSubscriptions(ctx, c); err != nil {
				m.log.Warn("renewing MQTT subscriptions", "err", err)
			}
		}
	}
}

// syncSubscriptions subscribes to what Topics lists and is not subscribed
// yet, and unsubscribes from what it no longer lists.
func (m *MQTT) syncSubscriptions(ctx context.Context, c *mqttclient.Client) error {
	want := map[string]bool{}
	for _, t := range m.opts.Topics() {
		want[t] = true
	}
	m.mu.Lock()
	var add, drop []string
	for t := range want {
		if !m.subbed[t] {
			add = append(add, t)
		}
	}
	for t := range m.subbed {
		if !want[t] {
			drop = append(drop, t)
		}
	}
	m.mu.Unlock()
	if len(add) > 0 {
		granted, err := c.Subscribe(ctx, 1, add...)
		if err != nil {
			return fmt.Errorf("subscribe: %w", err)
		}
		// A broker refuses a topic by granting 0x80 for it.
		m.mu.Lock()
		for i, t := range add {
			if q := granted[i]; q <= 2 {
				m.subbed[t] = true
			} else {
				m.log.Warn("the broker refused a subscription", "topic", t)
			}
		}
		m.mu.Unlock()
	}
	if len(drop) > 0 {
		if err := c.Unsubscribe(ctx, drop...); err != nil {
			return fmt.Errorf("unsubscribe: %w", err)
		}
		m.mu.Lock()
		for _, t := range drop {
			delete(m.subbed, t)
		}
		m.mu.Unlock()
	}
	return nil
}

// Subscribed lists the topics the broker granted, for tests and the
// local page.
func (m *MQTT) Subscribed() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]string, 0, len(m.subbed))
	for t := range m.subbed {
		out = append(out, t)
	}
	return out
}

func (m *MQTT) deliver(topic string, payload []byte) {
	m.recv.Add(1)
	m.opts.Handle(topic, payload)
}

// Publish sends msg over the current connection and waits for the
// broker's acknowledgement (QoS 1) or the write (QoS 0).
func (m *MQTT) Publish(ctx context.Context, msg Message) error {
	m.mu.Lock()
	c := m.client
	m.mu.Unlock()
	if c == nil {
		return ErrNotConnected
	}
	return m.publish(ctx, c, msg)
}

func (m *MQTT) publish(ctx context.Context, c *mqttclient.Client, msg Message) error {
	if err := c.Publish(ctx, msg.Topic, msg.Payload, msg.QoS, msg.Retained); err != nil {
		return fmt.Errorf("publish %s: %w", msg.Topic, err)
	}
	m.sent.Add(1)
	return nil
}

// goodbye publishes Offline (a clean disconnect suppresses the will) and
// disconnects.
func (m *MQTT) goodbye(c *mqttclient.Client, at time.Time) {
	if m.opts.Offline != nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		if err := m.publish(ctx, c, m.opts.Offline(at)); err != nil {
			m.log.Debug("publishing the offline state", "err", err)
		}
		cancel()
	}
	if err := c.Disconnect(); err != nil {
		m.log.Debug("MQTT disconnect", "err", err)
	}
}

// waitKick waits for d (forever when d is 0), a Reconfigure, or ctx.
func (m *MQTT) waitKick(ctx context.Context, d time.Duration) {
	var fire <-chan time.Time
	if d > 0 {
		t := m.opts.Clock.NewTimer(d)
		defer t.Stop()
		fire = t.C()
	}
	select {
	case <-ctx.Done():
	case <-m.kick:
	case <-fire:
	}
}

// failureStatus is TR-181's Status for a failed attempt: the broker
// refusing these credentials is a configuration problem, anything else
// an unreachable broker.
func failureStatus(err error) string {
	if errors.Is(err, packets.ErrorRefusedBadUsernameOrPassword) || errors.Is(err, packets.ErrorRefusedNotAuthorised) ||
		errors.Is(err, packets.ErrorRefusedIDRejected) || errors.Is(err, packets.ErrorRefusedBadProtocolVersion) {
		return StatusMisconfigured
	}
	return StatusUnreachable
}

// backoff is the wait before retry number n (1-based), TR-181's rule for
// MQTT clients (the CWMP session's, with the MQTT parameters): a random
// point in [m·k^(n-1), m·k^n], k = multiplier/1000, capped at the
// maximum. The randomness spreads a fleet's reconnects after a broker
// restart.
func backoff(s *MQTTSettings, n int, r float64) time.Duration {
	m, k, mx := s.RetryMin, s.RetryMultiplier, s.RetryMax
	if m <= 0 {
		m = defaultRetry
	}
	if k < 1000 {
		k = defaultRetryK
	}
	if mx <= 0 {
		mx = defaultRetryMx
	}
	lo := float64(m)
	for i := 1; i < n && lo < float64(mx); i++ {
		lo = lo * float64(k) / 1000
	}
	hi := lo * float64(k) / 1000
	if hi > float64(mx) {
		hi = float64(mx)
	}
	if lo > hi {
		lo = hi
	}
	return time.Duration(lo + r*(hi-lo))
}

func (m *MQTT) setStatus(s string) {
	m.mu.Lock()
	m.status = s
	m.mu.Unlock()
}

// Status implements model.MQTTLive.
func (m *MQTT) Status() string {
	m.mu.Lock()
	v := m.status
	m.mu.Unlock()
	return v
}

// Established implements model.MQTTLive.
func (m *MQTT) Established() time.Time {
	m.mu.Lock()
	v := m.since
	m.mu.Unlock()
	return v
}

// PublishSent implements model.MQTTLive.
func (m *MQTT) PublishSent() uint64 { return m.sent.Load() }

// PublishReceived implements model.MQTTLive.
func (m *MQTT) PublishReceived() uint64 { return m.recv.Load() }

// ConnectionErrors implements model.MQTTLive.
func (m *MQTT) ConnectionErrors() uint64 { return m.connErr.Load() }
