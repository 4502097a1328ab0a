package broker

import "context"

// Handler receives one message the ACS subscribed to. It runs on the
// transport's delivery goroutine and must not block for long.
type Handler func(topic string, payload []byte)

// Transport is how the ACS side of the lane reaches the broker: the
// embedded one (in-process client) or an external one (paho over TCP).
type Transport interface {
	// Publish sends one message; it returns once the broker has it (for
	// QoS 1 on an external broker: once PUBACK arrived).
	Publish(ctx context.Context, topic string, payload []byte, qos byte, retain bool) error
	// Subscribe delivers every message matching filter to h, retained ones
	// included. Subscriptions survive reconnects.
	Subscribe(ctx context.Context, filter string, qos byte, h Handler) error
	// AllowDevice makes sure the broker lets the device in with its
	// derived password and lets it subscribe to its groups' push topics.
	// The embedded broker reads the store at every check, so it has
	// nothing to do; an external broker is told.
	AllowDevice(ctx context.Context, device string, groups []string) error
	// Close disconnects (the embedded broker stops listening).
	Close() error
}
