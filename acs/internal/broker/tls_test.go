package broker

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gatewarden/protocol/mqttwire"
)

// selfSigned returns a TLS certificate for 127.0.0.1 and its PEM.
func selfSigned(t *testing.T) (tls.Certificate, []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "gatewarden test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// The TLS listener applies the same rules; a real client checks the
// ACS's certificate.
func TestEmbeddedTLS(t *testing.T) {
	cert, caPEM := selfSigned(t)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, caPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	pw := NewPasswords([]byte("fleet secret for tests"))
	e, err := NewEmbedded(EmbeddedConfig{TLSAddr: "127.0.0.1:0", TLS: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
		Passwords: pw, Devices: testDevices()})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if e.Addr() != nil {
		t.Fatal("a plain listener without Addr")
	}
	port := e.TLSAddr().(*net.TCPAddr).Port
	run := func(l login, extra ...string) (string, error) {
		args := append(clientArgs(port, l), "--cafile", ca, "-t", mqttwire.DeviceTopic(devA, mqttwire.KindConnReq), "-C", "1", "-W", "5")
		return runTool(t, "mosquitto_sub", append(args, extra...)...)
	}
	// Anonymous over TLS: refused after the handshake.
	if out, err := run(login{}); err == nil || !strings.Contains(out, "not authori") {
		t.Fatalf("anonymous over TLS: %v %q", err, out)
	}
	// Device A over TLS receives its connection request.
	outc := make(chan string, 1)
	go func() { out, _ := run(login{devA, pw.Password(devA)}); outc <- out }()
	deadline := time.After(5 * time.Second)
	for {
		_ = e.Publish(t.Context(), mqttwire.DeviceTopic(devA, mqttwire.KindConnReq), []byte(`{"tls":true}`), 1, false)
		select {
		case out := <-outc:
			if !strings.Contains(out, `{"tls":true}`) {
				t.Fatalf("device A over TLS got %q", out)
			}
			return
		case <-time.After(100 * time.Millisecond):
		case <-deadline:
			t.Fatal("device A never got its message over TLS")
		}
	}
}
