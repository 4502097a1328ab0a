package mqttwire

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
)

// Push kinds.
const (
	PushBundle      = "bundle"
	PushKeyRotation = "key"
)

// Value is one parameter value of a bundle. Type is the xsd type's local
// name ("string", "unsignedInt", ...); empty means the agent's schema type.
type Value struct {
	_     incomparable
	Name  string `json:"name"`
	Value string `json:"value"`
	Type  string `json:"type,omitempty"`
}

// Push is a signed ACS→agent message: a bundle of parameter values with a
// version, or a key rotation. Sign fills KeyID and Sig; Verify checks them.
type Push struct {
	Kind string `json:"kind"`
	ID   string `json:"id"`
	Time int64  `json:"ts"`
	// Target is where the push is addressed: "d/DEV", "g/GROUP" or
	// "fleet" (Topic.Target of the topic it is published on).
	Target string `json:"target"`
	// Bundle fields.
	Version string  `json:"version,omitempty"`
	Values  []Value `json:"values,omitempty"`
	// Key rotation: the raw 32-byte ed25519 public key to trust from now.
	NewKey []byte `json:"newKey,omitempty"`
	// KeyID names the signing key (KeyID); Sig is the ed25519 signature
	// over SigningBytes.
	KeyID string `json:"kid"`
	Sig   []byte `json:"sig"`
}

// ErrSignature marks a push whose signature does not verify with any
// trusted key.
var ErrSignature = errors.New("push signature does not verify")

// KeyID names a public key: the first 8 bytes of its SHA-256, in hex.
func KeyID(pub ed25519.PublicKey) string {
	h := sha256.Sum256(pub)
	return hex.EncodeToString(h[:8])
}

const signingDomain = "gatewarden mqtt push v1\n"

// SigningBytes is the canonical encoding the signature covers: a domain
// string, then Kind, ID, Time, Target, Version, the values (count, then
// name, value, type of each) and NewKey, every string or byte field as a
// uvarint length and its bytes, numbers as uvarints (Time as 8 bytes big
// endian). KeyID is covered too, so a signature cannot be attributed to
// another key. Deterministic, and no two different pushes share it.
func (p *Push) SigningBytes() []byte {
	n := len(signingDomain) + 64 + len(p.Kind) + len(p.ID) + len(p.Target) + len(p.Version) + len(p.NewKey) + len(p.KeyID)
	for _, v := range p.Values {
		n += 3*binary.MaxVarintLen64 + len(v.Name) + len(v.Value) + len(v.Type)
	}
	b := make([]byte, 0, n)
	b = append(b, signingDomain...)
	b = appendField(b, p.Kind)
	b = appendField(b, p.ID)
	b = binary.BigEndian.AppendUint64(b, uint64(p.Time))
	b = appendField(b, p.Target)
	b = appendField(b, p.Version)
	b = binary.AppendUvarint(b, uint64(len(p.Values)))
	for _, v := range p.Values {
		b = appendField(b, v.Name)
		b = appendField(b, v.Value)
		b = appendField(b, v.Type)
	}
	b = binary.AppendUvarint(b, uint64(len(p.NewKey)))
	b = append(b, p.NewKey...)
	return appendField(b, p.KeyID)
}

