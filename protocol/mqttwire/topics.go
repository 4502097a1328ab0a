package mqttwire

import (
	"errors"
	"fmt"
	"strings"
)

// Prefix starts every topic of this version of the lane.
const Prefix = "gw/v1/"

// FleetPushTopic reaches every device.
const FleetPushTopic = Prefix + "fleet/push"

// Topic kinds, the last segment of a topic.
const (
	KindConnReq   = "cr"
	KindPush      = "push"
	KindGroups    = "groups"
	KindAck       = "ack"
	KindTelemetry = "telemetry"
	KindState     = "state"
)

// ErrTopic marks a topic outside the layout.
var ErrTopic = errors.New("not a gatewarden topic")

// Limits on names that go into topics.
const (
	MaxDeviceIDLen = 256
	MaxGroupLen    = 64
)

// ValidDeviceID reports whether id can name a device in a topic: not
// empty, bounded, and free of the characters MQTT gives meaning to ('/',
// '+', '#') and of anything outside printable ASCII.
func ValidDeviceID(id string) bool {
	if id == "" || len(id) > MaxDeviceIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if c <= ' ' || c >= 0x7f || c == '/' || c == '+' || c == '#' {
			return false
		}
	}
	return true
}

// ValidGroup reports whether g is a group (device tag) name a topic can
// carry: the ACS's tag alphabet, letters, digits and _ - . : only.
func ValidGroup(g string) bool {
	if g == "" || len(g) > MaxGroupLen {
		return false
	}
	for i := 0; i < len(g); i++ {
		c := g[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.' || c == ':') {
			return false
		}
	}
	return true
}

// DeviceTopic is the device's topic of the given kind. It panics on an
// invalid ID: callers validate IDs where they enter the program.
func DeviceTopic(device, kind string) string {
	if !ValidDeviceID(device) {
		panic(fmt.Sprintf("mqttwire: invalid device ID %q", device))
	}
	return Prefix + "d/" + device + "/" + kind
}

// GroupPushTopic is where pushes for a group go. It panics on an invalid
// group name.
func GroupPushTopic(group string) string {
	if !ValidGroup(group) {
		panic(fmt.Sprintf("mqttwire: invalid group %q", group))
	}
	return Prefix + "g/" + group + "/" + KindPush
}

// DeviceSubscriptions lists the topics an agent subscribes to at connect
// (before any group): its connection requests, pushes and group list, and
// the fleet push topic.
func DeviceSubscriptions(device string) []string {
	return []string{
		DeviceTopic(device, KindConnReq),
		DeviceTopic(device, KindPush),
		DeviceTopic(device, KindGroups),
		FleetPushTopic,
	}
}

// ACS-side subscription filters: every device's messages of one kind.
const (
	AllAcks      = Prefix + "d/+/" + KindAck
	AllTelemetry = Prefix + "d/+/" + KindTelemetry
	AllStates    = Prefix + "d/+/" + KindState
)

// Topic is a parsed topic name.
type Topic struct {
	// Device is set for per-device topics, Group for group pushes; both
	// are empty for the fleet push topic.
	Device string
	Group  string
	Kind   string
}

// Target is the value a Push addressed to this topic carries in Target:
// "d/DEV", "g/GROUP" or "fleet".
func (t Topic) Target() string {
	switch {
	case t.Device != "":
		return "d/" + t.Device
	case t.Group != "":
		return "g/" + t.Group
	default:
		return "fleet"
	}
}

// FromAgent reports whether the topic is one an agent publishes on.
func (t Topic) FromAgent() bool {
	return t.Device != "" && (t.Kind == KindAck || t.Kind == KindTelemetry || t.Kind == KindState)
}

// String returns the topic name.
func (t Topic) String() string {
	switch {
	case t.Device != "":
		return Prefix + "d/" + t.Device + "/" + t.Kind
	case t.Group != "":
		return Prefix + "g/" + t.Group + "/" + t.Kind
	default:
		return FleetPushTopic
	}
}

// ParseTopic splits a topic name (not a filter: wildcards are refused)
// into its parts, accepting only the layout above.
func ParseTopic(name string) (Topic, error) {
	rest, ok := strings.CutPrefix(name, Prefix)
	if !ok {
		return Topic{}, fmt.Errorf("%w: %q lacks the %s prefix", ErrTopic, name, Prefix)
	}
	if rest == "fleet/push" {
		return Topic{Kind: KindPush}, nil
	}
	scope, rest, ok1 := strings.Cut(rest, "/")
	who, kind, ok2 := strings.Cut(rest, "/")
	if !ok1 || !ok2 || strings.Contains(kind, "/") {
		return Topic{}, fmt.Errorf("%w: %q", ErrTopic, name)
	}
	switch scope {
	case "d":
		if !ValidDeviceID(who) {
			return Topic{}, fmt.Errorf("%w: bad device ID in %q", ErrTopic, name)
		}
		switch kind {
		case KindConnReq, KindPush, KindGroups, KindAck, KindTelemetry, KindState:
			return Topic{Device: who, Kind: kind}, nil
		}
	case "g":
		if !ValidGroup(who) {
			return Topic{}, fmt.Errorf("%w: bad group in %q", ErrTopic, name)
		}
		if kind == KindPush {
			return Topic{Group: who, Kind: kind}, nil
		}
	}
	return Topic{}, fmt.Errorf("%w: %q", ErrTopic, name)
}
