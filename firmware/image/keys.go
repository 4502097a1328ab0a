package image

import (
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
)

// PEM block types of the firmware contract.
const (
	pemPrivate = "PRIVATE KEY" // PKCS#8
	pemPublic  = "PUBLIC KEY"  // PKIX
)

// KeyID names a public key inside a package: the first 8 bytes of the
// SHA-256 of its PKIX encoding. It only routes to the key; the signature
// is what authenticates.
type KeyID [KeyIDSize]byte

func (k KeyID) String() string { return hex.EncodeToString(k[:]) }

// KeyIDOf computes the key ID of pub.
func KeyIDOf(pub ed25519.PublicKey) KeyID {
	sum := sha256.Sum256(ed25519SPKI(pub))
	var id KeyID
	copy(id[:], sum[:])
	return id
}

// Keyring is a set of trusted public keys.
type Keyring struct {
	keys map[KeyID]ed25519.PublicKey
}

// NewKeyring trusts the given keys.
func NewKeyring(keys ...ed25519.PublicKey) *Keyring {
	k := &Keyring{keys: map[KeyID]ed25519.PublicKey{}}
	for _, pub := range keys {
		k.keys[KeyIDOf(pub)] = pub
	}
	return k
}

// Len is the number of trusted keys.
func (k *Keyring) Len() int {
	if k == nil {
		return 0
	}
	return len(k.keys)
}

func (k *Keyring) lookup(id KeyID) (ed25519.PublicKey, bool) {
	if k == nil {
		return nil, false
	}
	pub, ok := k.keys[id]
	return pub, ok
}

// ParsePublicKeys reads every PKIX "PUBLIC KEY" PEM block in data (a key
// file may hold several trusted keys, for key rotation).
func ParsePublicKeys(data []byte) ([]ed25519.PublicKey, error) {
	var keys []ed25519.PublicKey
	for n := 1; ; n++ {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		if block.Type != pemPublic {
			return nil, fmt.Errorf("pem block %d is %q, want %q (PKIX)", n, block.Type, pemPublic)
		}
		k, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("pem block %d: %w", n, err)
		}
		pub, ok := k.(ed25519.PublicKey)
		if !ok {
			return nil, fmt.Errorf("pem block %d holds a %T key, want ed25519", n, k)
		}
		keys = append(keys, pub)
	}
	if len(keys) == 0 {
		return nil, errors.New("no PEM \"PUBLIC KEY\" block found")
	}
	return keys, nil
}

// LoadPublicKeys reads public key files (PEM, possibly several keys each).
func LoadPublicKeys(paths ...string) ([]ed25519.PublicKey, error) {
	var all []ed25519.PublicKey
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("read public key: %w", err)
		}
		keys, err := ParsePublicKeys(data)
		if err != nil {
			return nil, fmt.Errorf("public key %s: %w", p, err)
		}
		all = append(all, keys...)
	}
	return all, nil
}

// ParsePrivateKey reads a PKCS#8 "PRIVATE KEY" PEM block holding an ed25519 key.
func ParsePrivateKey(data []byte) (ed25519.PrivateKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("no PEM block found")
	}
	if block.Type != pemPrivate {
		return nil, fmt.Errorf("pem block is %q, want %q (PKCS#8)", block.Type, pemPrivate)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parse private key: %w", err)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("private key is %T, want ed25519", k)
	}
	return priv, nil
}

// MarshalPrivateKey encodes priv as PKCS#8 PEM.
func MarshalPrivateKey(priv ed25519.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, fmt.Errorf("encode private key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: pemPrivate, Bytes: der}), nil
}

// MarshalPublicKey encodes pub as PKIX PEM.
func MarshalPublicKey(pub ed25519.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("encode public key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: pemPublic, Bytes: der}), nil
}
