package broker

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

// ExternalConfig configures the ACS's connection to a broker the operator
// runs (`--mqtt-external URL`).
type ExternalConfig struct {
	// URL is mqtt://USER:PASSWORD@HOST:PORT or mqtts://... (tcp:// and
	// ssl:// too). The user is the ACS's own account on the broker. The
	// query "acl" says who keeps the broker's access list: "dynsec"
	// (default) has the ACS keep it with mosquitto's dynamic-security
	// plugin (see acs/deploy/mosquitto); "none" leaves it to the
	// operator's broker (an HTTP auth hook, a JWT scheme), and AllowDevice
	// does nothing.
	URL string
	// ClientID of the ACS. It should stay the same across restarts of one
	// node and differ between nodes: the session is persistent, so the
	// broker keeps what devices publish (acks, states) while this node is
	// away and delivers it when it is back. Default "gatewarden-acs-" and
	// a random suffix (no persistence across restarts).
	ClientID string
	// TLS for mqtts://; nil: system roots.
	TLS *tls.Config
	// Passwords derives the device passwords the ACS tells the broker.
	Passwords *Passwords
	Logger    *slog.Logger
}

// External is the lane over an external broker, through paho.
type External struct {
	cfg  ExternalConfig
	cl   paho.Client
	log  *slog.Logger
	user string

	mu   sync.Mutex
	subs map[string]externalSub
	dyn  *dynsec
}

type externalSub struct {
	qos byte
	h   Handler
}

var _ Transport = (*External)(nil)

// opTimeout bounds one publish or subscribe round trip.
const opTimeout = 10 * time.Second

// parseBrokerURL splits the credentials out of u and maps the scheme to
// the one paho dials.
func parseBrokerURL(raw string) (server, user, password string, provision bool, err error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", "", "", false, fmt.Errorf("--mqtt-external: %w", err)
	}
	switch u.Query().Get("acl") {
	case "", "dynsec":
		provision = true
	case "none":
	default:
		return "", "", "", false, fmt.Errorf("--mqtt-external: acl=%q, want dynsec or none", u.Query().Get("acl"))
	}
	scheme := strings.ToLower(u.Scheme)
	switch scheme {
	case "mqtt", "tcp":
		scheme = "tcp"
	case "mqtts", "ssl", "tls":
		scheme = "ssl"
	default:
		return "", "", "", false, fmt.Errorf("--mqtt-external: scheme %q, want mqtt:// or mqtts://", u.Scheme)
	}
	if u.Host == "" {
		return "", "", "", false, errors.New("--mqtt-external: no host")
	}
	host := u.Host
	if u.Port() == "" {
		port := "1883"
		if scheme == "ssl" {
			port = "8883"
		}
		host = strings.TrimSuffix(host, ":") + ":" + port
	}
	if u.User != nil {
		user = u.User.Username()
		password, _ = u.User.Password()
	}
	return scheme + "://" + host, user, password, provision, nil
}

