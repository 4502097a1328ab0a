package cwmpserver

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"net/http"

	"gatewarden/acs/internal/cpeauth"
	"gatewarden/protocol/cwmp"
	"gatewarden/protocol/datamodel"
	"gatewarden/protocol/digest"
)

// newDigest builds the Digest server: every CPE's password derives from the
// fleet secret and its serial number, and nonces are signed with a key
// derived from the same secret, so any node of a cluster accepts a nonce
// another node issued.
func newDigest(cfg *Config, observe func(*http.Request, string, error)) (*digest.Server, error) {
	secret := cfg.FleetSecret
	passwords := cpeauth.NewDeriver(secret)
	lookup := func(_ context.Context, username string) (digest.Credential, bool, error) {
		serial := cpeauth.SerialFromUsername(username)
		if serial == "" {
			return digest.Credential{}, false, nil
		}
		return digest.Credential{Password: passwords.Password(serial)}, true, nil
	}
	return digest.NewServer(digest.Config{
		Realm:         cfg.Realm,
		Lookup:        lookup,
		Secrets:       [][]byte{nonceKey(secret)},
		NonceLifetime: cfg.NonceLifetime,
		AllowBasic:    cfg.AllowBasicOverTLS,
		Observe:       observe,
	})
}

func nonceKey(fleetSecret []byte) []byte {
	m := hmac.New(sha256.New, fleetSecret)
	m.Write([]byte("gatewarden cwmp digest nonce key"))
	return m.Sum(nil)
}

// identityMatches reports whether the authenticated username may speak for
// the device the Inform names. The password derives from the serial
// number alone, so the serial decides; a username written as a device ID
// must name this very device.
func identityMatches(username string, id cwmp.DeviceIdStruct) bool {
	if cpeauth.SerialFromUsername(username) != id.SerialNumber {
		return false
	}
	if u, err := datamodel.ParseDeviceID(username); err == nil && u.SerialNumber == id.SerialNumber {
		return u.OUI == id.OUI && (u.ProductClass == "" || u.ProductClass == id.ProductClass)
	}
	return true
}
