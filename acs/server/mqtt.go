package server

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"gatewarden/acs/internal/api"
	"gatewarden/acs/internal/broker"
	"gatewarden/acs/internal/connreq"
	"gatewarden/acs/internal/lane"
	"gatewarden/acs/internal/store"
	"gatewarden/acs/internal/tasks"
	"gatewarden/protocol/cwmp"
	"gatewarden/protocol/mqttwire"
)

// The MQTT lane's wiring: the embedded broker (or the connection to an
// external one), the lane, and the hooks it adds to the other parts.

// defaultMQTTAddr is the embedded broker's default listener. When it is
// taken (another ACS or a test on the same host) the ACS runs without a
// network broker and says so; an address given explicitly must bind.
const defaultMQTTAddr = ":1883"

type mqttParts struct {
	passwords *broker.Passwords
	key       ed25519.PrivateKey
	rotation  []byte
	metrics   *lane.Metrics
	denied    *prometheus.CounterVec
	compile   lane.Matcher
	lane      atomic.Pointer[lane.Lane]
	embedded  atomic.Pointer[broker.Embedded]
}

// buildMQTT prepares what the other parts need from the lane before it
// runs: device passwords, the push key, metrics.
func (s *Server) buildMQTT() error {
	if s.cfg.MQTTTLSAddr == "" {
		s.cfg.MQTTTLSAddr = ":8883"
	}
	key, rotation, err := lane.LoadPushKeys(s.cfg.DataDir, time.Now())
	if err != nil {
		return err
	}
	if rotation != nil {
		s.log.Info("MQTT push key rotated; the rotation stays published for agents", "key_id", mqttwire.KeyID(key.Public().(ed25519.PublicKey)))
	}
	mq := &mqttParts{passwords: broker.NewPasswords(s.secret), key: key, rotation: rotation, metrics: lane.NewMetrics(s.reg)}
	mq.denied = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "gatewarden_mqtt_connections_refused_total",
		Help: "Connections the embedded broker refused, by reason (anonymous, client_id, keepalive, password, unknown_device, store).",
	}, []string{"reason"})
	s.reg.MustRegister(mq.denied,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "gatewarden_mqtt_devices_online", Help: "Devices whose last MQTT state is online.",
		}, func() float64 {
			if l := mq.lane.Load(); l != nil {
				return float64(l.OnlineCount())
			}
			return 0
		}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "gatewarden_mqtt_broker_clients", Help: "Clients connected to the embedded broker.",
		}, func() float64 {
			if e := mq.embedded.Load(); e != nil {
				return float64(e.Clients())
			}
			return 0
		}))
	s.mq = mq
	return nil
}

// startMQTT binds the embedded broker (or connects to the external one)
// and starts the lane.
func (s *Server) startMQTT(ctx context.Context) (stop func(), err error) {
	var tr broker.Transport
	if s.cfg.MQTTExternal != "" {
		cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		ext, err := broker.NewExternal(cctx, broker.ExternalConfig{
			URL: s.cfg.MQTTExternal, Passwords: s.mq.passwords, Logger: s.log.With("component", "mqtt"),
			ClientID: s.mqttClientID(),
		})
		cancel()
		if err != nil {
			return nil, err
		}
		tr = ext
		s.log.Info("MQTT lane on an external broker")
	} else {
		e, err := s.embeddedBroker()
		if err != nil {
			return nil, err
		}
		s.mq.embedded.Store(e)
		tr = e
	}
	l, err := lane.New(lane.Config{
		Transport: tr, Store: s.st, PushKey: s.mq.key, Rotation: s.mq.rotation, Compile: s.mq.compile,
		TelemetryKeep: s.cfg.TelemetryKeep, TelemetryRetention: s.cfg.TelemetryRetention,
		Metrics: s.mq.metrics, Logger: s.log.With("component", "mqtt"),
		OnTelemetry: s.judgeLines(),
	})
	if err == nil {
		err = l.Start(ctx)
	}
	if err != nil {
		tr.Close()
		return nil, err
	}
	s.mq.lane.Store(l)
	return func() {
		l.Close()
		tr.Close()
	}, nil
}

// mqttClientID names this node on an external broker: stable across its
// restarts (host name and data directory), different between nodes.
func (s *Server) mqttClientID() string {
	host, _ := os.Hostname()
	dir, err := filepath.Abs(s.cfg.DataDir)
	if err != nil {
		dir = s.cfg.DataDir
	}
	h := sha256.Sum256([]byte(host + "\x00" + dir))
	return "gatewarden-acs-" + hex.EncodeToString(h[:6])
}

