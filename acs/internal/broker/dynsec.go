package broker

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"gatewarden/protocol/mqttwire"
)

// The external broker's access list, kept through mosquitto's
// dynamic-security plugin: the ACS (an admin of the plugin) sends its
// commands on $CONTROL/dynamic-security/v1 and reads the answers on
// .../response. Mosquitto 2.0's plugin has no %u patterns, so each device
// gets its own role naming its topics; each group (tag) is a plugin group
// whose role allows subscribing to the group's push topic.
//
// Names: client = device ID (its client ID forced to the same), role
// "gw-dev-ID", group "gw-g-TAG" with role "gw-g-TAG", and the group
// "gw-devices" (role "gw-device": the fleet push topic) that every device
// is in. The ACS's own account gets the role "gw-acs".

const (
	dynsecTopic    = "$CONTROL/dynamic-security/v1"
	dynsecResponse = dynsecTopic + "/response"
	allDevices     = "gw-devices"
	deviceRole     = "gw-device"
	acsRole        = "gw-acs"
)

type dynsec struct {
	e    *External
	user string

	mu      sync.Mutex
	pending map[string]chan dynsecResult
}

type dynsecCommand map[string]any

type dynsecResult struct {
	Command     string          `json:"command"`
	Error       string          `json:"error,omitempty"`
	Correlation string          `json:"correlationData,omitempty"`
	Data        json.RawMessage `json:"data,omitempty"`
}

func newDynsec(e *External, user string) *dynsec {
	return &dynsec{e: e, user: user, pending: map[string]chan dynsecResult{}}
}

