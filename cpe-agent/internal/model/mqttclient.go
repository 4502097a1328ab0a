package model

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"gatewarden/protocol/datamodel"
)

// MQTTClientPath is the one MQTT client the agent binds: the ACS's fast
// lane (connection requests, group pushes, telemetry). It is a listed
// instance, so the ACS can configure it but never delete it and cut the
// device off the lane.
const MQTTClientPath = "Device.MQTT.Client.1."

// MQTTDefaults are the factory settings of Device.MQTT.Client.1: what the
// agent's configuration says until the ACS sets its own values in a
// session (the tree persists those). Zero fields take the schema's
// defaults.
type MQTTDefaults struct {
	// Enable turns the client on out of the box; a device with no broker
	// configured still gets the object, disabled, for the ACS to fill in.
	Enable bool
	// BrokerAddress is a host name or IP address.
	BrokerAddress string
	// BrokerPort 0 means the schema's default (1883).
	BrokerPort uint32
	// TransportProtocol is "TCP/IP" or "TLS"; "" means the schema default.
	TransportProtocol string
	// ClientID and Username default to the device ID, the identity the
	// broker's ACL knows the device by.
	ClientID string
	Username string
}

// MQTTLive is what the running client reports through the read-only
// parameters. Its methods run with the tree locked: they must be quick
// and must not call back into the tree.
type MQTTLive interface {
	// Status is one of the schema's Status values ("Disabled",
	// "Connecting", "Connected", "Error_Misconfigured",
	// "Error_BrokerUnreachable").
	Status() string
	// Established is when the current connection was made (zero when
	// there is none).
	Established() time.Time
	// Counters: PUBLISH packets sent and received, failed connection
	// attempts.
	PublishSent() uint64
	PublishReceived() uint64
	ConnectionErrors() uint64
}

// What the agent's MQTT client (mqttclient) speaks; WebSocket transports would
// pull in more code than a router's flash should carry.
var (
	mqttVersions   = []string{"3.1", "3.1.1"}
	mqttTransports = []string{"TCP/IP", "TLS"}
)

func oneOf(allowed []string) Checker {
	return func(_ context.Context, _ Index, v string) error {
		if slices.Contains(allowed, v) {
			return nil
		}
		return fmt.Errorf("not supported here: want one of %s", strings.Join(allowed, ", "))
	}
}

// BindMQTTClient binds Device.MQTT.Client.1 with its settings persisted by
// the tree (Password is hidden by the schema: it reads back empty to the
// ACS) and its status from live. The agent reads the settings with
// Tree.Value and watches them to reconnect when the ACS changes them.
func BindMQTTClient(r *Registry, d MQTTDefaults, live MQTTLive) {
	const c = "Device.MQTT.Client.{i}."
	const capab = "Device.MQTT.Capabilities."
	r.Param(capab+"ProtocolVersionsSupported", Const(strings.Join(mqttVersions, ",")))
	r.Param(capab+"TransportProtocolSupported", Const(strings.Join(mqttTransports, ",")))
	r.Table(c, func(context.Context, Index) ([]string, error) { return []string{"lane"}, nil })
	r.Stored(c+"Enable", strconv.FormatBool(d.Enable))
	r.Stored(c+"BrokerAddress", d.BrokerAddress)
	if d.BrokerPort != 0 {
		r.Stored(c+"BrokerPort", strconv.FormatUint(uint64(d.BrokerPort), 10))
	} else {
		r.Stored(c+"BrokerPort", "")
	}
	// The schema's enumerations of these two refer to the Capabilities
	// lists, so the check is against what the agent's client speaks.
	r.Param(c+"TransportProtocol", Stored(d.TransportProtocol).Check(oneOf(mqttTransports)))
	r.Param(c+"ProtocolVersion", Stored("3.1.1").Check(oneOf(mqttVersions)))
	r.Stored(c+"ClientID", d.ClientID)
	r.Stored(c+"Username", d.Username)
	r.Stored(c+"Password", "")
	r.Stored(c+"KeepAliveTime", "")
	r.Stored(c+"ConnectRetryTime", "")
	r.Stored(c+"ConnectRetryIntervalMultiplier", "")
	r.Stored(c+"ConnectRetryMaxInterval", "")
	r.Param(c+"Status", Get(func(context.Context, Index) (string, error) { return live.Status(), nil }))
	r.Param(c+"Stats.BrokerConnectionEstablished", Get(func(context.Context, Index) (string, error) {
		// The zero time formats as TR-106's unknown time.
		return datamodel.FormatDateTime(live.Established()), nil
	}))
	r.Param(c+"Stats.PublishSent", GetUint(func(context.Context, Index) (uint64, error) { return live.PublishSent(), nil }))
	r.Param(c+"Stats.PublishReceived", GetUint(func(context.Context, Index) (uint64, error) { return live.PublishReceived(), nil }))
	r.Param(c+"Stats.ConnectionErrors", GetUint(func(context.Context, Index) (uint64, error) { return live.ConnectionErrors(), nil }))
}
