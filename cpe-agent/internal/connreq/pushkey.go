package connreq

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"gatewarden/protocol/mqttwire"
)

// PushKey is the ACS push key the agent trusts. It starts as the trust
// anchor from the configuration or package; a key rotation signed by the
// trusted key replaces it, durably, in a file of the data directory. The
// file records which anchor it replaced: when the package brings a
// different anchor (the operator renewed it), the anchor wins and the
// file is ignored, so the network can never outrank the package.
type PushKey struct {
	file   string
	anchor ed25519.PublicKey

	mu  sync.Mutex
	cur ed25519.PublicKey
}

// LoadPushKey starts from anchor and applies a rotation recorded in file
// for that anchor. An empty file name keeps rotations in memory only.
func LoadPushKey(anchor ed25519.PublicKey, file string) (*PushKey, error) {
	if len(anchor) != ed25519.PublicKeySize {
		return nil, errors.New("push key: the trust anchor is not an ed25519 public key")
	}
	k := &PushKey{file: file, anchor: anchor, cur: anchor}
	if file == "" {
		return k, nil
	}
	b, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return k, nil
	}
	if err != nil {
		return nil, fmt.Errorf("push key: %w", err)
	}
	from, key, ok := strings.Cut(strings.TrimSpace(string(b)), " ")
	raw, herr := hex.DecodeString(key)
	if !ok || herr != nil || len(raw) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("push key: %s is damaged; delete it to fall back to the configured key", file)
	}
	if from == mqttwire.KeyID(anchor) {
		k.cur = ed25519.PublicKey(raw)
	}
	return k, nil
}

// Current is the key pushes must be signed with now.
func (k *PushKey) Current() ed25519.PublicKey {
	k.mu.Lock()
	v := k.cur
	k.mu.Unlock()
	return v
}

// Rotate trusts next from now on, in place of the current key, and
// records it durably before it returns (a rotation acknowledged but lost
// in a power cut would strand the device with a key the ACS retired).
func (k *PushKey) Rotate(next ed25519.PublicKey) error {
	if len(next) != ed25519.PublicKeySize {
		return errors.New("push key: rotation to a key of the wrong size")
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if bytes.Equal(next, k.cur) {
		return nil
	}
	if k.file != "" {
		line := mqttwire.KeyID(k.anchor) + " " + hex.EncodeToString(next) + "\n"
		if err := writeFileSync(k.file, []byte(line)); err != nil {
			return fmt.Errorf("push key: %w", err)
		}
	}
	k.cur = append(ed25519.PublicKey(nil), next...)
	return nil
}

// writeFileSync replaces file atomically and durably: temp file, fsync,
// rename, fsync of the directory.
func writeFileSync(file string, b []byte) error {
	dir := filepath.Dir(file)
	f, err := os.CreateTemp(dir, filepath.Base(file)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), file); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