// NewExternal connects to the broker, retrying until ctx ends (a broker
// started at the same time as the ACS may take a moment), and then keeps
// reconnecting by itself whenever the connection drops.
func NewExternal(ctx context.Context, cfg ExternalConfig) (*External, error) {
	server, user, password, provision, err := parseBrokerURL(cfg.URL)
	if err != nil {
		return nil, err
	}
	if cfg.Passwords == nil {
		return nil, errors.New("external broker: Passwords required")
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.ClientID == "" {
		cfg.ClientID = "gatewarden-acs-" + randomSuffix()
	}
	e := &External{cfg: cfg, log: log, user: user, subs: map[string]externalSub{}}
	opts := paho.NewClientOptions().
		AddBroker(server).
		SetClientID(cfg.ClientID).
		SetUsername(user).
		SetPassword(password).
		SetCleanSession(false).
		SetResumeSubs(true).
		SetOrderMatters(false).
		SetKeepAlive(30 * time.Second).
		SetConnectTimeout(opTimeout).
		SetWriteTimeout(opTimeout).
		SetAutoReconnect(true).
		SetConnectRetry(true).
		SetConnectRetryInterval(2 * time.Second).
		SetMaxReconnectInterval(30 * time.Second).
		SetOnConnectHandler(e.onConnect).
		SetConnectionLostHandler(func(_ paho.Client, err error) {
			log.Warn("mqtt: lost the external broker; reconnecting", "err", err)
		})
	if cfg.TLS != nil {
		opts.SetTLSConfig(cfg.TLS)
	}
	if provision {
		e.dyn = newDynsec(e, user)
	}
	e.cl = paho.NewClient(opts)
	tok := e.cl.Connect()
	select {
	case <-tok.Done():
		if err := tok.Error(); err != nil {
			return nil, fmt.Errorf("external broker %s: %w", server, err)
		}
	case <-ctx.Done():
		e.cl.Disconnect(0)
		return nil, ctx.Err()
	}
	// With ConnectRetry the token completes only once connected; waiting
	// for it above is what tells a typo from a broker still starting.
	if e.dyn != nil {
		if err := e.dyn.setup(ctx); err != nil {
			e.cl.Disconnect(0)
			return nil, fmt.Errorf("external broker access list: %w", err)
		}
	}
	return e, nil
}

// onConnect subscribes again after every (re)connect: the broker may
// have dropped the session (it expired, or the broker restarted without
// persistence), and subscribing again also brings every retained state,
// which resynchronises presence after an outage.
func (e *External) onConnect(c paho.Client) {
	e.mu.Lock()
	subs := make(map[string]externalSub, len(e.subs))
	for f, s := range e.subs {
		subs[f] = s
	}
	e.mu.Unlock()
	for f, s := range subs {
		h := s.h
		c.Subscribe(f, s.qos, func(_ paho.Client, m paho.Message) { h(m.Topic(), m.Payload()) })
	}
	e.log.Info("mqtt: connected to the external broker", "subscriptions", len(subs))
}

func wait(ctx context.Context, tok paho.Token, what string) error {
	select {
	case <-tok.Done():
		if err := tok.Error(); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("%s: %w", what, ctx.Err())
	case <-time.After(opTimeout):
		return fmt.Errorf("%s: no answer from the broker in %s", what, opTimeout)
	}
}

// Publish sends one message and waits for the broker to take it.
func (e *External) Publish(ctx context.Context, topic string, payload []byte, qos byte, retain bool) error {
	return wait(ctx, e.cl.Publish(topic, qos, retain, payload), "publish to "+topic)
}

// Subscribe subscribes now and after every reconnect.
func (e *External) Subscribe(ctx context.Context, filter string, qos byte, h Handler) error {
	e.mu.Lock()
	e.subs[filter] = externalSub{qos: qos, h: h}
	e.mu.Unlock()
	tok := e.cl.Subscribe(filter, qos, func(_ paho.Client, m paho.Message) { h(m.Topic(), m.Payload()) })
	if err := wait(ctx, tok, "subscribe "+filter); err != nil {
		return err
	}
	if st, ok := tok.(*paho.SubscribeToken); ok {
		for _, code := range st.Result() {
			if code >= 0x80 {
				return fmt.Errorf("subscribe %s: the broker refused it (is the ACS's account allowed gw/v1/#?)", filter)
			}
		}
	}
	return nil
}

// AllowDevice tells the broker about the device (dynamic-security mode).
func (e *External) AllowDevice(ctx context.Context, device string, groups []string) error {
	if e.dyn == nil {
		return nil
	}
	return e.dyn.allowDevice(ctx, device, e.cfg.Passwords.Password(device), groups)
}

// Close disconnects, letting in-flight publishes finish for a moment.
func (e *External) Close() error {
	e.cl.Disconnect(250)
	return nil
}
