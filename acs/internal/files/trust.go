package files

import (
	"errors"
	"fmt"
	"io"

	"path/filepath"
	"sort"

	"gatewarden/firmware/image"
)

// KeysDir is where the ACS's trusted firmware signing keys live, inside
// the data directory: every *.pub file (PKIX PEM, as `fwtool keygen`
// writes) is trusted. Keys come from the operator's file system, never
// from the API, so a stolen API token cannot make the ACS accept a package
// signed by a key of its own.
const KeysDir = "firmware-keys"

// ErrNoKeys: the repository cannot accept packages without a trusted key.
var ErrNoKeys = errors.New("no trusted firmware keys")

// LoadKeyring reads every *.pub file in dir. An empty or missing folder
// gives an empty keyring (uploads are then refused with ErrNoKeys).
func LoadKeyring(dir string) (*image.Keyring, []string, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.pub"))
	if err != nil {
		return nil, nil, fmt.Errorf("trusted keys: %w", err)
	}
	sort.Strings(paths)
	if len(paths) == 0 {
		return image.NewKeyring(), nil, nil
	}
	keys, err := image.LoadPublicKeys(paths...)
	if err != nil {
		return nil, nil, fmt.Errorf("trusted keys in %s: %w", dir, err)
	}
	return image.NewKeyring(keys...), paths, nil
}

// ImageVerifier checks packages in the firmware/image format against a
// keyring.
type ImageVerifier struct {
	Keys *image.Keyring
}

// Verify implements Verifier: the package streams through the image
// verifier in fixed-size chunks, so memory stays constant.
func (v ImageVerifier) Verify(r io.Reader) (Meta, error) {
	if v.Keys == nil || v.Keys.Len() == 0 {
		return Meta{}, fmt.Errorf("%w: put the signers' public keys (*.pub) in DATA/%s and restart the ACS", ErrNoKeys, KeysDir)
	}
	iv := image.NewVerifier(v.Keys, "", nil)
	if _, err := io.Copy(iv, r); err != nil {
		return Meta{}, err
	}
	if err := iv.Close(); err != nil {
		return Meta{}, err
	}
	h := iv.Header()
	return Meta{Version: h.Version, Boards: append([]string(nil), h.Boards...), Key: iv.Signer().String()}, nil
}

// KeysDirOf is DATA/firmware-keys.
func KeysDirOf(dataDir string) string { return filepath.Join(dataDir, KeysDir) }
