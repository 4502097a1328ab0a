package lane

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gatewarden/acs/internal/store"
	"gatewarden/protocol/mqttwire"
)

// Errors of PushPreset that are the caller's to fix.
var (
	// ErrNoGroup: the group has no members, or is not a valid group name.
	ErrNoGroup = errors.New("no such group")
	// ErrOutsideFilter: members of the group do not match the preset's
	// filter; the bundle would reach devices the preset does not target.
	ErrOutsideFilter = errors.New("group members outside the preset's filter")
	// ErrNothingToPush: the preset has no TR-181 values.
	ErrNothingToPush = errors.New("preset has no Device. values to push")
)

// VersionPrefix starts every bundle version (and so the ParameterKey of a
// device that applied a push), telling pushes from preset plans ("p:")
// and tasks.
const VersionPrefix = "m:"

// bundleVersion names a preset version's values in at most 32 characters:
// "m:NAME@VERSION-HASH", or "m:" and 24 hex digits when that is too long.
// Secret values are not hashed (ParameterKey is readable by anyone who
// can read the device), the preset version changes with them anyway.
func bundleVersion(p *store.Preset, values []mqttwire.Value) string {
	h := sha256.New()
	h.Write([]byte(p.Name + "\x00" + strconv.FormatInt(p.Version, 10) + "\x00"))
	for _, v := range values {
		h.Write([]byte(v.Name + "\x00" + v.Type + "\x00"))
		if !secretName(v.Name) {
			h.Write([]byte(v.Value))
		}
		h.Write([]byte{0})
	}
	sum := hex.EncodeToString(h.Sum(nil))
	v := VersionPrefix + p.Name + "@" + strconv.FormatInt(p.Version, 10) + "-" + sum[:6]
	if len(v) <= mqttwire.MaxVersionLen {
		return v
	}
	return VersionPrefix + sum[:24]
}

// secretName: passwords, keys and passphrases (TR-181 names them so).
func secretName(name string) bool {
	last := name[strings.LastIndexByte(name, '.')+1:]
	for _, s := range []string{"Password", "Passphrase", "Key", "Secret", "PSK"} {
		if strings.Contains(last, s) {
			return true
		}
	}
	return false
}

// bundleValues are the preset's TR-181 values (the lane's agents speak
// TR-181 only).
func bundleValues(p *store.Preset) []mqttwire.Value {
	var out []mqttwire.Value
	for _, v := range p.Values {
		if strings.HasPrefix(v.Name, "Device.") {
			out = append(out, mqttwire.Value{Name: v.Name, Value: v.Value, Type: strings.TrimPrefix(v.Type, "xsd:")})
		}
	}
	return out
}

// memberPage is how many group members are read and recorded at once.
const memberPage = 500

// PushPreset publishes the preset to every member of group as one signed
// bundle, after recording the push and a pending delivery per member.
// Every member must match the preset's filter.
func (l *Lane) PushPreset(ctx context.Context, name, group, actor string) (store.Push, error) {
	if !mqttwire.ValidGroup(group) {
		return store.Push{}, fmt.Errorf("%w: %q is not a valid group name", ErrNoGroup, group)
	}
	p, err := l.st.Preset(ctx, name)
	if err != nil {
		return store.Push{}, err
	}
	values := bundleValues(&p)
	if len(values) == 0 {
		return store.Push{}, ErrNothingToPush
	}
	match, err := l.cfg.Compile(p.Filter)
	if err != nil {
		return store.Push{}, fmt.Errorf("preset %s filter: %w", name, err)
	}
	// First pass: the group exists and lies inside the filter.
	members, outside := 0, 0
	var firstOutside string
	err = l.eachMember(ctx, group, func(devs []store.Device) error {
		for i := range devs {
			members++
			if !l.matches(ctx, match, &devs[i]) {
				if outside == 0 {
					firstOutside = devs[i].ID
				}
				outside++
			}
		}
		return nil
	})
	if err != nil {
		return store.Push{}, err
	}
	if members == 0 {
		return store.Push{}, fmt.Errorf("%w: no device has the tag %q", ErrNoGroup, group)
	}
	if outside > 0 {
		return store.Push{}, fmt.Errorf("%w: %d of %d devices tagged %q (e.g. %s) do not match preset %s's filter",
			ErrOutsideFilter, outside, members, group, firstOutside, name)
	}
	sp := store.Push{Preset: p.Name, PresetVersion: p.Version, Group: group, Version: bundleVersion(&p, values),
		Values: presetValues(values), Actor: actor, Created: l.now().UTC()}
	if err := l.st.CreatePush(ctx, &sp); err != nil {
		return store.Push{}, err
	}
	// Second pass: record the deliveries, and make sure each member's
	// group list (and an external broker's ACL) includes the group. A
	// member whose list changed just now may not have subscribed to the
	// group topic by the time the bundle goes out: it gets its own copy.
	var fresh []string
	err = l.eachMember(ctx, group, func(devs []store.Device) error {
		ids := make([]string, len(devs))
		for i, d := range devs {
			ids[i] = d.ID
		}
		if err := l.st.AddDeliveries(ctx, sp.ID, ids); err != nil {
			return err
		}
		for _, id := range ids {
			sent, err := l.sendGroups(ctx, id, false)
			if err != nil {
				l.log.Info("mqtt: group list before a push", "device", id, "err", err)
			}
			if sent && l.Online(id) {
				fresh = append(fresh, id)
			}
		}
		return nil
	})
	if err != nil {
		return store.Push{}, fmt.Errorf("recording push %s: %w", sp.ID, err)
	}
	l.m.pushes.Inc()
	if err := l.publishBundle(ctx, &sp, "g/"+group); err != nil {
		// The push is recorded: the next restart, a straggler pass or the
		// devices' Informs finish it.
		return sp, fmt.Errorf("publishing push %s: %w", sp.ID, err)
	}
	for _, id := range fresh {
		if err := l.publishBundle(ctx, &sp, "d/"+id); err != nil {
			return sp, fmt.Errorf("publishing push %s to %s: %w", sp.ID, id, err)
		}
	}
	l.scheduleStragglers(sp.ID)
	return l.st.Push(ctx, sp.ID)
}

