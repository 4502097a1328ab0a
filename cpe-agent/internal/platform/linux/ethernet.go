//go:build linux

package linux

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"gatewarden/cpe-agent/internal/model"
	"gatewarden/protocol/datamodel"
)

// registerEthernet binds Device.Ethernet.Interface: one instance per
// Ethernet link (isEthernet), keyed by the link's name.
func (p *Platform) registerEthernet(r *model.Registry) {
	const e = "Device.Ethernet.Interface.{i}."
	r.Table(e, func(context.Context, model.Index) ([]string, error) {
		return p.listLinks(func(l linkInfo) bool { return l.isEthernet(readIfaceSys(p.roots, l.Name).Wireless) })
	})
	p.bindLinkCommon(r, e, true)
	r.Param(e+"Upstream", model.Const("false"))
	r.Param(e+"MaxBitRate", model.GetInt(func(_ context.Context, ix model.Index) (int64, error) {
		return readIfaceSys(p.roots, ix.LastKey()).SpeedMbps, nil
	}))
	r.Param(e+"CurrentBitRate", uintParam(func(ix model.Index) (uint64, error) {
		if s := readIfaceSys(p.roots, ix.LastKey()).SpeedMbps; s > 0 {
			return uint64(s), nil
		}
		return 0, nil
	}))
	r.Param(e+"DuplexMode", textParam(func(ix model.Index) string { return readIfaceSys(p.roots, ix.LastKey()).Duplex }))
	p.bindStats(r, e+"Stats.")
}

// listLinks refreshes the link listing and returns the names of the links
// keep selects, by ifindex (so a fresh device numbers them in the
// kernel's order).
func (p *Platform) listLinks(keep func(linkInfo) bool) ([]string, error) {
	if err := p.refreshLinks(); err != nil {
		return nil, err
	}
	p.mu.Lock()
	var out []string
	for _, name := range p.links.order {
		if keep(p.links.byName[name]) {
			out = append(out, name)
		}
	}
	p.mu.Unlock()
	return out, nil
}

// bindLinkCommon binds what Ethernet (eth) and IP interfaces share:
// Enable (administrative state, through netlink), Name, and the
// parameters of linkParams.
func (p *Platform) bindLinkCommon(r *model.Registry, tmpl string, eth bool) {
	r.Param(tmpl+"Enable", model.GetSet(
		func(_ context.Context, ix model.Index) (string, error) {
			l, _ := p.link(ix.LastKey())
			return strconv.FormatBool(l.AdminUp), nil
		},
		func(_ context.Context, ix model.Index, v string) error {
			return p.setAdmin(ix.LastKey(), v == "true" || v == "1")
		}))
	r.Param(tmpl+"Name", textParam(func(ix model.Index) string { return ix.LastKey() }))
	for i := range linkParams {
		lp := &linkParams[i]
		if lp.eth && eth || lp.ip && !eth {
			r.Param(tmpl+lp.name, textParam(func(ix model.Index) string {
				l, ok := p.link(ix.LastKey())
				return lp.get(&l, ok)
			}))
		}
	}
}

// linkParams are read from a link's entry in the listing (ok false: the
// link is gone); eth and ip say whether Ethernet and IP interfaces have
// them. A table bound in a loop: see fwdParams.
var linkParams = [...]struct {
	name    string
	eth, ip bool
	get     func(l *linkInfo, ok bool) string
}{
	{"Status", true, true, func(l *linkInfo, ok bool) string {
		if !ok {
			return "NotPresent"
		}
		return l.status()
	}},
	{"MACAddress", true, false, func(l *linkInfo, _ bool) string { return l.MAC }},
	{"Type", false, true, func(l *linkInfo, _ bool) string { return l.ipType() }},
	{"Loopback", false, true, func(l *linkInfo, _ bool) string { return strconv.FormatBool(l.Encap == "loopback") }},
}

// setAdmin sets a link up or down and updates the listing at once, so
// a GetParameterValues in the same session reads the new state.
func (p *Platform) setAdmin(name string, up bool) error {
	if err := p.nl.setLinkUp(name, up); err != nil {
		state := "down"
		if up {
			state = "up"
		}
		return fmt.Errorf("setting %s %s: %w", name, state, err)
	}
	return p.refreshLinks()
}

// bindStats binds an interface's Stats counters from sysfs. Counters the
// schema types as 32-bit wrap at 2^32 as TR-181 says counters do.
func (p *Platform) bindStats(r *model.Registry, st string) {
	for _, sf := range statFiles {
		path, file := st+sf.name, sf.file
		wide := true
		if n, ok := datamodel.TR181().Lookup(path); ok && n.XSDType() == "xsd:unsignedInt" {
			wide = false
		}
		r.Param(path, uintParam(func(ix model.Index) (uint64, error) {
			ifname := ix.LastKey()
			raw, err := readStat(p.roots, ifname, file)
			if errors.Is(err, errGone) {
				return 0, nil // vanished since the listing
			}
			if err != nil {
				return 0, err
			}
			l, _ := p.link(ifname)
			v := p.stats.extend(strconv.Itoa(l.Index)+"/"+ifname+"/"+file, raw)
			if !wide {
				v &= 1<<32 - 1
			}
			return v, nil
		}))
	}
}
