//go:build linux

package linux

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"sync"

	"gatewarden/cpe-agent/internal/model"
)

// registerDNS binds Device.DNS.Client.Server from the resolver file, one
// instance per nameserver address.
func (p *Platform) registerDNS(r *model.Registry) {
	const s = "Device.DNS.Client.Server.{i}."
	r.Table(s, func(context.Context, model.Index) ([]string, error) {
		b, err := readFile(p.opts.ResolvConf)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("resolver: %w", err)
		}
		var keys []string
		for _, a := range parseResolvConf(b) {
			keys = append(keys, a.String())
		}
		return keys, nil
	})
	r.Param(s+"Enable", model.Const("true"))
	r.Param(s+"Status", model.Const("Enabled"))
	r.Param(s+"DNSServer", textParam(func(ix model.Index) string { return ix.LastKey() }))
	// resolv.conf does not say where a server came from; the file is the
	// device's static configuration as far as the agent can tell.
	r.Param(s+"Type", model.Const("Static"))
}

// host is one LAN device of the neighbour table, grouped by MAC.
type host struct {
	MAC    string
	IPs    []string
	Active bool
	Name   string // from dnsmasq's lease, "" without one
}

// registerHosts binds Device.Hosts.Host from the IPv4 neighbour table,
// one instance per MAC address.
func (p *Platform) registerHosts(r *model.Registry) {
	const h = "Device.Hosts.Host.{i}."
	var (
		mu   sync.Mutex
		snap = map[string]*host{}
	)
	r.Table(h, func(context.Context, model.Index) ([]string, error) {
		b, err := readFile(p.roots.proc("net", "arp"))
		if err != nil {
			return nil, fmt.Errorf("neighbours: %w", err)
		}
		ns, err := parseARP(b)
		if err != nil {
			return nil, err
		}
		hosts, keys := groupHosts(ns)
		// dnsmasq's leases name the hosts, read once a listing rather than
		// by each host's HostName. A lease file that is missing or damaged
		// only costs the names. Backwards, so a MAC's first lease counts.
		if b, err := readFile(p.opts.LeasesFile); err == nil {
			if ls, err := parseLeases(b); err == nil {
				for i := len(ls) - 1; i >= 0; i-- {
					if x := hosts[ls[i].MAC]; x != nil {
						x.Name = ls[i].HostName
					}
				}
			}
		}
		mu.Lock()
		snap = hosts
		mu.Unlock()
		return keys, nil
	})
	get := func(ix model.Index) host {
		mu.Lock()
		var x host
		if p := snap[ix.Key(0)]; p != nil {
			x = *p
		}
		mu.Unlock()
		return x
	}
	r.Param(h+"PhysAddress", textParam(func(ix model.Index) string { return ix.Key(0) }))
	r.Param(h+"IPAddress", textParam(func(ix model.Index) string {
		if x := get(ix); len(x.IPs) > 0 {
			return x.IPs[0]
		}
		return ""
	}))
	r.Param(h+"Active", boolParam(func(ix model.Index) bool { return get(ix).Active }))
	r.Param(h+"HostName", textParam(func(ix model.Index) string { return get(ix).Name }))
	r.Table(h+"IPv4Address.{i}.", func(_ context.Context, parent model.Index) ([]string, error) {
		return get(parent).IPs, nil
	})
	r.Param(h+"IPv4Address.{i}.IPAddress", textParam(func(ix model.Index) string { return ix.Key(1) }))
}

// groupHosts folds neighbour entries into hosts by MAC, keeping the
// table's order.
func groupHosts(ns []neighbour) (map[string]*host, []string) {
	hosts := map[string]*host{}
	var keys []string
	for _, n := range ns {
		x := hosts[n.MAC]
		if x == nil {
			x = &host{MAC: n.MAC}
			hosts[n.MAC] = x
			keys = append(keys, n.MAC)
		}
		ip := n.IP.String()
		dup := false
		for _, have := range x.IPs {
			dup = dup || have == ip
		}
		if !dup {
			x.IPs = append(x.IPs, ip)
		}
		x.Active = x.Active || n.Active
	}
	return hosts, keys
}
