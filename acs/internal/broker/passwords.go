package broker

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
)

// Passwords derives each device's MQTT password from a key that never
// leaves the ACS, so no per-device secret is stored at all: the ACS sets
// the password over CWMP in the device's first session
// (Device.MQTT.Client.1.Password) and recomputes it to check a CONNECT.
// Every ACS node holding the same fleet secret derives the same
// passwords, so an external broker and several nodes agree.
type Passwords struct{ key []byte }

// passwordLabel separates this key from every other use of the fleet
// secret (CWMP Digest passwords, nonce signing).
const passwordLabel = "gatewarden mqtt device passwords v1"

// NewPasswords derives the password key from the fleet secret.
func NewPasswords(fleetSecret []byte) *Passwords {
	m := hmac.New(sha256.New, fleetSecret)
	m.Write([]byte(passwordLabel))
	return &Passwords{key: m.Sum(nil)}
}

// Password is the device's MQTT password: 144 bits in base64url (24
// characters, fits any broker's password field and a UCI option).
func (p *Passwords) Password(deviceID string) string {
	m := hmac.New(sha256.New, p.key)
	m.Write([]byte(deviceID))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

// Check reports whether password is the device's, in constant time.
func (p *Passwords) Check(deviceID string, password []byte) bool {
	want := p.Password(deviceID)
	return subtle.ConstantTimeCompare([]byte(want), password) == 1
}
