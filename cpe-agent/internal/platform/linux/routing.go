//go:build linux

package linux

import (
	"context"
	"fmt"
	"net/netip"
	"strconv"
	"sync"

	"gatewarden/cpe-agent/internal/model"
)

// registerRouting binds Device.Routing.Router.1 (the kernel's main table)
// and its IPv4Forwarding rows from /proc/net/route, keyed by what a route
// is (destination, mask, gateway, interface, metric).
func (p *Platform) registerRouting(r *model.Registry) {
	r.Table("Device.Routing.Router.{i}.", func(context.Context, model.Index) ([]string, error) { return []string{"main"}, nil })
	r.Param("Device.Routing.Router.{i}.Enable", model.Const("true"))
	r.Param("Device.Routing.Router.{i}.Status", model.Const("Enabled"))
	const f = "Device.Routing.Router.{i}.IPv4Forwarding.{i}."
	var (
		mu   sync.Mutex
		snap = map[string]route4{}
	)
	r.Table(f, func(context.Context, model.Index) ([]string, error) {
		b, err := readFile(p.roots.proc("net", "route"))
		if err != nil {
			return nil, fmt.Errorf("routes: %w", err)
		}
		rs, err := parseRoutes(b, p.order)
		if err != nil {
			return nil, err
		}
		next := make(map[string]route4, len(rs))
		keys := make([]string, 0, len(rs))
		for _, rt := range rs {
			k := rt.key()
			if _, dup := next[k]; dup {
				continue
			}
			next[k] = rt
			keys = append(keys, k)
		}
		mu.Lock()
		snap = next
		mu.Unlock()
		return keys, nil
	})
	route := func(ix model.Index) route4 {
		mu.Lock()
		defer mu.Unlock()
		return snap[ix.LastKey()]
	}
	addr := func(a netip.Addr) string {
		if !a.IsValid() {
			return ""
		}
		return a.String()
	}
	r.Param(f+"Enable", model.Const("true"))
	r.Param(f+"Status", textParam(func(ix model.Index) string {
		if route(ix).Up {
			return "Enabled"
		}
		return "Disabled"
	}))
	r.Param(f+"Type", textParam(func(ix model.Index) string { return route(ix).kind() }))
	r.Param(f+"DestIPAddress", textParam(func(ix model.Index) string {
		rt := route(ix)
		if maskBits(rt.Mask) == 0 {
			return "" // TR-181 writes the default route's destination empty
		}
		return addr(rt.Dest)
	}))
	r.Param(f+"DestSubnetMask", textParam(func(ix model.Index) string {
		rt := route(ix)
		if maskBits(rt.Mask) == 0 {
			return ""
		}
		return addr(rt.Mask)
	}))
	r.Param(f+"GatewayIPAddress", textParam(func(ix model.Index) string {
		if gw := route(ix).Gateway; gw.IsValid() && !gw.IsUnspecified() {
			return gw.String()
		}
		return ""
	}))
	r.Param(f+"ForwardingMetric", model.Get(func(_ context.Context, ix model.Index) (string, error) {
		return strconv.Itoa(int(route(ix).Metric)), nil
	}))
}
