package lane

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"gatewarden/protocol/mqttwire"
)

// Key rotation, in files of the data directory:
//
//	push.key       the key that signs bundles
//	push.key.next  written by `acs push-key --rotate` (the ACS stopped)
//	push.rotation  the rotation message: the next key, signed by the
//	               current one; published retained on the fleet topic at
//	               every start, so agents offline at the time (or after a
//	               restart of the embedded broker, which keeps retained
//	               messages in memory) still get it
//	push.key.old   the key before the last rotation
//
// At start, a push.key.next is taken over: the rotation message is
// written first, then push.key becomes push.key.old and push.key.next
// becomes push.key. A crash between the steps repeats them at the next
// start, with the same keys.
const (
	nextKeyFile  = "push.key.next"
	oldKeyFile   = "push.key.old"
	RotationFile = "push.rotation"
)

// PrepareRotation writes a new key as DIR/push.key.next, to be taken over
// at the next start. It refuses to replace a pending one.
func PrepareRotation(dir string) (ed25519.PublicKey, error) {
	path := filepath.Join(dir, nextKeyFile)
	if _, err := os.Stat(path); err == nil {
		return nil, fmt.Errorf("a rotation is already pending (%s): start the ACS to carry it out", path)
	}
	if _, err := LoadOrCreatePushKey(dir); err != nil {
		return nil, err
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	pem, err := mqttwire.MarshalPrivateKey(priv)
	if err != nil {
		return nil, err
	}
	if err := writeFileAtomic(path, pem); err != nil {
		return nil, err
	}
	return pub, nil
}

// LoadPushKeys returns the key to sign with and the rotation message to
// keep published (nil when the key was never rotated), carrying out a
// pending rotation first.
func LoadPushKeys(dir string, now time.Time) (ed25519.PrivateKey, []byte, error) {
	cur, err := LoadOrCreatePushKey(dir)
	if err != nil {
		return nil, nil, err
	}
	nextPEM, err := os.ReadFile(filepath.Join(dir, nextKeyFile))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		rot, err := os.ReadFile(filepath.Join(dir, RotationFile))
		if errors.Is(err, fs.ErrNotExist) {
			return cur, nil, nil
		}
		return cur, rot, err
	case err != nil:
		return nil, nil, err
	}
	next, err := mqttwire.ParsePrivateKey(nextPEM)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", nextKeyFile, err)
	}
	r := mqttwire.NewKeyRotation(next.Public().(ed25519.PublicKey), now)
	if err := r.Sign(cur); err != nil {
		return nil, nil, err
	}
	msg, err := r.Encode()
	if err != nil {
		return nil, nil, err
	}
	if err := writeFileAtomic(filepath.Join(dir, RotationFile), msg); err != nil {
		return nil, nil, err
	}
	curPEM, err := mqttwire.MarshalPrivateKey(cur)
	if err != nil {
		return nil, nil, err
	}
	if err := writeFileAtomic(filepath.Join(dir, oldKeyFile), curPEM); err != nil {
		return nil, nil, err
	}
	if err := os.Rename(filepath.Join(dir, nextKeyFile), filepath.Join(dir, PushKeyFile)); err != nil {
		return nil, nil, fmt.Errorf("push key rotation: %w", err)
	}
	return next, msg, syncDir(dir)
}

func writeFileAtomic(path string, b []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	return syncDir(filepath.Dir(path))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
