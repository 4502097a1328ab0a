package sim

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"gatewarden/cpe-agent/internal/model"
)

// host is one device the router has seen on its LAN.
type host struct {
	_             [0]func() // not comparable: spares the binary an equality function
	MAC, IP, Name string
	Layer1, Type  string
	Active        bool
	Since         time.Time
}

// registerHosts binds Device.Hosts.Host, listed by MAC address.
func (s *Sim) registerHosts(r *model.Registry) {
	const h = "Device.Hosts.Host.{i}."
	r.Table(h, func(context.Context, model.Index) ([]string, error) {
		s.mu.Lock()
		out := make([]string, len(s.hosts))
		for i, x := range s.hosts {
			out[i] = x.MAC
		}
		s.mu.Unlock()
		return out, nil
	})
	for _, f := range hostFields {
		r.Param(h+f.name, s.hostField(f.get))
	}
	r.Param(h+"Layer3Interface", model.Const("Device.IP.Interface.1."))
	r.Table(h+"IPv4Address.{i}.", func(_ context.Context, parent model.Index) ([]string, error) {
		var out []string
		s.mu.Lock()
		if x := s.host(parent.Key(0)); x != nil && x.IP != "" {
			out = []string{x.IP}
		}
		s.mu.Unlock()
		return out, nil
	})
	r.Param(h+"IPv4Address.{i}.IPAddress", text(func(ix model.Index) string { return ix.Key(1) }))
}

// hostFields are the parameters read from a host's record, bound in a
// loop (see simParam).
var hostFields = [...]struct {
	name string
	get  func(x *host) string
}{
	{"PhysAddress", func(x *host) string { return x.MAC }},
	{"IPAddress", func(x *host) string { return x.IP }},
	{"Layer1Interface", func(x *host) string { return x.Layer1 }},
	{"InterfaceType", func(x *host) string { return x.Type }},
	{"HostName", func(x *host) string { return x.Name }},
	{"Active", func(x *host) string { return strconv.FormatBool(x.Active) }},
	{"ActiveLastChange", func(x *host) string { return x.Since.UTC().Format(time.RFC3339) }},
}

// hostField binds a field of the host an instance names ("" once it is
// gone). Out of line like counter.
//
//go:noinline
func (s *Sim) hostField(fn func(x *host) string) model.Binding {
	return text(func(ix model.Index) string {
		var v string
		s.mu.Lock()
		if x := s.host(ix.Key(0)); x != nil {
			v = fn(x)
		}
		s.mu.Unlock()
		return v
	})
}

// host finds a host by MAC. Called with s.mu held.
func (s *Sim) host(mac string) *host {
	for i := range s.hosts {
		if s.hosts[i].MAC == mac {
			return &s.hosts[i]
		}
	}
	return nil
}

// AddHost makes a new device appear on the LAN (wired, or on Wi-Fi).
func (s *Sim) AddHost(ctx context.Context, mac, ip, name string, wifi bool) error {
	mac = strings.ToUpper(mac)
	s.mu.Lock()
	if s.host(mac) != nil {
		s.mu.Unlock()
		return fmt.Errorf("sim: host %s already present", mac)
	}
	x := host{MAC: mac, IP: ip, Name: name, Active: true, Since: s.clk.Now(), Layer1: "Device.Ethernet.Interface.1.", Type: "Ethernet"}
	if wifi {
		x.Layer1, x.Type = "Device.WiFi.SSID.1.", "Wi-Fi"
	}
	s.hosts = append(s.hosts, x)
	s.mu.Unlock()
	return s.notify(ctx, "Device.Hosts.")
}

// RemoveHost makes a device vanish from the host table.
func (s *Sim) RemoveHost(ctx context.Context, mac string) error {
	mac = strings.ToUpper(mac)
	s.mu.Lock()
	i := slices.IndexFunc(s.hosts, func(x host) bool { return x.MAC == mac })
	if i < 0 {
		s.mu.Unlock()
		return fmt.Errorf("sim: no host %s", mac)
	}
	s.hosts = slices.Delete(s.hosts, i, i+1)
	s.mu.Unlock()
	return s.notify(ctx, "Device.Hosts.")
}

// SetHostActive marks a device as gone quiet or back.
func (s *Sim) SetHostActive(ctx context.Context, mac string, active bool) error {
	mac = strings.ToUpper(mac)
	s.mu.Lock()
	x := s.host(mac)
	if x == nil {
		s.mu.Unlock()
		return fmt.Errorf("sim: no host %s", mac)
	}
	if x.Active != active {
		x.Active, x.Since = active, s.clk.Now()
	}
	s.mu.Unlock()
	return s.notify(ctx, "Device.Hosts.")
}
