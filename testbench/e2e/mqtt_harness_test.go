package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/listeners"
	"github.com/mochi-mqtt/server/v2/packets"

	"gatewarden/acs/server"
	"gatewarden/cpe-agent/agent"
	"gatewarden/protocol/cwmp"
	"gatewarden/protocol/datamodel"
)

// What the MQTT lane's tests share (the ACS is startACSWith's, its
// broker on loopback): agents that join the lane, and a broker the test itself
// runs (playing an operator's external broker that an attacker has
// taken over, so the test can inject tampered and replayed bundles that
// the embedded broker's ACL would never let anyone but the ACS publish).

// pushKeyFile writes the public half of the ACS's push key where an
// agent's configuration points (the package would ship it).
func pushKeyFile(t testing.TB, acsDir string) string {
	t.Helper()
	pem, err := server.PushPublicKey(acsDir)
	if err != nil {
		t.Fatalf("push key: %v", err)
	}
	file := filepath.Join(t.TempDir(), "push.pub")
	if err := os.WriteFile(file, pem, 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// laneDevice is one real agent on the lane, behind its own wiretap for
// CWMP. applied counts the bundles it applied (from its log: the agent
// says "push applied" once per application).
type laneDevice struct {
	simDevice
	Agent   *agent.Agent
	applied atomic.Int32
	stop    context.CancelFunc
	done    chan error
	cfg     agent.Config
	opts    []agent.Option
}

// startLaneDevices runs n agents like startDevices, configured for the
// MQTT lane with broker brokerURL and the push key in keyFile.
func startLaneDevices(t *testing.T, cwmpURL string, secret []byte, prefix string, n int, brokerURL, keyFile string) []*laneDevice {
	t.Helper()
	return startLaneDevicesWith(t, cwmpURL, secret, prefix, n, brokerURL, keyFile, nil)
}

// startLaneDevicesWith is startLaneDevices with tune adjusting each
// device's configuration before it starts.
func startLaneDevicesWith(t *testing.T, cwmpURL string, secret []byte, prefix string, n int, brokerURL, keyFile string, tune func(*laneDevice)) []*laneDevice {
	t.Helper()
	var devs []*laneDevice
	for i := range n {
		serial := fmt.Sprintf("%s%06d", prefix, i+1)
		tap := newWiretap(t, cwmpURL)
		cfg := agent.DefaultConfig()
		cfg.Platform = "sim"
		cfg.ACSURL = tap.URL()
		cfg.DataDir = filepath.Join(t.TempDir(), serial)
		cfg.Serial = serial
		cfg.ProductClass = "SIM"
		cfg.ConnReqAddr = "127.0.0.1:0"
		cfg.PeriodicInformInterval = time.Hour
		cfg.ACSUsername = serial
		cfg.ACSPassword = server.CPEPassword(secret, serial)
		cfg.MQTTURL = brokerURL
		cfg.MQTT.PushKey = keyFile
		cfg.MQTT.TelemetryInterval = -1
		id := datamodel.DeviceID{OUI: cfg.OUI, ProductClass: cfg.ProductClass, SerialNumber: serial}.String()
		d := &laneDevice{simDevice: simDevice{Serial: serial, ID: id, Tap: tap}, cfg: cfg}
		d.opts = []agent.Option{agent.WithLogger(slog.New(&applyCounter{
			next: testLogger().With("part", "agent", "device", serial).Handler(), n: &d.applied}))}
		if tune != nil {
			tune(d)
		}
		d.start(t)
		devs = append(devs, d)
	}
	// Registered after the taps' cleanups, so it runs before them: agents
	// stop while their taps still answer.
	t.Cleanup(func() {
		for _, d := range devs {
			d.halt(t)
		}
	})
	return devs
}

// start runs the agent on its data directory (again, after halt).
func (d *laneDevice) start(t *testing.T) {
	t.Helper()
	a, err := agent.New(d.cfg, d.opts...)
	if err != nil {
		t.Fatalf("agent %s: %v", d.Serial, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	d.Agent, d.stop, d.done = a, cancel, make(chan error, 1)
	go func() { d.done <- a.Run(ctx) }()
}

// comeBackTagged restarts the agents after their first session and the
// test's tagging, so they connect to the broker as members of their
// groups (the ACS sends a device its group list when it comes online),
// and waits for the session their restart causes (their connection-
// request URL moved: "4 VALUE CHANGE") to end, so that no CWMP session
// runs into the push the test makes next.
func comeBackTagged(t *testing.T, devs []*laneDevice, group string) {
	t.Helper()
	marks := make([]int, len(devs))
	for i, d := range devs {
		marks[i] = d.Tap.mark()
		d.halt(t)
		d.start(t)
	}
	for i, d := range devs {
		d.Tap.waitFor(t, marks[i], eventWithin, d.Serial+"'s session after its restart", func(log []exchange) bool {
			return sessionEnded(log, cwmp.EventValueChange)
		})
	}
	waitOnLane(t, eventWithin, laneAgents(devs))
	for _, d := range devs {
		eventually(t, eventWithin, d.Serial+" subscribed to its group", func() bool {
			g := d.Agent.MQTTGroups()
			return len(g) == 1 && g[0] == group
		})
	}
}

// halt stops the agent, as SIGTERM does.
func (d *laneDevice) halt(t *testing.T) {
	if d.stop == nil {
		return
	}
	d.stop()
	d.stop = nil
	select {
	case err := <-d.done:
		if err != nil {
			t.Errorf("agent %s: %v", d.Serial, err)
		}
	case <-time.After(20 * time.Second):
		t.Errorf("agent %s did not stop", d.Serial)
	}
}

// applyCounter counts the agent's "push applied" records and passes
// every record on.
type applyCounter struct {
	next slog.Handler
	n    *atomic.Int32
}

func (h *applyCounter) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelInfo || h.next.Enabled(ctx, l)
}

func (h *applyCounter) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == "push applied" {
		h.n.Add(1)
	}
	if h.next.Enabled(ctx, r.Level) {
		return h.next.Handle(ctx, r)
	}
	return nil
}

func (h *applyCounter) WithAttrs(as []slog.Attr) slog.Handler {
	return &applyCounter{next: h.next.WithAttrs(as), n: h.n}
}

func (h *applyCounter) WithGroup(g string) slog.Handler {
	return &applyCounter{next: h.next.WithGroup(g), n: h.n}
}

// waitOnLane waits until every agent is connected to its broker (which
// needs the password the ACS sets in the first session).
func waitOnLane(t *testing.T, within time.Duration, agents func(yield func(string, *agent.Agent) bool)) {
	t.Helper()
	deadline := time.Now().Add(within)
	for serial, a := range agents {
		for a.MQTTStatus() != "Connected" {
			if time.Now().After(deadline) {
				t.Fatalf("%s: MQTT status %q, not on the lane within %s", serial, a.MQTTStatus(), within)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

func laneAgents(devs []*laneDevice) func(yield func(string, *agent.Agent) bool) {
	return func(yield func(string, *agent.Agent) bool) {
		for _, d := range devs {
			if !yield(d.Serial, d.Agent) {
				return
			}
		}
	}
}

// agentValue reads a parameter from an in-process agent.
func agentValue(t testing.TB, a *agent.Agent, path string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	v, err := a.Value(ctx, path)
	if err != nil {
		t.Fatalf("reading %s: %v", path, err)
	}
	return v
}

// pushView is the API's push object (GET /pushes/{id}).
type pushView struct {
	ID      string `json:"id"`
	Version string `json:"version"`
	Group   string `json:"group"`
	Counts  struct {
		Total, Pending, Applied, Unchanged, Converged, Fault, Rejected int
	} `json:"counts"`
	Deliveries []struct {
		Device string `json:"device"`
		Status string `json:"status"`
	} `json:"deliveries"`
	Next string `json:"next"`
}

func (c *apiClient) push(id string) pushView {
	c.t.Helper()
	var p pushView
	c.do("GET", "/api/v1/pushes/"+id, nil, &p, http.StatusOK)
	return p
}

// deliveries lists every device's delivery status of a push.
func (c *apiClient) deliveries(id string) map[string]string {
	c.t.Helper()
	out := map[string]string{}
	after := ""
	for {
		var p pushView
		c.do("GET", "/api/v1/pushes/"+id+"?limit=1000&after="+after, nil, &p, http.StatusOK)
		for _, d := range p.Deliveries {
			out[d.Device] = d.Status
		}
		if p.Next == "" || len(p.Deliveries) == 0 {
			return out
		}
		after = p.Next
	}
}

// putPreset stores a preset setting one value for the devices tagged tag.
func (c *apiClient) putPreset(name, tag, param, value string) {
	c.t.Helper()
	c.do("PUT", "/api/v1/presets/"+name, map[string]any{
		"filter": "tag = \"" + tag + "\"",
		"values": []map[string]string{{"name": param, "value": value}},
	}, nil, http.StatusOK, http.StatusCreated)
}

// fastRetry makes every device retry its MQTT connection once a second
// (TR-181's ConnectRetryTime, set by a preset over CWMP in the first
// session), so tests that keep devices off the broker for a while do not
// wait out the default backoff.
func (c *apiClient) fastRetry() {
	c.t.Helper()
	c.do("PUT", "/api/v1/presets/lane-fast-retry", map[string]any{
		"filter": "",
		"values": []map[string]string{
			{"name": "Device.MQTT.Client.1.ConnectRetryTime", "value": "1"},
			{"name": "Device.MQTT.Client.1.ConnectRetryIntervalMultiplier", "value": "1000"},
		},
	}, nil, http.StatusOK, http.StatusCreated)
}

// startPush pushes a preset to a group: 202 and the push.
func (c *apiClient) startPush(preset, group string) pushView {
	c.t.Helper()
	var p pushView
	c.do("POST", "/api/v1/presets/"+preset+"/push", map[string]string{"group": group}, &p, http.StatusAccepted)
	return p
}

func (c *apiClient) tag(id, tag string) {
	c.t.Helper()
	c.do("PUT", devicePath(id)+"/tags/"+tag, nil, nil, http.StatusOK, http.StatusNoContent, http.StatusCreated)
}

// percentile is the nearest-rank percentile p (0-100) of ds.
func percentile(ds []time.Duration, p float64) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	k := int(float64(len(s))*p/100+0.999999) - 1
	if k < 0 {
		k = 0
	}
	return s[k]
}

// rogueBroker is an MQTT broker the test runs in-process: the ACS uses it
// as its external broker (user "acs"), devices log in with the password
// the ACS derives for them, and the test can publish anything on it and
// sees everything published.
type rogueBroker struct {
	t      *testing.T
	srv    *mochi.Server
	addr   string
	secret []byte

	mu     sync.Mutex
	msgs   []published
	closed bool // devices are refused
}

type published struct {
	At      time.Time
	Topic   string
	Payload []byte
}

const rogueACSPassword = "acs-account-secret"

type rogueAuth struct {
	mochi.HookBase
	b *rogueBroker
}

func (h *rogueAuth) ID() string { return "rogue-auth" }
func (h *rogueAuth) Provides(b byte) bool {
	return b == mochi.OnConnectAuthenticate || b == mochi.OnACLCheck
}
func (h *rogueAuth) OnConnectAuthenticate(cl *mochi.Client, pk packets.Packet) bool {
	user, pass := string(pk.Connect.Username), string(pk.Connect.Password)
	if user == "acs" {
		return pass == rogueACSPassword
	}
	h.b.mu.Lock()
	secret, closed := h.b.secret, h.b.closed
	h.b.mu.Unlock()
	return !closed && user != "" && secret != nil && cl.ID == user && pass == server.MQTTPassword(secret, user)
}
func (h *rogueAuth) OnACLCheck(*mochi.Client, string, bool) bool { return true }

func startRogueBroker(t *testing.T, secret []byte) *rogueBroker {
	t.Helper()
	b := &rogueBroker{t: t, addr: freePort(t), secret: secret}
	caps := mochi.NewDefaultServerCapabilities()
	// The ACS's one client carries every device's traffic: a quota of
	// unacknowledged messages (QoS 1) below the fleet's size would cut it
	// off in a burst (a thousand group lists at once).
	caps.MaximumInflight = 65535
	caps.ReceiveMaximum = 65535
	// Small per-client buffers, as the embedded broker has, so a thousand
	// devices fit in one test process.
	caps.MaximumClientWritesPending = 4096
	caps.MaximumClients = 100000
	b.srv = mochi.New(&mochi.Options{
		Capabilities:             caps,
		ClientNetReadBufferSize:  4096,
		ClientNetWriteBufferSize: 4096,
		InlineClient:             true,
		SysTopicResendInterval:   3600,
		Logger:                   slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err := b.srv.AddHook(&rogueAuth{b: b}, nil); err != nil {
		t.Fatal(err)
	}
	if err := b.srv.AddListener(listeners.NewTCP(listeners.Config{ID: "rogue", Address: b.addr})); err != nil {
		t.Fatal(err)
	}
	if err := b.srv.Subscribe("gw/v1/#", 1, func(_ *mochi.Client, _ packets.Subscription, pk packets.Packet) {
		b.mu.Lock()
		b.msgs = append(b.msgs, published{At: time.Now(), Topic: pk.TopicName, Payload: bytes.Clone(pk.Payload)})
		b.mu.Unlock()
	}); err != nil {
		t.Fatal(err)
	}
	go func() { _ = b.srv.Serve() }()
	deadline := time.Now().Add(eventWithin)
	for {
		c, err := net.Dial("tcp", b.addr)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("rogue broker: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Cleanup(func() { b.srv.Close() })
	return b
}

// admitDevices lets devices in (true) or refuses them (false).
func (b *rogueBroker) admitDevices(ok bool) {
	b.mu.Lock()
	b.closed = !ok
	b.mu.Unlock()
}

// setSecret gives the broker the ACS's fleet secret, from which device
// passwords derive (the ACS is started after the broker it connects to).
func (b *rogueBroker) setSecret(secret []byte) {
	b.mu.Lock()
	b.secret = secret
	b.mu.Unlock()
}

// externalURL is what the ACS gets as --mqtt-external: its own account,
// and no access-list management (this broker lets everyone do anything).
func (b *rogueBroker) externalURL() string {
	return "mqtt://acs:" + rogueACSPassword + "@" + b.addr + "?acl=none"
}

func (b *rogueBroker) publish(topic string, payload []byte, retained bool) {
	b.t.Helper()
	if err := b.srv.Publish(topic, payload, retained, 1); err != nil {
		b.t.Fatal(err)
	}
}

// since returns the messages from position from on, whose topic ends in
// suffix.
func (b *rogueBroker) since(from int, suffix string) []published {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []published
	for _, m := range b.msgs[min(from, len(b.msgs)):] {
		if strings.HasSuffix(m.Topic, suffix) {
			out = append(out, m)
		}
	}
	return out
}

func (b *rogueBroker) mark() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.msgs)
}