func (s *Server) embeddedBroker() (*broker.Embedded, error) {
	cfg := broker.EmbeddedConfig{
		Addr: s.cfg.MQTTAddr, Passwords: s.mq.passwords, Devices: s.st,
		Denied: func(reason string) { s.mq.denied.WithLabelValues(reason).Inc() },
		Logger: s.log.With("component", "mqtt"),
	}
	if s.tlsCfg != nil {
		cfg.TLSAddr, cfg.TLS = s.cfg.MQTTTLSAddr, s.tlsCfg
	}
	e, err := broker.NewEmbedded(cfg)
	if err == nil {
		s.log.Info("MQTT broker listening", "addr", e.Addr(), "tls", e.TLSAddr())
		return e, nil
	}
	if s.cfg.MQTTAddr != defaultMQTTAddr || !errors.Is(err, syscall.EADDRINUSE) {
		return nil, err
	}
	// Only the default port is busy: run the lane without a network
	// listener rather than refuse to start. Pushes then reach nobody and
	// devices converge at their Informs; connection requests go by HTTP.
	s.log.Warn("MQTT lane has no listener: the default port is taken; pass --mqtt-addr", "addr", defaultMQTTAddr, "err", err)
	cfg.Addr, cfg.TLSAddr, cfg.TLS = "", "", nil
	return broker.NewEmbedded(cfg)
}

// MQTTAddr is the embedded broker's plain listener (nil without one).
func (s *Server) MQTTAddr() net.Addr {
	if s.mq == nil {
		return nil
	}
	if e := s.mq.embedded.Load(); e != nil {
		return e.Addr()
	}
	return nil
}

// MQTTPassword is the MQTT password the ACS gives the device (derived
// from the fleet secret): for labs and tests that connect as a device.
func MQTTPassword(secret []byte, deviceID string) string {
	return broker.NewPasswords(secret).Password(deviceID)
}

// PushPublicKey returns the public half of DIR's push-signing key as
// PKIX PEM (`acs push-key --data DIR`), for agents' configuration.
func PushPublicKey(dataDir string) ([]byte, error) {
	return lane.PublicPushKey(dataDir)
}

// RotatePushKey prepares a new push key (`acs push-key --rotate`, with
// the ACS stopped) and returns its public half as PKIX PEM. At its next
// start the ACS signs with it and publishes the rotation, signed by the
// old key, for agents to follow.
func RotatePushKey(dataDir string) ([]byte, error) {
	pub, err := lane.PrepareRotation(dataDir)
	if err != nil {
		return nil, err
	}
	return mqttwire.MarshalPublicKey(pub)
}

// mqttCredentials are the values the first session adds to its
// credentials SetParameterValues: Device.MQTT.Client.1's username (the
// device ID) and derived password. TR-098 devices have no such object;
// neither has a device that refused these names before (its credentials
// then go without them).
func (s *Server) mqttCredentials(ctx context.Context, d *store.Device) []cwmp.ParameterValueStruct {
	if d.Root != "Device." || s.mqttRefused(ctx, d.ID) {
		return nil
	}
	if l := s.mq.lane.Load(); l != nil {
		// In the background: an external broker may be slow, and the
		// session must not wait for it; the device retries its connect
		// until the broker knows it.
		id := d.ID
		go func() {
			gctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			defer cancel()
			if err := l.GrantDevice(gctx, id); err != nil {
				s.log.Warn("mqtt: granting a device on the broker", "device", id, "err", err)
			}
		}()
	}
	return []cwmp.ParameterValueStruct{
		{Name: "Device.MQTT.Client.1.Username", Value: d.ID, Type: "string"},
		{Name: "Device.MQTT.Client.1.Password", Value: s.mq.passwords.Password(d.ID), Type: "string"},
	}
}

// mqttRefused: the device answered an earlier credentials request with
// "invalid arguments/parameter name", the sign of a CPE without
// Device.MQTT.
func (s *Server) mqttRefused(ctx context.Context, device string) bool {
	fs, err := s.st.Faults(ctx, device, 20)
	if err != nil {
		return false
	}
	for _, f := range fs {
		if f.RPC == "SetParameterValues" && (f.Code == 9003 || f.Code == 9005) &&
			strings.HasPrefix(f.Message, "setting connection-request credentials") {
			return true
		}
	}
	return false
}

