package broker

import (
	"slices"

	"gatewarden/protocol/mqttwire"
)

// The access rules of the lane, shared by the embedded broker's hook and
// the external broker's provisioning. Filters with wildcards are never
// allowed to a device: it names each topic it wants, so the rules stay
// a plain comparison.

// MayPublish reports whether device may publish on topic: only its own
// ack, telemetry and state topics.
func MayPublish(device, topic string) bool {
	t, err := mqttwire.ParseTopic(topic)
	return err == nil && t.Device == device && t.FromAgent()
}

// MaySubscribe reports whether device, a member of groups, may subscribe
// to filter: its own connection-request, push and groups topics, the
// fleet push topic, and the push topics of its groups.
func MaySubscribe(device string, groups []string, filter string) bool {
	t, err := mqttwire.ParseTopic(filter)
	if err != nil {
		return false
	}
	switch {
	case t.Device != "":
		return t.Device == device && (t.Kind == mqttwire.KindConnReq || t.Kind == mqttwire.KindPush || t.Kind == mqttwire.KindGroups)
	case t.Group != "":
		return slices.Contains(groups, t.Group)
	default:
		return t.Kind == mqttwire.KindPush // the fleet topic
	}
}

// DeviceGroups returns the groups of a device whose names a topic can
// carry; a tag outside the topic alphabet is no group.
func DeviceGroups(tags []string) []string {
	out := make([]string, 0, len(tags))
	for _, t := range tags {
		if mqttwire.ValidGroup(t) {
			out = append(out, t)
		}
	}
	return out
}
