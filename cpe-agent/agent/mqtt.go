package agent

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"gatewarden/cpe-agent/internal/connreq"
	"gatewarden/cpe-agent/internal/model"
	"gatewarden/cpe-agent/internal/platform"
	"gatewarden/protocol/datamodel"
	"gatewarden/protocol/mqttwire"
)

// MQTTConfig is the MQTT lane's part of the configuration (the broker URL
// is Config.MQTTURL, `--mqtt-url`). UCI options of `config agent 'main'`:
//
//	option mqtt_url 'mqtts://acs.example.net:8883'
//	option mqtt_push_key '/etc/gatewarden/push.pub'   (file, or the key inline)
//	option mqtt_telemetry_interval '300'              (seconds; 0 turns it off)
//	option mqtt_telemetry 'Device.DSL.Line.*.UpstreamNoiseMargin ...'
type MQTTConfig struct {
	_ incomparable
	// PushKey is the ACS push key, the trust anchor for signed pushes: a
	// file holding it (PKIX PEM, or 32 bytes in hex or base64) or the key
	// itself inline. It comes only from the configuration or the package,
	// never from the network; without it every push is refused.
	PushKey string
	// TelemetryInterval between samples; 0 means DefaultTelemetryInterval,
	// negative turns telemetry off.
	TelemetryInterval time.Duration
	// Telemetry lists the parameters sampled, separated by spaces (names,
	// partial paths, "*" for instances); empty means DefaultTelemetry. A
	// string, not a slice, so Config stays comparable.
	Telemetry string
}

// DefaultTelemetryInterval is how often the line statistics go out.
const DefaultTelemetryInterval = 5 * time.Minute

// DefaultTelemetry is what support staff look at first on a line, and
// what the ACS judges line health by: sync and attainable rates, line
// state and its last change (retrains), noise margins, attenuation,
// errored seconds, the WAN byte counters (the DSL line carries the WAN)
// and uptime. Instance wildcards keep it platform-independent; what a
// device lacks is left out of its samples.
var DefaultTelemetry = []string{
	"Device.DSL.Channel.*.UpstreamCurrRate",
	"Device.DSL.Channel.*.DownstreamCurrRate",
	"Device.DSL.Line.*.Status",
	"Device.DSL.Line.*.LastChange",
	"Device.DSL.Line.*.UpstreamMaxBitRate",
	"Device.DSL.Line.*.DownstreamMaxBitRate",
	"Device.DSL.Line.*.UpstreamNoiseMargin",
	"Device.DSL.Line.*.DownstreamNoiseMargin",
	"Device.DSL.Line.*.UpstreamAttenuation",
	"Device.DSL.Line.*.DownstreamAttenuation",
	"Device.DSL.Line.*.Stats.Total.ErroredSecs",
	"Device.DSL.Line.*.Stats.Total.SeverelyErroredSecs",
	"Device.DSL.Line.*.Stats.BytesSent",
	"Device.DSL.Line.*.Stats.BytesReceived",
	"Device.DeviceInfo.UpTime",
}

// pushKeyFile keeps a rotated push key in the data directory.
const pushKeyFile = "mqtt-push-key"

func init() {
	uciKeys["mqtt_telemetry_interval"] = func(c *Config, v string) error {
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return fmt.Errorf("want a number of seconds, got %q", v)
		}
		c.MQTT.TelemetryInterval = time.Duration(n) * time.Second
		if n == 0 {
			c.MQTT.TelemetryInterval = -1
		}
		return nil
	}
	uciKeys["mqtt_telemetry"] = func(c *Config, v string) error {
		c.MQTT.Telemetry = strings.Join(strings.Fields(v), " ")
		return nil
	}
}

// brokerDefaults turns `--mqtt-url` into the factory settings of
// Device.MQTT.Client.1: mqtt:// or tcp:// (port 1883), mqtts://, ssl://
// or tls:// (port 8883).
func brokerDefaults(raw string) (host string, port uint32, transport string, err error) {
	if raw == "" {
		return "", 0, "", nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", 0, "", fmt.Errorf("MQTT URL: %w", err)
	}
	switch u.Scheme {
	case "mqtt", "tcp":
		port, transport = 1883, "TCP/IP"
	case "mqtts", "ssl", "tls":
		port, transport = 8883, "TLS"
	default:
		return "", 0, "", fmt.Errorf("MQTT URL %q: want mqtt:// or mqtts://", raw)
	}
	host = u.Hostname()
	if host == "" || u.Path != "" && u.Path != "/" || u.User != nil {
		return "", 0, "", fmt.Errorf("MQTT URL %q: want scheme://host[:port] (credentials come from the ACS)", raw)
	}
	if p := u.Port(); p != "" {
		n, err := strconv.ParseUint(p, 10, 16)
		if err != nil || n == 0 {
			return "", 0, "", fmt.Errorf("MQTT URL %q: bad port", raw)
		}
		port = uint32(n)
	}
	return host, port, transport, nil
}

