package lane

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"gatewarden/protocol/mqttwire"
)

// PushKeyFile holds the ACS's push-signing key in the data directory
// (PKCS#8 PEM, mode 0600), created at first start like the fleet secret.
const PushKeyFile = "push.key"

// LoadOrCreatePushKey reads DIR/push.key, creating it on first use. The
// file is written to a temporary name and renamed, so a crash never
// leaves half a key.
func LoadOrCreatePushKey(dir string) (ed25519.PrivateKey, error) {
	path := filepath.Join(dir, PushKeyFile)
	b, err := os.ReadFile(path)
	if err == nil {
		k, err := mqttwire.ParsePrivateKey(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return k, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("push key: %w", err)
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("push key: %w", err)
	}
	pem, err := mqttwire.MarshalPrivateKey(priv)
	if err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp(dir, ".push.key-*")
	if err != nil {
		return nil, fmt.Errorf("push key: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(pem); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("push key: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("push key: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return nil, fmt.Errorf("push key: %w", err)
	}
	// Link, not rename: a second process creating the key at the same
	// moment loses cleanly instead of replacing the first one's key.
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return LoadOrCreatePushKey(dir)
		}
		return nil, fmt.Errorf("push key: %w", err)
	}
	return priv, nil
}

// PublicPushKey returns the public half of DIR's push key as PKIX PEM,
// for agents' configuration (it creates the key if there is none yet).
func PublicPushKey(dir string) ([]byte, error) {
	k, err := LoadOrCreatePushKey(dir)
	if err != nil {
		return nil, err
	}
	return mqttwire.MarshalPublicKey(k.Public().(ed25519.PublicKey))
}
