//go:build linux

package linux

import (
	"context"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"sync"

	"gatewarden/cpe-agent/internal/model"
	"gatewarden/protocol/cwmp"
)

// ipInterfaces is the table a route's Interface refers to.
const ipInterfaces = "Device.IP.Interface."

// fwdRow is one IPv4Forwarding row: a kernel route, or a static row the
// ACS created with, when it is enabled and complete, its kernel route.
type fwdRow struct {
	_        [0]func() // not comparable: spares the binary an equality function
	rt       route4
	static   bool
	rec      routeRecord
	complete bool
	inKernel bool
}

// registerRouting binds Device.Routing.Router.1 (the kernel's main table)
// and its IPv4Forwarding rows: the routes of /proc/net/route, keyed by
// what a route is (destination, mask, gateway, interface, metric), and
// the static rows the ACS adds (routeBook), which own their kernel route
// while enabled and complete. Only static rows take writes and
// DeleteObject; the kernel's own routes are read-only (StaticRoute false).
func (p *Platform) registerRouting(r *model.Registry) {
	r.Table("Device.Routing.Router.{i}.", func(context.Context, model.Index) ([]string, error) { return []string{"main"}, nil })
	r.Param("Device.Routing.Router.{i}.Enable", model.Const("true"))
	r.Param("Device.Routing.Router.{i}.Status", model.Const("Enabled"))
	const f = "Device.Routing.Router.{i}.IPv4Forwarding.{i}."
	var (
		mu   sync.Mutex
		snap = map[string]route4{}
	)
	r.Editable(f, func(context.Context, model.Index) ([]string, error) {
		b, err := readFile(p.roots.proc("net", "route"))
		if err != nil {
			return nil, fmt.Errorf("routes: %w", err)
		}
		rs, err := parseRoutes(b, p.order)
		if err != nil {
			return nil, err
		}
		statics := p.routes.list()
		owned := map[string]bool{}
		for _, rec := range statics {
			if rt, ok := rec.route(); ok && rec.Enable {
				owned[rt.key()] = true
			}
		}
		next := make(map[string]route4, len(rs))
		keys := make([]string, 0, len(rs)+len(statics))
		for _, rt := range rs {
			k := rt.key()
			if _, dup := next[k]; dup {
				continue
			}
			next[k] = rt
			if !owned[k] {
				keys = append(keys, k)
			}
		}
		for _, rec := range statics {
			keys = append(keys, rec.key())
		}
		mu.Lock()
		snap = next
		mu.Unlock()
		return keys, nil
	}, model.RowHooks{
		Add: func(context.Context, model.Index) (string, error) {
			rec, err := p.routes.create()
			if err != nil {
				return "", err
			}
			return rec.key(), nil
		},
		Delete: func(_ context.Context, ix model.Index) error {
			return p.routes.remove(ix.LastKey(), func(rec routeRecord) error { return p.applyRoute(rec, routeRecord{}) })
		},
		// The kernel's own routes (StaticRoute false) are not the ACS's
		// to delete.
		Deletable: func(ix model.Index) bool { return isStaticKey(ix.LastKey()) },
	})
	row := func(ix model.Index) fwdRow {
		k := ix.LastKey()
		mu.Lock()
		if !isStaticKey(k) {
			rt := snap[k]
			mu.Unlock()
			return fwdRow{rt: rt, inKernel: true}
		}
		rec, _ := p.routes.get(k)
		rt, ok := rec.route()
		_, in := snap[rt.key()]
		mu.Unlock()
		return fwdRow{rt: rt, static: true, rec: rec, complete: ok, inKernel: ok && in}
	}
	// set changes a static row; the kernel's own rows refuse.
	set := func(fn func(rec *routeRecord, v string) error) model.Setter {
		return func(_ context.Context, ix model.Index, v string) error {
			if !isStaticKey(ix.LastKey()) {
				return cwmp.NewFault(cwmp.FaultNonWritableParameter, "the route was not created by the ACS (StaticRoute false)")
			}
			return p.routes.update(ix.LastKey(), func(rec *routeRecord) error { return fn(rec, v) }, p.applyRoute)
		}
	}
	for i := range fwdParams {
		fp := &fwdParams[i]
		get := func(_ context.Context, ix model.Index) (string, error) {
			x := row(ix)
			return fp.get(&x), nil
		}
		if fp.set == nil {
			r.Param(f+fp.name, model.Get(get))
		} else {
			r.Param(f+fp.name, model.GetSet(get, set(fp.set)))
		}
	}
	r.Param(f+"Interface", model.GetSet(
		func(_ context.Context, ix model.Index) (string, error) {
			return ix.PathOf(ipInterfaces, row(ix).rt.Iface), nil
		},
		func(ctx context.Context, ix model.Index, v string) error {
			link := ""
			if v != "" {
				num, isIf := strings.CutPrefix(strings.TrimSuffix(v, "."), ipInterfaces)
				k, ok := ix.KeyOf(v)
				if !ok || !isIf || strings.Contains(num, ".") {
					return cwmp.NewFault(cwmp.FaultInvalidParameterValue, "Interface "+strconv.Quote(v)+" names no IP interface")
				}
				link = k
			}
			return set(func(rec *routeRecord, _ string) error { rec.Link = link; return nil })(ctx, ix, v)
		}))
}