// loadPushAnchor reads the configured push key: a file, or the key inline.
func loadPushAnchor(v string) ([]byte, error) {
	if v == "" {
		return nil, nil
	}
	b, err := os.ReadFile(v)
	if errors.Is(err, fs.ErrNotExist) {
		// Not a file: the key itself, inline, or a file that is missing.
		if k, perr := mqttwire.ParsePublicKey([]byte(v)); perr == nil {
			return k, nil
		}
	}
	if err != nil {
		return nil, fmt.Errorf("MQTT push key: %w", err)
	}
	k, err := mqttwire.ParsePublicKey(b)
	if err != nil {
		return nil, fmt.Errorf("MQTT push key %s: %w", v, err)
	}
	return k, nil
}

// mqttLive forwards Device.MQTT.Client.1's status parameters to the lane,
// which is built after the tree that needs them.
type mqttLive struct{ m atomic.Pointer[connreq.MQTT] }

func (l *mqttLive) Status() string {
	if m := l.m.Load(); m != nil {
		return m.Status()
	}
	return connreq.StatusDisabled
}

func (l *mqttLive) Established() time.Time {
	if m := l.m.Load(); m != nil {
		return m.Established()
	}
	return time.Time{}
}

func (l *mqttLive) PublishSent() uint64 {
	if m := l.m.Load(); m != nil {
		return m.PublishSent()
	}
	return 0
}

func (l *mqttLive) PublishReceived() uint64 {
	if m := l.m.Load(); m != nil {
		return m.PublishReceived()
	}
	return 0
}

func (l *mqttLive) ConnectionErrors() uint64 {
	if m := l.m.Load(); m != nil {
		return m.ConnectionErrors()
	}
	return 0
}

// mqttPart is the lane of one (simulated) boot.
type mqttPart struct {
	_        incomparable
	a        *Agent
	deviceID string
	key      *connreq.PushKey // nil: no trust anchor configured
	live     mqttLive
	lane     atomic.Pointer[connreq.Lane]
}

// bindMQTT binds Device.MQTT.Client.1 on every platform, with the
// configuration's broker as the factory setting and the device ID as
// client ID and username (the broker's ACL knows devices by it). The ACS
// sets the password, and may change the rest, in its first session.
func (a *Agent) bindMQTT(reg *model.Registry, plat platform.Platform) (*mqttPart, error) {
	id := plat.Identity()
	dev := datamodel.DeviceID{OUI: id.ManufacturerOUI, ProductClass: id.ProductClass, SerialNumber: id.SerialNumber}.String()
	if !mqttwire.ValidDeviceID(dev) {
		return nil, fmt.Errorf("MQTT: device ID %q cannot name a topic", dev)
	}
	host, port, transport, err := brokerDefaults(a.cfg.MQTTURL)
	if err != nil {
		return nil, err
	}
	// A bad trust anchor stops the agent at start, where the operator
	// looks, rather than refusing every push later.
	anchor, err := loadPushAnchor(a.cfg.MQTT.PushKey)
	if err != nil {
		return nil, err
	}
	p := &mqttPart{a: a, deviceID: dev}
	if anchor != nil {
		p.key, err = connreq.LoadPushKey(anchor, filepath.Join(a.cfg.DataDir, pushKeyFile))
		if err != nil {
			return nil, err
		}
	} else if host != "" {
		a.log.Warn("no MQTT push key configured (option mqtt_push_key): pushes will be refused")
	}
	model.BindMQTTClient(reg, model.MQTTDefaults{
		Enable:            host != "",
		BrokerAddress:     host,
		BrokerPort:        port,
		TransportProtocol: transport,
		ClientID:          dev,
		Username:          dev,
	}, &p.live)
	return p, nil
}

// run runs the lane until ctx ends. trigger is the connection-request
// listener's own trigger, so both lanes start sessions the same way.
func (p *mqttPart) run(ctx context.Context, tree *model.Tree, trigger func()) error {
	a := p.a
	interval := a.cfg.MQTT.TelemetryInterval
	if interval == 0 {
		interval = DefaultTelemetryInterval
	}
	names := strings.Fields(a.cfg.MQTT.Telemetry)
	if len(names) == 0 {
		names = DefaultTelemetry
	}
	lane, err := connreq.NewLane(connreq.LaneOptions{
		DeviceID:          p.deviceID,
		Settings:          func(ctx context.Context) (connreq.MQTTSettings, error) { return p.settings(ctx, tree) },
		Key:               p.key,
		Trigger:           trigger,
		Apply:             tree,
		Telemetry:         func(ctx context.Context) (map[string]string, error) { return sample(ctx, tree, names) },
		TelemetryInterval: interval,
		Clock:             a.opts.clk,
		Logger:            a.log,
	})
	if err != nil {
		return err
	}
	p.lane.Store(lane)
	p.live.m.Store(lane.MQTT())
	for _, name := range mqttSettingNames {
		tree.Watch(model.MQTTClientPath+name, func(string) { lane.Reconfigure() })
	}
	return lane.Run(ctx)
}