func presetValues(vs []mqttwire.Value) []store.PresetValue {
	out := make([]store.PresetValue, len(vs))
	for i, v := range vs {
		out[i] = store.PresetValue{Name: v.Name, Value: v.Value, Type: v.Type}
	}
	return out
}

func wireValues(vs []store.PresetValue) []mqttwire.Value {
	out := make([]mqttwire.Value, len(vs))
	for i, v := range vs {
		out[i] = mqttwire.Value{Name: v.Name, Value: v.Value, Type: v.Type}
	}
	return out
}

// matches applies a compiled filter, reading parameters only when the
// filter asks for them.
func (l *Lane) matches(ctx context.Context, match func(*store.Device, func(string) (store.Param, bool)) bool, d *store.Device) bool {
	var cache map[string]store.Param
	return match(d, func(name string) (store.Param, bool) {
		if cache == nil {
			cache = map[string]store.Param{}
			ps, err := l.st.Params(ctx, d.ID, "")
			if err == nil {
				for _, p := range ps {
					cache[p.Name] = p
				}
			}
		}
		p, ok := cache[name]
		return p, ok
	})
}

// eachMember pages through the devices tagged group.
func (l *Lane) eachMember(ctx context.Context, group string, fn func([]store.Device) error) error {
	after := ""
	for {
		devs, next, err := l.st.ListDevices(ctx, store.DeviceQuery{After: after, Limit: memberPage,
			Match: func(d *store.Device, _ func(string) (store.Param, bool)) bool {
				for _, t := range d.Tags {
					if t == group {
						return true
					}
				}
				return false
			}})
		if err != nil {
			return err
		}
		if len(devs) > 0 {
			if err := fn(devs); err != nil {
				return err
			}
		}
		if next == "" {
			return nil
		}
		after = next
	}
}

// publishBundle signs the push's values for target with a fresh id and
// time and publishes them on target's topic.
func (l *Lane) publishBundle(ctx context.Context, sp *store.Push, target string) error {
	b := mqttwire.NewBundle(target, sp.Version, wireValues(sp.Values), l.now())
	if err := b.Sign(l.cfg.PushKey); err != nil {
		return err
	}
	msg, err := b.Encode()
	if err != nil {
		return err
	}
	var topic string
	switch {
	case strings.HasPrefix(target, "g/"):
		topic = mqttwire.GroupPushTopic(target[2:])
	case strings.HasPrefix(target, "d/"):
		topic = mqttwire.DeviceTopic(target[2:], mqttwire.KindPush)
	default:
		topic = mqttwire.FleetPushTopic
	}
	if err := l.tr.Publish(ctx, topic, msg, 1, false); err != nil {
		return err
	}
	l.m.published.Inc()
	l.mu.Lock()
	l.versions[sp.ID] = sp.Version
	l.mu.Unlock()
	return nil
}

// resume re-publishes every push that still has pending deliveries: the
// ACS stopped (or crashed) before every answer came.
func (l *Lane) resume(ctx context.Context) error {
	pushes, err := l.st.PendingPushes(ctx, 1000)
	if err != nil {
		return err
	}
	for i := range pushes {
		sp := &pushes[i]
		if err := l.publishBundle(ctx, sp, "g/"+sp.Group); err != nil {
			return fmt.Errorf("re-publishing push %s: %w", sp.ID, err)
		}
		l.log.Info("mqtt: re-published a pending push", "push", sp.ID, "preset", sp.Preset, "group", sp.Group,
			"pending", sp.Counts[store.DeliveryPending])
		l.scheduleStragglers(sp.ID)
	}
	return nil
}

// scheduleStragglers re-sends the push, after StragglerAfter, on the own
// push topic of each online member that has not answered.
func (l *Lane) scheduleStragglers(pushID string) {
	time.AfterFunc(l.cfg.StragglerAfter, func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := l.stragglers(ctx, pushID); err != nil {
			l.log.Info("mqtt: straggler pass", "push", pushID, "err", err)
		}
	})
}

func (l *Lane) stragglers(ctx context.Context, pushID string) error {
	sp, err := l.st.Push(ctx, pushID)
	if err != nil {
		return err
	}
	after := ""
	for {
		ds, next, err := l.st.Deliveries(ctx, pushID, after, memberPage)
		if err != nil {
			return err
		}
		for _, d := range ds {
			if d.Status == store.DeliveryPending && l.Online(d.Device) {
				if err := l.publishBundle(ctx, &sp, "d/"+d.Device); err != nil {
					return err
				}
			}
		}
		if next == "" {
			return nil
		}
		after = next
	}
}

// PushStatus is a push with one page of its deliveries.
func (l *Lane) PushStatus(ctx context.Context, id, after string, limit int) (store.Push, []store.Delivery, string, error) {
	sp, err := l.st.Push(ctx, id)
	if err != nil {
		return store.Push{}, nil, "", err
	}
	ds, next, err := l.st.Deliveries(ctx, id, after, limit)
	return sp, ds, next, err
}

// Pushes lists pushes of a preset, newest first.
func (l *Lane) Pushes(ctx context.Context, preset string, limit int) ([]store.Push, error) {
	return l.st.ListPushes(ctx, preset, limit)
}
