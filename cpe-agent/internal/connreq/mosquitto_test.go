package connreq

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"gatewarden/protocol/mqttwire"
)

// mosquittoRig is a real mosquitto from Debian on loopback, with a
// password file and an ACL in the shape of the lane's (the device reads
// only its own topics and the fleet's, writes only its own state and
// ack), a plain and a TLS listener, and an "acs" account that may do
// anything.
type mosquittoRig struct {
	plain, tlsPort int
	ca             *x509.CertPool
}

const mosqACSPass = "acs-pass"

func startMosquitto(t *testing.T, dev, pass string) *mosquittoRig {
	t.Helper()
	bin, err := exec.LookPath("mosquitto")
	if err != nil {
		if _, err2 := os.Stat("/usr/sbin/mosquitto"); err2 != nil {
			t.Skip("mosquitto is not installed (Debian package mosquitto; testbench/setup.d/mqtt.list installs it)")
		}
		bin = "/usr/sbin/mosquitto"
	}
	dir := t.TempDir()
	passwd := filepath.Join(dir, "passwd")
	for i, up := range [][2]string{{dev, pass}, {"acs", mosqACSPass}} {
		args := []string{"-b", passwd, up[0], up[1]}
		if i == 0 {
			args = append([]string{"-c"}, args...)
		}
		if out, err := exec.Command("mosquitto_passwd", args...).CombinedOutput(); err != nil {
			t.Skipf("mosquitto_passwd (Debian package mosquitto) failed: %v: %s", err, out)
		}
	}
	acl := fmt.Sprintf(`user acs
topic readwrite #

user %[1]s
topic read gw/v1/d/%[1]s/cr
topic read gw/v1/d/%[1]s/push
topic read gw/v1/d/%[1]s/groups
topic read gw/v1/fleet/push
topic write gw/v1/d/%[1]s/state
topic write gw/v1/d/%[1]s/ack
topic write gw/v1/d/%[1]s/telemetry
`, dev)
	writeTestFile(t, filepath.Join(dir, "acl"), acl)
	caPEM, certPEM, keyPEM, pool := testCerts(t)
	writeTestFile(t, filepath.Join(dir, "ca.pem"), string(caPEM))
	writeTestFile(t, filepath.Join(dir, "cert.pem"), string(certPEM))
	writeTestFile(t, filepath.Join(dir, "key.pem"), string(keyPEM))
	r := &mosquittoRig{plain: freeTCPPort(t), tlsPort: freeTCPPort(t), ca: pool}
	// Run as root (CI), mosquitto would drop to its own user, which
	// cannot read the test's private directory: stay who we are.
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	conf := fmt.Sprintf(`per_listener_settings false
user %[4]s
allow_anonymous false
password_file %[1]s/passwd
acl_file %[1]s/acl
persistence false
log_dest stderr
log_type error
log_type warning
listener %[2]d 127.0.0.1
listener %[3]d 127.0.0.1
cafile %[1]s/ca.pem
certfile %[1]s/cert.pem
keyfile %[1]s/key.pem
`, dir, r.plain, r.tlsPort, me.Username)
	writeTestFile(t, filepath.Join(dir, "mosquitto.conf"), conf)
	var out bytes.Buffer
	cmd := exec.Command(bin, "-c", filepath.Join(dir, "mosquitto.conf"))
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting mosquitto: %v", err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for _, port := range []int{r.plain, r.tlsPort} {
		deadline := time.Now().Add(10 * time.Second)
		for {
			c, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port))
			if err == nil {
				c.Close()
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("mosquitto not listening on %d: %v\n%s", port, err, out.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return r
}

// acsClient connects to the rig as the "acs" account.
func (r *mosquittoRig) acsClient(t *testing.T) paho.Client {
	t.Helper()
	c := paho.NewClient(paho.NewClientOptions().AddBroker("tcp://127.0.0.1:" + strconv.Itoa(r.plain)).
		SetClientID("test-acs").SetUsername("acs").SetPassword(mosqACSPass))
	if tok := c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("acs client: %v", tok.Error())
	}
	t.Cleanup(func() { c.Disconnect(0) })
	return c
}

func freeTCPPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func writeTestFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

// testCerts makes a CA and a server certificate for 127.0.0.1.
func testCerts(t *testing.T) (caPEM, certPEM, keyPEM []byte, pool *x509.CertPool) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(caCert)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), pool
}