// mqttSettingNames are the parameters of Device.MQTT.Client.1 a
// connection is made from; a change to any of them reconnects. settings
// reads them into an array indexed by the mq* constants (a map keyed by
// name cost a hashed lookup call per field in the router binary).
var mqttSettingNames = []string{
	mqEnable: "Enable", mqBrokerAddress: "BrokerAddress", mqBrokerPort: "BrokerPort",
	mqTransportProtocol: "TransportProtocol", mqProtocolVersion: "ProtocolVersion", mqClientID: "ClientID",
	mqUsername: "Username", mqPassword: "Password", mqKeepAliveTime: "KeepAliveTime",
	mqConnectRetryTime: "ConnectRetryTime", mqConnectRetryIntervalMultiplier: "ConnectRetryIntervalMultiplier",
	mqConnectRetryMaxInterval: "ConnectRetryMaxInterval",
}

const (
	mqEnable = iota
	mqBrokerAddress
	mqBrokerPort
	mqTransportProtocol
	mqProtocolVersion
	mqClientID
	mqUsername
	mqPassword
	mqKeepAliveTime
	mqConnectRetryTime
	mqConnectRetryIntervalMultiplier
	mqConnectRetryMaxInterval
	mqSettingCount
)

// settings reads Device.MQTT.Client.1 as it is now.
func (p *mqttPart) settings(ctx context.Context, tree *model.Tree) (connreq.MQTTSettings, error) {
	var v [mqSettingCount]string
	for i, name := range mqttSettingNames {
		s, err := tree.Value(ctx, model.MQTTClientPath+name)
		if err != nil {
			return connreq.MQTTSettings{}, err
		}
		v[i] = s
	}
	var n [mqSettingCount]uint64
	for _, i := range []int{mqBrokerPort, mqKeepAliveTime, mqConnectRetryTime, mqConnectRetryIntervalMultiplier, mqConnectRetryMaxInterval} {
		n[i], _ = strconv.ParseUint(v[i], 10, 32) // the schema validated it
	}
	port := n[mqBrokerPort]
	if port > 65535 {
		return connreq.MQTTSettings{}, errors.New("MQTT: BrokerPort out of range")
	}
	host := v[mqBrokerAddress]
	// A bracketed IPv6 literal is written without its brackets here.
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if ip := net.ParseIP(host); ip == nil && strings.ContainsAny(host, "/ ") {
		return connreq.MQTTSettings{}, fmt.Errorf("MQTT: BrokerAddress %q is not a host", host)
	}
	s := connreq.MQTTSettings{
		Enable:          v[mqEnable] == "true" || v[mqEnable] == "1",
		Host:            host,
		Port:            uint16(port),
		TLS:             v[mqTransportProtocol] == "TLS",
		ClientID:        v[mqClientID],
		Username:        v[mqUsername],
		Password:        v[mqPassword],
		ProtocolVersion: v[mqProtocolVersion],
		KeepAlive:       time.Duration(n[mqKeepAliveTime]) * time.Second,
		RetryMin:        time.Duration(n[mqConnectRetryTime]) * time.Second,
		RetryMultiplier: uint32(n[mqConnectRetryIntervalMultiplier]),
		RetryMax:        time.Duration(n[mqConnectRetryMaxInterval]) * time.Second,
	}
	if s.TLS && p.a.roots != nil {
		s.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: p.a.roots}
	}
	return s, nil
}

// sample reads the telemetry parameters as the ACS would see them
// (hidden values stay empty); names the device lacks are skipped.
func sample(ctx context.Context, tree *model.Tree, names []string) (map[string]string, error) {
	out := map[string]string{}
	for _, n := range names {
		list, err := tree.GetParameterValues(ctx, []string{n})
		if err != nil {
			continue
		}
		for _, pv := range list {
			if len(out) >= mqttwire.MaxTelemetryVals {
				return out, nil
			}
			out[pv.Name] = pv.Value
		}
	}
	return out, nil
}

// MQTTStatus is Device.MQTT.Client.1.Status of the running agent
// ("Disabled" before Run has built the lane).
func (a *Agent) MQTTStatus() string {
	a.mu.Lock()
	cur := a.current
	a.mu.Unlock()
	if cur == nil || cur.mqtt == nil {
		return connreq.StatusDisabled
	}
	return cur.mqtt.live.Status()
}

// MQTTGroups is the group list the ACS last sent the running agent.
func (a *Agent) MQTTGroups() []string {
	a.mu.Lock()
	cur := a.current
	a.mu.Unlock()
	if cur == nil || cur.mqtt == nil {
		return nil
	}
	if l := cur.mqtt.lane.Load(); l != nil {
		return l.Groups()
	}
	return nil
}
