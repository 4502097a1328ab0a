package connreq

import (
	"context"
	"fmt"

	"gatewarden/acs/internal/store"
)

// MQTTLane is the ACS side of the MQTT lane as the dispatcher needs it
// (lane.Lane): whether a device is connected, and a way to ask it for a
// session.
type MQTTLane interface {
	Online(device string) bool
	RequestConnection(ctx context.Context, device string) error
}

// MQTTChannel wakes devices over their MQTT connection, which reaches
// them behind NAT where the HTTP request cannot. It goes first in the
// dispatcher's list: a device not connected to the broker is
// ErrUnavailable here, and the HTTP channel is tried next.
type MQTTChannel struct{ lane MQTTLane }

// NewMQTTChannel returns a channel over lane.
func NewMQTTChannel(lane MQTTLane) *MQTTChannel { return &MQTTChannel{lane: lane} }

const channelMQTT = "mqtt"

// Wake publishes a connection request. The broker taking the message is
// the whole answer: MQTT has no "device accepted" beyond that, and an
// agent starts its session within a second of receiving it.
func (c *MQTTChannel) Wake(ctx context.Context, dev store.Device) (Result, error) {
	if !c.lane.Online(dev.ID) {
		return Result{}, fmt.Errorf("%w: not connected to the MQTT broker", ErrUnavailable)
	}
	if err := c.lane.RequestConnection(ctx, dev.ID); err != nil {
		if ctx.Err() != nil {
			return Result{}, fmt.Errorf("mqtt connection request: %w", ctx.Err())
		}
		// The broker did not take it: let HTTP try.
		return Result{}, fmt.Errorf("%w: mqtt publish failed", ErrUnavailable)
	}
	return Result{Outcome: OK, Channel: channelMQTT, Detail: "published on the device's MQTT topic"}, nil
}
