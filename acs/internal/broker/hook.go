package broker

import (
	"context"
	"errors"
	"log/slog"
	"time"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"

	"gatewarden/acs/internal/store"
	"gatewarden/protocol/mqttwire"
)

// DeviceSource looks a device up; store.Devices is one.
type DeviceSource interface {
	Device(ctx context.Context, id string) (store.Device, error)
}

// lookupTimeout bounds one store read in a hook: hooks run on the
// client's connection goroutine.
const lookupTimeout = 5 * time.Second

// maxKeepalive is the longest keepalive a device may ask for; zero (no
// keepalive) is refused, or a silent connection would be held forever.
const maxKeepalive = 20 * 60

// accessHook authenticates devices and enforces the lane's ACL in the
// embedded broker. It reads the store at CONNECT and at each SUBSCRIBE to
// a group topic, so tag changes apply to the next subscription without
// any sync step.
type accessHook struct {
	mqtt.HookBase
	passwords *Passwords
	devices   DeviceSource
	log       *slog.Logger
	denied    func(reason string)
}

func (h *accessHook) ID() string { return "gatewarden-access" }

func (h *accessHook) Provides(b byte) bool {
	return b == mqtt.OnConnectAuthenticate || b == mqtt.OnACLCheck
}

// OnConnectAuthenticate accepts a device whose username is its ID, whose
// client ID equals the username (so nobody can take over another
// device's session by reusing its client ID), and whose password is the
// one derived for it. The password never reaches a log line.
func (h *accessHook) OnConnectAuthenticate(cl *mqtt.Client, pk packets.Packet) bool {
	user := string(pk.Connect.Username)
	switch {
	case user == "" || !pk.Connect.UsernameFlag || !pk.Connect.PasswordFlag:
		h.deny("anonymous", cl, user)
		return false
	case cl.ID != user || cl.ID == mqtt.InlineClientId || !mqttwire.ValidDeviceID(user):
		h.deny("client_id", cl, user)
		return false
	case pk.Connect.Keepalive == 0 || pk.Connect.Keepalive > maxKeepalive:
		h.deny("keepalive", cl, user)
		return false
	case !h.passwords.Check(user, pk.Connect.Password):
		h.deny("password", cl, user)
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), lookupTimeout)
	defer cancel()
	if _, err := h.devices.Device(ctx, user); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			h.deny("unknown_device", cl, user)
		} else {
			h.log.Warn("mqtt: device lookup at connect", "device", user, "err", err)
			h.deny("store", cl, user)
		}
		return false
	}
	return true
}

func (h *accessHook) deny(reason string, cl *mqtt.Client, user string) {
	if h.denied != nil {
		h.denied(reason)
	}
	h.log.Info("mqtt: connection refused", "reason", reason, "username", user, "remote", cl.Net.Remote)
}

// OnACLCheck is asked for every publish (write) and subscribe filter.
func (h *accessHook) OnACLCheck(cl *mqtt.Client, topic string, write bool) bool {
	if cl.Net.Inline {
		return true
	}
	device := string(cl.Properties.Username)
	if write {
		return MayPublish(device, topic)
	}
	t, err := mqttwire.ParseTopic(topic)
	if err != nil {
		return false
	}
	if t.Group == "" {
		return MaySubscribe(device, nil, topic)
	}
	ctx, cancel := context.WithTimeout(context.Background(), lookupTimeout)
	defer cancel()
	d, err := h.devices.Device(ctx, device)
	if err != nil {
		h.log.Warn("mqtt: device lookup at subscribe", "device", device, "err", err)
		return false
	}
	return MaySubscribe(device, DeviceGroups(d.Tags), topic)
}
