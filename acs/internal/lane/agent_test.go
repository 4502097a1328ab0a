package lane

import (
	"crypto/ed25519"
	"net"
	"net/url"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"gatewarden/protocol/mqttwire"
)

// testAgent is the agent side of the lane reduced to what the ACS half
// needs to be tested against: it verifies bundles with the trusted key,
// applies each at most once (ParameterKey), and acks.
type testAgent struct {
	t       *testing.T
	id      string
	trusted ed25519.PublicKey
	cl      paho.Client
	conn    net.Conn // the TCP connection, to kill it without DISCONNECT
	guard   mqttwire.ReplayGuard

	mu        sync.Mutex
	paramKey  string
	values    map[string]string
	applied   int
	rejected  int
	groups    map[string]bool
	crs       int
	rotations int
}

func startAgent(t *testing.T, brokerURL, id, password string, trusted ed25519.PublicKey, paramKey string) *testAgent {
	t.Helper()
	a := &testAgent{t: t, id: id, trusted: trusted, paramKey: paramKey, values: map[string]string{}, groups: map[string]bool{}}
	since := mqttwire.Millis(time.Now())
	will, _ := mqttwire.State{Online: false, Time: since}.Encode()
	opts := paho.NewClientOptions().AddBroker(brokerURL).SetClientID(id).SetUsername(id).SetPassword(password).
		SetKeepAlive(30*time.Second).SetBinaryWill(mqttwire.DeviceTopic(id, mqttwire.KindState), will, 1, true).
		SetAutoReconnect(false).SetOrderMatters(false).
		SetCustomOpenConnectionFn(func(uri *url.URL, _ paho.ClientOptions) (net.Conn, error) {
			c, err := net.Dial("tcp", uri.Host)
			a.conn = c
			return c, err
		})
	a.cl = paho.NewClient(opts)
	if tok := a.cl.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("agent %s connect: %v", id, tok.Error())
	}
	t.Cleanup(func() { a.cl.Disconnect(0) })
	filters := map[string]byte{}
	for _, f := range mqttwire.DeviceSubscriptions(id) {
		filters[f] = 1
	}
	if tok := a.cl.SubscribeMultiple(filters, a.onMessage); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("agent %s subscribe: %v", id, tok.Error())
	}
	on, _ := mqttwire.State{Online: true, Time: since}.Encode()
	a.cl.Publish(mqttwire.DeviceTopic(id, mqttwire.KindState), 1, true, on).WaitTimeout(5 * time.Second)
	return a
}

func (a *testAgent) onMessage(_ paho.Client, m paho.Message) {
	t, err := mqttwire.ParseTopic(m.Topic())
	if err != nil {
		return
	}
	switch {
	case t.Kind == mqttwire.KindGroups:
		g, err := mqttwire.DecodeGroups(m.Payload())
		if err != nil {
			return
		}
		for _, name := range g.Groups {
			a.mu.Lock()
			seen := a.groups[name]
			a.groups[name] = true
			a.mu.Unlock()
			if !seen {
				a.cl.Subscribe(mqttwire.GroupPushTopic(name), 1, a.onMessage)
			}
		}
	case t.Kind == mqttwire.KindConnReq:
		if _, err := mqttwire.DecodeConnectionRequest(m.Payload()); err == nil {
			a.mu.Lock()
			a.crs++
			a.mu.Unlock()
		}
	case t.Kind == mqttwire.KindPush:
		a.mu.Lock()
		trusted := a.trusted
		a.mu.Unlock()
		p, err := mqttwire.AcceptPush(m.Topic(), m.Payload(), trusted, &a.guard, time.Now())
		if err != nil {
			a.mu.Lock()
			a.rejected++
			a.mu.Unlock()
			return
		}
		if p.Kind == mqttwire.PushKeyRotation {
			a.mu.Lock()
			a.trusted = ed25519.PublicKey(p.NewKey)
			a.rotations++
			a.mu.Unlock()
			return
		}
		a.mu.Lock()
		status := mqttwire.AckUnchanged
		if a.paramKey != p.Version {
			for _, v := range p.Values {
				a.values[v.Name] = v.Value
			}
			a.paramKey = p.Version
			a.applied++
			status = mqttwire.AckApplied
		}
		a.mu.Unlock()
		ack, _ := mqttwire.Ack{ID: p.ID, Time: mqttwire.Millis(time.Now()), Version: p.Version, Status: status}.Encode()
		a.cl.Publish(mqttwire.DeviceTopic(a.id, mqttwire.KindAck), 1, false, ack)
	}
}

func (a *testAgent) state() (applied, rejected int, key string, values map[string]string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	vs := map[string]string{}
	for k, v := range a.values {
		vs[k] = v
	}
	return a.applied, a.rejected, a.paramKey, vs
}

func (a *testAgent) inGroup(g string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.groups[g]
}