// fwdParams are the IPv4Forwarding parameters but Interface (whose value
// refers to the tree): get reads a row; set, on the writable ones,
// changes a static row's record. A table bound in a loop rather than a
// registration call with its own closures per parameter, which cost the
// router binary ~400 bytes a parameter.
var fwdParams = [...]struct {
	name string
	get  func(x *fwdRow) string
	set  func(rec *routeRecord, v string) error
}{
	{"Enable", func(x *fwdRow) string { return strconv.FormatBool(!x.static || x.rec.Enable) },
		func(rec *routeRecord, v string) error { rec.Enable = v == "true" || v == "1"; return nil }},
	{"StaticRoute", func(x *fwdRow) string { return strconv.FormatBool(x.static) }, nil},
	{"Status", (*fwdRow).status, nil},
	{"Type", func(x *fwdRow) string { return x.rt.kind() }, nil},
	{"DestIPAddress", func(x *fwdRow) string {
		if x.static {
			return x.rec.Dest
		}
		if maskBits(x.rt.Mask) == 0 {
			return "" // TR-181 writes the default route's destination empty
		}
		return addrString(x.rt.Dest)
	}, func(rec *routeRecord, v string) error {
		if err := checkIPv4("DestIPAddress", v); err != nil {
			return err
		}
		rec.Dest = v
		return nil
	}},
	{"DestSubnetMask", func(x *fwdRow) string {
		if x.static {
			return x.rec.Mask
		}
		if maskBits(x.rt.Mask) == 0 {
			return ""
		}
		return addrString(x.rt.Mask)
	}, func(rec *routeRecord, v string) error {
		if v != "" {
			if _, err := parseMask(v); err != nil {
				return cwmp.NewFault(cwmp.FaultInvalidParameterValue, err.Error())
			}
		}
		rec.Mask = v
		return nil
	}},
	{"GatewayIPAddress", func(x *fwdRow) string {
		if x.static {
			return x.rec.Gateway
		}
		if gw := x.rt.Gateway; gw.IsValid() && !gw.IsUnspecified() {
			return gw.String()
		}
		return ""
	}, func(rec *routeRecord, v string) error {
		if err := checkIPv4("GatewayIPAddress", v); err != nil {
			return err
		}
		rec.Gateway = v
		return nil
	}},
	{"ForwardingMetric", func(x *fwdRow) string {
		if x.static {
			return strconv.Itoa(x.rec.Metric)
		}
		return strconv.Itoa(int(x.rt.Metric))
	}, func(rec *routeRecord, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < -1 {
			return cwmp.NewFault(cwmp.FaultInvalidParameterValue, "ForwardingMetric: "+v)
		}
		rec.Metric = n
		return nil
	}},
}

// status is a row's Status.
func (x *fwdRow) status() string {
	switch {
	case !x.static && x.rt.Up, x.static && x.rec.Enable && x.inKernel:
		return "Enabled"
	case !x.static, !x.rec.Enable:
		return "Disabled"
	case !x.complete:
		return "Error_Misconfigured"
	}
	return "Error" // enabled, but the kernel refused or dropped it (its link went down)
}

// checkIPv4 accepts an IPv4 address or nothing.
func checkIPv4(what, v string) error {
	if v == "" {
		return nil
	}
	if a, err := netip.ParseAddr(v); err != nil || !a.Is4() {
		return cwmp.NewFault(cwmp.FaultInvalidParameterValue, what+" "+strconv.Quote(v)+" is not an IPv4 address")
	}
	return nil
}

// addrString is an address, or "" for none.
func addrString(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}
