package mqttclient

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"log/slog"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/listeners"
	mpackets "github.com/mochi-mqtt/server/v2/packets"
)

const (
	testUser = "dev1"
	testPass = "s3cret"
)

// mochiBroker is an embedded broker on loopback: one account, topics
// containing "denied" refused to subscribers, a TLS listener beside the
// plain one, and every message (wills included) recorded.
type mochiBroker struct {
	t         *testing.T
	srv       *mochi.Server
	plain, tl string
	ca        *x509.CertPool

	mu   sync.Mutex
	msgs []mpackets.Packet
	cond chan struct{}
}

type mochiAuth struct{ mochi.HookBase }

func (h *mochiAuth) ID() string { return "test-auth" }
func (h *mochiAuth) Provides(b byte) bool {
	return b == mochi.OnConnectAuthenticate || b == mochi.OnACLCheck
}
func (h *mochiAuth) OnConnectAuthenticate(_ *mochi.Client, pk mpackets.Packet) bool {
	return string(pk.Connect.Username) == testUser && bytes.Equal(pk.Connect.Password, []byte(testPass))
}
func (h *mochiAuth) OnACLCheck(_ *mochi.Client, topic string, _ bool) bool {
	return !strings.Contains(topic, "denied")
}

func startMochi(t *testing.T) *mochiBroker {
	t.Helper()
	b := &mochiBroker{t: t, cond: make(chan struct{})}
	b.srv = mochi.New(&mochi.Options{InlineClient: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err := b.srv.AddHook(&mochiAuth{}, nil); err != nil {
		t.Fatal(err)
	}
	cert, pool := testServerCert(t)
	b.ca = pool
	b.plain, b.tl = freeAddr(t), freeAddr(t)
	if err := b.srv.AddListener(listeners.NewTCP(listeners.Config{ID: "plain", Address: b.plain})); err != nil {
		t.Fatal(err)
	}
	tc := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if err := b.srv.AddListener(listeners.NewTCP(listeners.Config{ID: "tls", Address: b.tl, TLSConfig: tc})); err != nil {
		t.Fatal(err)
	}
	if err := b.srv.Subscribe("#", 1, func(_ *mochi.Client, _ mpackets.Subscription, pk mpackets.Packet) {
		b.mu.Lock()
		pk.Payload = bytes.Clone(pk.Payload)
		b.msgs = append(b.msgs, pk)
		close(b.cond)
		b.cond = make(chan struct{})
		b.mu.Unlock()
	}); err != nil {
		t.Fatal(err)
	}
	go func() { _ = b.srv.Serve() }()
	for _, a := range []string{b.plain, b.tl} {
		waitDial(t, a)
	}
	t.Cleanup(func() { b.srv.Close() })
	return b
}

// waitFor returns the first recorded message on topic, waiting up to 5 s.
func (b *mochiBroker) waitFor(topic string) mpackets.Packet {
	b.t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		b.mu.Lock()
		cond := b.cond
		for _, m := range b.msgs {
			if m.TopicName == topic {
				b.mu.Unlock()
				return m
			}
		}
		b.mu.Unlock()
		select {
		case <-cond:
		case <-deadline:
			b.t.Fatalf("nothing published on %s", topic)
		}
	}
}

func (b *mochiBroker) count(topic string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, m := range b.msgs {
		if m.TopicName == topic {
			n++
		}
	}
	return n
}

// waitGone waits until the broker has finished with client id (its will,
// if any, is out by then).
func (b *mochiBroker) waitGone(id string) {
	b.t.Helper()
	waitCond(b.t, "broker forgets "+id, func() bool { _, ok := b.srv.Clients.Get(id); return !ok })
}

func (b *mochiBroker) publish(topic string, payload []byte, qos byte) {
	b.t.Helper()
	if err := b.srv.Publish(topic, payload, false, qos); err != nil {
		b.t.Fatal(err)
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func waitDial(t *testing.T, addr string) {
	t.Helper()
	waitCond(t, "listening on "+addr, func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
}

func waitCond(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 5s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// testServerCert makes a CA and, signed by it, a certificate for
// 127.0.0.1 and "broker.test".
func testServerCert(t *testing.T) (tls.Certificate, *x509.CertPool) {
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
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "broker.test"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), DNSNames: []string{"broker.test"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(caCert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}