// TestLaneAgainstMosquitto: the agent's client against a real mosquitto
// over TLS (the CA from the configuration), with the lane's ACL: it
// connects, gets its own topics and the fleet's, is refused a group the
// ACL does not grant (and does not count it as subscribed), reacts to a
// connection request, and leaves its state retained on the broker.
func TestLaneAgainstMosquitto(t *testing.T) {
	const dev, pass = "0090F5-SIM-MOSQ01", "device-pass"
	r := startMosquitto(t, dev, pass)
	var crs atomic.Int32
	lane, err := NewLane(LaneOptions{
		DeviceID: dev,
		Settings: func(context.Context) (MQTTSettings, error) {
			return MQTTSettings{Enable: true, Host: "127.0.0.1", Port: uint16(r.tlsPort), TLS: true,
				TLSConfig: &tls.Config{RootCAs: r.ca}, ClientID: dev, Username: dev, Password: pass,
				KeepAlive: 30 * time.Second}, nil
		},
		Trigger: func() { crs.Add(1) },
		Apply:   &fakeApplier{},
		Logger:  testLog(),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { lane.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	waitUntil(t, 10*time.Second, "connected over TLS", func() bool { return lane.MQTT().Status() == StatusConnected })
	for _, topic := range mqttwire.DeviceSubscriptions(dev) {
		if !subscribed(lane, topic) {
			t.Errorf("not subscribed to %s", topic)
		}
	}

	acs := r.acsClient(t)
	groups, err := mqttwire.Groups{ID: "g1", Time: mqttwire.Millis(time.Now()), Groups: []string{"pilot"}}.Encode()
	if err != nil {
		t.Fatal(err)
	}
	acs.Publish(mqttwire.DeviceTopic(dev, mqttwire.KindGroups), 1, true, groups).Wait()
	waitUntil(t, 10*time.Second, "group list", func() bool { return len(lane.Groups()) == 1 })
	// mosquitto grants a SUBSCRIBE its ACL does not allow and enforces the
	// ACL when it delivers: a push on the group nobody granted the device
	// never reaches it. The connection request published after it shows
	// the broker has delivered everything before it.
	waitUntil(t, 10*time.Second, "group subscription", func() bool { return subscribed(lane, mqttwire.GroupPushTopic("pilot")) })
	recv := lane.MQTT().PublishReceived()
	acs.Publish(mqttwire.GroupPushTopic("pilot"), 1, false, []byte(`{}`)).Wait()
	cr, _ := mqttwire.ConnectionRequest{ID: "m1", Time: mqttwire.Millis(time.Now())}.Encode()
	acs.Publish(mqttwire.DeviceTopic(dev, mqttwire.KindConnReq), 1, false, cr).Wait()
	waitUntil(t, 10*time.Second, "connection request", func() bool { return crs.Load() == 1 })
	if got := lane.MQTT().PublishReceived() - recv; got != 1 {
		t.Errorf("%d messages reached the device, want 1 (the ACL keeps the group's push away)", got)
	}

	// The retained state on the broker says online.
	got := make(chan []byte, 4)
	acs.Subscribe(mqttwire.DeviceTopic(dev, mqttwire.KindState), 1, func(_ paho.Client, m paho.Message) { got <- m.Payload() }).Wait()
	select {
	case b := <-got:
		if s, err := mqttwire.DecodeState(b); err != nil || !s.Online {
			t.Errorf("retained state %s, want online", b)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no retained state on the broker")
	}
}

// TestLaneMosquittoRefusesWrongPassword: mosquitto's refusal is a
// configuration problem in TR-181's terms, and retried with backoff.
func TestLaneMosquittoRefusesWrongPassword(t *testing.T) {
	const dev = "0090F5-SIM-MOSQ02"
	r := startMosquitto(t, dev, "right")
	lane, err := NewLane(LaneOptions{
		DeviceID: dev,
		Settings: func(context.Context) (MQTTSettings, error) {
			return MQTTSettings{Enable: true, Host: "127.0.0.1", Port: uint16(r.plain), ClientID: dev, Username: dev,
				Password: "wrong", RetryMin: 20 * time.Millisecond, RetryMultiplier: 1000, RetryMax: 20 * time.Millisecond}, nil
		},
		Trigger: func() {},
		Apply:   &fakeApplier{},
		Logger:  testLog(),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { lane.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	waitUntil(t, 10*time.Second, "refused twice", func() bool { return lane.MQTT().ConnectionErrors() >= 2 })
	waitUntil(t, 5*time.Second, "status "+StatusMisconfigured, func() bool { return lane.MQTT().Status() == StatusMisconfigured })
}
