package mqttwire

import (
	"crypto/ed25519"
	"time"
)

// AcceptPush is everything an agent checks before acting on a push that
// arrived on topic: it decodes it, verifies the signature with the trusted
// key, checks that it is addressed to topic, and, for bundles, passes it
// through the guard (fresh and not seen before). Key rotations skip the
// guard: they come retained, so they may be old, and once applied the old
// key no longer verifies them. A nil error means the push is authentic
// and current; schema checks of the values are the agent's.
func AcceptPush(topic string, payload []byte, trusted ed25519.PublicKey, guard *ReplayGuard, now time.Time) (Push, error) {
	p, err := DecodePush(payload)
	if err != nil {
		return Push{}, err
	}
	if err := p.Verify(trusted); err != nil {
		return Push{}, err
	}
	if err := p.CheckTarget(topic); err != nil {
		return Push{}, err
	}
	if p.Kind == PushBundle {
		if err := guard.Check(p.ID, p.Time, now); err != nil {
			return Push{}, err
		}
	}
	return p, nil
}

// NewBundle returns an unsigned bundle push for target with a fresh id.
func NewBundle(target, version string, values []Value, now time.Time) Push {
	return Push{Kind: PushBundle, ID: NewID(), Time: Millis(now), Target: target, Version: version, Values: values}
}

// NewKeyRotation returns an unsigned rotation to newKey, addressed to the
// fleet; sign it with the key being replaced.
func NewKeyRotation(newKey ed25519.PublicKey, now time.Time) Push {
	return Push{Kind: PushKeyRotation, ID: NewID(), Time: Millis(now), Target: "fleet", NewKey: []byte(newKey)}
}
