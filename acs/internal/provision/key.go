package provision

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"

	"gatewarden/protocol/cwmp"
)

// MaxParameterKeyLength is the size of ManagementServer.ParameterKey.
const MaxParameterKeyLength = 32

// KeyPrefix starts every ParameterKey a preset plan carries, so the tasks
// package and support staff tell preset changes from task ones.
const KeyPrefix = "p:"

// parameterKey names a plan in at most 32 characters. With one preset it
// is readable, "p:NAME@VERSION-HASH"; otherwise, or when that is too long,
// "p:" and 24 hex digits. HASH covers the presets, versions and values, so
// two different plans never share a key (to 2^-24 for the readable form,
// which only ever meets plans of the same preset version) and the same plan
// always gets the same one. Secret values stay out of the hash: any reader
// of ParameterKey could otherwise test guesses of a WiFi passphrase against
// it offline, and a preset's version already changes with its values.
func parameterKey(presets []AppliedPreset, values []cwmp.ParameterValueStruct, secret func(name string) bool) string {
	h := sha256.New()
	var buf []byte
	for _, p := range presets {
		buf = strconv.AppendQuote(buf[:0], p.Name)
		buf = strconv.AppendInt(buf, p.Version, 10)
		h.Write(buf)
	}
	h.Write([]byte{0})
	for _, v := range values {
		buf = strconv.AppendQuote(buf[:0], v.Name)
		buf = strconv.AppendQuote(buf, v.Type)
		if !secret(v.Name) {
			buf = strconv.AppendQuote(buf, v.Value)
		}
		h.Write(buf)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if len(presets) == 1 {
		k := KeyPrefix + presets[0].Name + "@" + strconv.FormatInt(presets[0].Version, 10) + "-" + sum[:6]
		if len(k) <= MaxParameterKeyLength {
			return k
		}
	}
	return KeyPrefix + sum[:24]
}