func randomSuffix() string {
	var b [6]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func acl(typ, topic string) map[string]any {
	return map[string]any{"acltype": typ, "topic": topic, "allow": true}
}

// setup subscribes to the plugin's answers and creates the shared roles.
func (d *dynsec) setup(ctx context.Context) error {
	err := d.e.Subscribe(ctx, dynsecResponse, 1, func(_ string, payload []byte) {
		var r struct {
			Responses []dynsecResult `json:"responses"`
		}
		if json.Unmarshal(payload, &r) != nil {
			return
		}
		d.mu.Lock()
		defer d.mu.Unlock()
		for _, res := range r.Responses {
			if ch, ok := d.pending[res.Correlation]; ok {
				ch <- res
				delete(d.pending, res.Correlation)
			}
		}
	})
	if err != nil {
		return err
	}
	if err := d.grantSelf(ctx); err != nil {
		return err
	}
	_, err = d.run(ctx, []dynsecCommand{
		{"command": "createRole", "rolename": deviceRole, "acls": []any{
			acl("subscribePattern", mqttwire.FleetPushTopic),
		}},
		{"command": "createGroup", "groupname": allDevices, "roles": []any{map[string]any{"rolename": deviceRole}}},
	}, "already")
	return err
}

// grantSelf gives the ACS's own account the role gw-acs. The plugin
// disconnects a client whose roles change, so the command is sent without
// waiting for its answer, and the grant is confirmed by asking again once
// paho has reconnected.
func (d *dynsec) grantSelf(ctx context.Context) error {
	has := func(ctx context.Context) (bool, error) {
		res, err := d.run(ctx, []dynsecCommand{{"command": "getClient", "username": d.user}})
		if err != nil {
			return false, err
		}
		var info struct {
			Client struct {
				Roles []struct {
					Name string `json:"rolename"`
				} `json:"roles"`
			} `json:"client"`
		}
		if err := json.Unmarshal(res[0].Data, &info); err != nil {
			return false, fmt.Errorf("dynamic security getClient: %w", err)
		}
		return slices.ContainsFunc(info.Client.Roles, func(r struct {
			Name string `json:"rolename"`
		}) bool {
			return r.Name == acsRole
		}), nil
	}
	if ok, err := has(ctx); err != nil || ok {
		return err
	}
	if _, err := d.run(ctx, []dynsecCommand{{"command": "createRole", "rolename": acsRole, "acls": []any{
		acl("publishClientSend", mqttwire.Prefix+"#"),
		acl("publishClientReceive", mqttwire.Prefix+"#"),
		acl("subscribePattern", mqttwire.Prefix+"#"),
	}}}, "already"); err != nil {
		return err
	}
	body, _ := json.Marshal(map[string]any{"commands": []any{
		dynsecCommand{"command": "addClientRole", "username": d.user, "rolename": acsRole},
	}})
	if err := d.e.Publish(ctx, dynsecTopic, body, 1, false); err != nil {
		return err
	}
	deadline := time.Now().Add(3 * opTimeout)
	for time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
		cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		ok, err := has(cctx)
		cancel()
		if ok && err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	return errors.New("dynamic security: granting the ACS its role did not take effect")
}

// run sends the commands in one message and waits for every answer. An
// error whose text contains one of the tolerated words (e.g. "already"
// for a create that finds the object) is not a failure.
func (d *dynsec) run(ctx context.Context, cmds []dynsecCommand, tolerated ...string) ([]dynsecResult, error) {
	chans := make([]chan dynsecResult, len(cmds))
	d.mu.Lock()
	for i, c := range cmds {
		id := randomSuffix()
		c["correlationData"] = id
		chans[i] = make(chan dynsecResult, 1)
		d.pending[id] = chans[i]
	}
	d.mu.Unlock()
	defer func() {
		d.mu.Lock()
		for _, c := range cmds {
			delete(d.pending, c["correlationData"].(string))
		}
		d.mu.Unlock()
	}()
	body, err := json.Marshal(map[string]any{"commands": cmds})
	if err != nil {
		return nil, err
	}
	if err := d.e.Publish(ctx, dynsecTopic, body, 1, false); err != nil {
		return nil, err
	}
	out := make([]dynsecResult, len(cmds))
	for i, ch := range chans {
		select {
		case r := <-ch:
			out[i] = r
			if r.Error != "" && !slices.ContainsFunc(tolerated, func(w string) bool { return strings.Contains(r.Error, w) }) {
				return out, fmt.Errorf("dynamic security %s: %s", r.Command, r.Error)
			}
		case <-ctx.Done():
			return out, fmt.Errorf("dynamic security: %w", ctx.Err())
		case <-time.After(opTimeout):
			return out, fmt.Errorf("dynamic security: no answer to %s (is the ACS's account a dynsec admin?)", cmds[i]["command"])
		}
	}
	return out, nil
}

// allowDevice creates or updates the device's client, role and group
// memberships so they match groups.
func (d *dynsec) allowDevice(ctx context.Context, device, password string, groups []string) error {
	groups = DeviceGroups(groups)
	role := "gw-dev-" + device
	res, err := d.run(ctx, []dynsecCommand{
		{"command": "createRole", "rolename": role, "acls": []any{
			acl("subscribePattern", mqttwire.DeviceTopic(device, mqttwire.KindConnReq)),
			acl("subscribePattern", mqttwire.DeviceTopic(device, mqttwire.KindPush)),
			acl("subscribePattern", mqttwire.DeviceTopic(device, mqttwire.KindGroups)),
			acl("publishClientSend", mqttwire.DeviceTopic(device, mqttwire.KindAck)),
			acl("publishClientSend", mqttwire.DeviceTopic(device, mqttwire.KindTelemetry)),
			acl("publishClientSend", mqttwire.DeviceTopic(device, mqttwire.KindState)),
		}},
		{"command": "createClient", "username": device, "password": password, "clientid": device,
			"roles": []any{map[string]any{"rolename": role}}, "groups": []any{map[string]any{"groupname": allDevices}}},
		{"command": "getClient", "username": device},
	}, "already")
	if err != nil {
		return err
	}
	var info struct {
		Client struct {
			Groups []struct {
				Name string `json:"groupname"`
			} `json:"groups"`
		} `json:"client"`
	}
	if err := json.Unmarshal(res[2].Data, &info); err != nil {
		return fmt.Errorf("dynamic security getClient %s: %w", device, err)
	}
	have := map[string]bool{}
	for _, g := range info.Client.Groups {
		have[g.Name] = true
	}
	var cmds []dynsecCommand
	want := map[string]bool{allDevices: true}
	for _, g := range groups {
		name := "gw-g-" + g
		want[name] = true
		if have[name] {
			continue
		}
		cmds = append(cmds,
			dynsecCommand{"command": "createRole", "rolename": name, "acls": []any{acl("subscribePattern", mqttwire.GroupPushTopic(g))}},
			dynsecCommand{"command": "createGroup", "groupname": name, "roles": []any{map[string]any{"rolename": name}}},
			dynsecCommand{"command": "addGroupClient", "groupname": name, "username": device})
	}
	if !have[allDevices] {
		cmds = append(cmds, dynsecCommand{"command": "addGroupClient", "groupname": allDevices, "username": device})
	}
	for name := range have {
		if !want[name] && strings.HasPrefix(name, "gw-g-") {
			cmds = append(cmds, dynsecCommand{"command": "removeGroupClient", "groupname": name, "username": device})
		}
	}
	if len(cmds) == 0 {
		return nil
	}
	_, err = d.run(ctx, cmds, "already")
	return err
}