// appendField appends s with its length in front. Out of line: inlined at
// each of SigningBytes' fields it made that function five times larger.
//
//go:noinline
func appendField(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// Sign validates p, sets KeyID to the signer's and signs it.
func (p *Push) Sign(priv ed25519.PrivateKey) error {
	pub, ok := priv.Public().(ed25519.PublicKey)
	if !ok || len(priv) != ed25519.PrivateKeySize {
		return errors.New("sign push: not an ed25519 private key")
	}
	p.KeyID = KeyID(pub)
	p.Sig = nil
	if err := p.checkFields(); err != nil {
		return err
	}
	p.Sig = ed25519.Sign(priv, p.SigningBytes())
	return nil
}

// Verify reports nil when p is signed by pub. It checks nothing else:
// callers check Target against the topic and the ReplayGuard.
func (p *Push) Verify(pub ed25519.PublicKey) error {
	if len(pub) != ed25519.PublicKeySize {
		return fmt.Errorf("%w: trusted key has %d bytes", ErrSignature, len(pub))
	}
	if p.KeyID != KeyID(pub) {
		return fmt.Errorf("%w: signed by key %q, trusted key is %s", ErrSignature, p.KeyID, KeyID(pub))
	}
	if len(p.Sig) != ed25519.SignatureSize || !ed25519.Verify(pub, p.SigningBytes(), p.Sig) {
		return ErrSignature
	}
	return nil
}

// CheckTarget reports nil when p is addressed to the topic it arrived on.
func (p *Push) CheckTarget(topic string) error {
	t, err := ParseTopic(topic)
	if err != nil {
		return err
	}
	if t.Kind != KindPush {
		return fmt.Errorf("%w: push on %s", ErrTopic, topic)
	}
	if t.Target() != p.Target {
		return fmt.Errorf("%w: push for %q arrived on %s", ErrPayload, p.Target, topic)
	}
	return nil
}

func validTarget(s string) bool {
	if s == "fleet" {
		return true
	}
	if len(s) < 3 || s[1] != '/' {
		return false
	}
	switch s[0] {
	case 'd':
		return ValidDeviceID(s[2:])
	case 'g':
		return ValidGroup(s[2:])
	}
	return false
}

// checkFields validates everything but the signature.
func (p *Push) checkFields() error {
	if !validID(p.ID) {
		return payloadErr("push id %q", p.ID)
	}
	if !validTS(p.Time) {
		return payloadErr("push ts %d", p.Time)
	}
	if !validTarget(p.Target) {
		return payloadErr("push target %q", p.Target)
	}
	if len(p.KeyID) != 16 {
		return payloadErr("push kid %q", p.KeyID)
	}
	if _, err := hex.DecodeString(p.KeyID); err != nil {
		return payloadErr("push kid %q", p.KeyID)
	}
	switch p.Kind {
	case PushBundle:
		if !validVersion(p.Version) {
			return payloadErr("bundle version %q: 1 to %d printable characters", p.Version, MaxVersionLen)
		}
		if len(p.Values) == 0 || len(p.Values) > MaxValues {
			return payloadErr("bundle has %d values, want 1 to %d", len(p.Values), MaxValues)
		}
		if p.NewKey != nil {
			return payloadErr("bundle with a newKey")
		}
		seen := make(map[string]struct{}, len(p.Values))
		for _, v := range p.Values {
			if !validParamName(v.Name) {
				return payloadErr("bundle parameter %q", v.Name)
			}
			if _, dup := seen[v.Name]; dup {
				// SetParameterValues answers 9003 for this; refuse it earlier.
				return payloadErr("bundle sets %s twice", v.Name)
			}
			seen[v.Name] = struct{}{}
			if len(v.Value) > MaxValueLen {
				return payloadErr("value of %s longer than %d", v.Name, MaxValueLen)
			}
			if len(v.Type) > MaxTypeLen || !validTypeName(v.Type) {
				return payloadErr("type %q of %s", v.Type, v.Name)
			}
		}
	case PushKeyRotation:
		if len(p.NewKey) != ed25519.PublicKeySize {
			return payloadErr("new key has %d bytes, want %d", len(p.NewKey), ed25519.PublicKeySize)
		}
		if p.Version != "" || len(p.Values) != 0 {
			return payloadErr("key rotation with bundle fields")
		}
	default:
		return payloadErr("push kind %q", p.Kind)
	}
	return nil
}

func validTypeName(t string) bool {
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// Encode validates p (signature present, not verified) and encodes it.
func (p Push) Encode() ([]byte, error) {
	return encodeChecked(&p)
}

func (p *Push) check() error {
	if err := p.checkFields(); err != nil {
		return err
	}
	if len(p.Sig) != ed25519.SignatureSize {
		return payloadErr("push signature has %d bytes", len(p.Sig))
	}
	return nil
}

// DecodePush decodes a push and validates its fields. The signature is
// only checked for its size: call Verify with the trusted key.
func DecodePush(b []byte) (Push, error) {
	var p Push
	if err := decodeJSON(b, &p); err != nil {
		return Push{}, err
	}
	if err := p.check(); err != nil {
		return Push{}, err
	}
	return p, nil
}