// connreqChannels: MQTT first (devices behind NAT), then HTTP.
func (s *Server) connreqChannels() []connreq.Channel {
	return []connreq.Channel{connreq.NewMQTTChannel(laneWaker{s.mq}), connreq.NewHTTPChannel(connreq.HTTPOptions{})}
}

type laneWaker struct{ mq *mqttParts }

func (w laneWaker) Online(device string) bool {
	l := w.mq.lane.Load()
	return l != nil && l.Online(device)
}

func (w laneWaker) RequestConnection(ctx context.Context, device string) error {
	l := w.mq.lane.Load()
	if l == nil {
		return errMQTTNotRunning
	}
	return l.RequestConnection(ctx, device)
}

var errMQTTNotRunning = errors.New("the MQTT lane is not running")

// pushReconciler settles pending pushes from the Inform before presets
// are reconciled, so a device that applied a push is not sent its values
// again over CWMP.
type pushReconciler struct {
	inner tasks.Reconciler
	s     *Server
}

func (s *Server) pushReconciler(inner tasks.Reconciler) tasks.Reconciler {
	return pushReconciler{inner: inner, s: s}
}

func (r pushReconciler) Diff(ctx context.Context, d store.Device) ([]cwmp.ParameterValueStruct, string, error) {
	l := r.s.mq.lane.Load()
	if l == nil {
		return r.inner.Diff(ctx, d)
	}
	if err := l.AtInform(ctx, &d); err != nil {
		r.s.log.Warn("mqtt: settling pushes at Inform", "device", d.ID, "err", err)
	}
	values, key, err := r.inner.Diff(ctx, d)
	if err != nil || len(values) == 0 {
		return values, key, err
	}
	// A push the device is applying right now is not sent over CWMP too.
	flying, ferr := l.InFlight(ctx, d.ID)
	if ferr != nil {
		r.s.log.Warn("mqtt: pushes in flight", "device", d.ID, "err", ferr)
		return values, key, nil
	}
	kept := values[:0:0]
	for _, v := range values {
		if want, ok := flying[v.Name]; ok && want == v.Value {
			continue
		}
		kept = append(kept, v)
	}
	if len(kept) == 0 {
		return nil, "", nil
	}
	return kept, key, nil
}

// mqttOnline answers "online" from the MQTT lane for devices on it: the
// lane knows at once (the agent's will), where the recent-Inform rule
// only guesses from the last contact. Devices the lane has not heard
// from keep the Inform rule.
func (s *Server) mqttOnline(byInform func(*store.Device) bool) func(*store.Device) bool {
	return func(d *store.Device) bool {
		if l := s.mq.lane.Load(); l != nil {
			if online, known := l.Presence(d.ID); known {
				return online
			}
		}
		return byInform(d)
	}
}

// mqttOptions gives the API the lane, and the lane the API's filter
// compiler.
func (s *Server) mqttOptions(o *api.Options) {
	s.mq.compile = lane.Matcher(o.CompileFilter)
	o.MQTT = pushService{s.mq}
}

type pushService struct{ mq *mqttParts }

func (p pushService) get() (*lane.Lane, error) {
	if l := p.mq.lane.Load(); l != nil {
		return l, nil
	}
	return nil, errMQTTNotRunning
}

func (p pushService) PushPreset(ctx context.Context, name, group, actor string) (store.Push, error) {
	l, err := p.get()
	if err != nil {
		return store.Push{}, err
	}
	return l.PushPreset(ctx, name, group, actor)
}

func (p pushService) PushStatus(ctx context.Context, id, after string, limit int) (store.Push, []store.Delivery, string, error) {
	l, err := p.get()
	if err != nil {
		return store.Push{}, nil, "", err
	}
	return l.PushStatus(ctx, id, after, limit)
}

func (p pushService) Pushes(ctx context.Context, preset string, limit int) ([]store.Push, error) {
	l, err := p.get()
	if err != nil {
		return nil, err
	}
	return l.Pushes(ctx, preset, limit)
}

func (p pushService) Telemetry(ctx context.Context, device string, since time.Time, limit int) ([]store.TelemetrySample, error) {
	l, err := p.get()
	if err != nil {
		return nil, err
	}
	return l.Telemetry(ctx, device, since, limit)
}
