// Package cpeauth derives each CPE's CWMP password from one fleet secret
// and the device's serial number, so a factory can program devices without
// enrolling each one at the ACS, and the ACS keeps no per-device password.
//
// The username is the serial number. The ACS also accepts a TR-069 style
// username OUI-ProductClass-SerialNumber (or OUI-SerialNumber), taking the
// serial from its last part, and checks that it matches the Inform's
// DeviceId so one device cannot speak for another.
package cpeauth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"gatewarden/protocol/datamodel"
)

// SecretFile is the fleet secret's name inside the ACS data directory.
const SecretFile = "fleet.secret"

const secretLen = 32

// LoadOrCreateSecret reads DIR/fleet.secret, creating it (mode 0600) with
// fresh random bytes on first start.
func LoadOrCreateSecret(dir string) ([]byte, error) {
	path := filepath.Join(dir, SecretFile)
	b, err := os.ReadFile(path)
	if err == nil {
		if len(b) != secretLen {
			return nil, fmt.Errorf("fleet secret %s: want %d bytes, found %d", path, secretLen, len(b))
		}
		return b, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("fleet secret: %w", err)
	}
	b = make([]byte, secretLen)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("fleet secret: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("fleet secret: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, fs.ErrExist) { // another process won the race
			return LoadOrCreateSecret(dir)
		}
		return nil, fmt.Errorf("fleet secret: %w", err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return nil, fmt.Errorf("fleet secret: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, fmt.Errorf("fleet secret: %w", err)
	}
	return b, f.Close()
}

// passwordLabel separates the password derivation from other uses of the
// fleet secret.
const passwordLabel = "gatewarden cwmp password\x00"

// Password is the CWMP password of the device with this serial number.
func Password(secret []byte, serial string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(passwordLabel))
	m.Write([]byte(serial))
	// 18 bytes → 24 characters of base64url: 144 bits, printable, and
	// short enough for devices that cap password length at 64.
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

// SerialFromUsername returns the serial number a Digest username names:
// the username itself, or the serial part of a device ID.
func SerialFromUsername(username string) string {
	// A serial number may itself contain "-"; only a first part that is an
	// OUI makes the username a device ID.
	if id, err := datamodel.ParseDeviceID(username); err == nil && isOUI(id.OUI) {
		return id.SerialNumber
	}
	return username
}

// isOUI checks s against the data model's own definition of an OUI.
func isOUI(s string) bool {
	n, ok := datamodel.TR181().Lookup("Device.DeviceInfo.ManufacturerOUI")
	return ok && n.Validate(s) == nil
}
