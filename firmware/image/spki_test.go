package image

import (
	"bytes"
	"crypto/ed25519"
	"crypto/x509"
	"testing"
)

func checkSPKI(t *testing.T, pub []byte) {
	t.Helper()
	want, err := x509.MarshalPKIXPublicKey(ed25519.PublicKey(pub))
	if err != nil {
		t.Fatalf("x509 refused a %d-byte key: %v", len(pub), err)
	}
	if got := ed25519SPKI(pub); !bytes.Equal(got, want) {
		t.Fatalf("%d-byte key:\n got %x\nwant %x", len(pub), got, want)
	}
}

// TestEd25519SPKIMatchesX509: the hand-written encoding is x509's, for real
// keys and for the odd lengths a broken key file could give.
func TestEd25519SPKIMatchesX509(t *testing.T) {
	pub, _, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	checkSPKI(t, pub)
	for _, n := range []int{0, 1, 31, 33, 64, 125, 126, 127, 128, 254, 255, 256, 300, 65535, 65536, 70000} {
		checkSPKI(t, bytes.Repeat([]byte{0xa5}, n))
	}
}

func FuzzEd25519SPKI(f *testing.F) {
	f.Add(make([]byte, 32))
	f.Add(make([]byte, 126))
	f.Add([]byte{})
	f.Fuzz(checkSPKI)
}
