//go:build linux

package linux

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"gatewarden/cpe-agent/internal/model"
	"gatewarden/protocol/cwmp"
)

// registerIP binds Device.IP.Interface (isIPInterface links, keyed by
// name) with their IPv4 and IPv6 addresses.
func (p *Platform) registerIP(r *model.Registry) {
	const ipif = "Device.IP.Interface.{i}."
	r.Param("Device.IP.IPv4Capable", model.Const("true"))
	r.Param("Device.IP.IPv6Capable", boolParam(func(model.Index) bool {
		_, err := os.Stat(p.roots.proc("sys", "net", "ipv6"))
		return err == nil
	}))
	r.Table(ipif, func(context.Context, model.Index) ([]string, error) {
		keys, err := p.listLinks(linkInfo.isIPInterface)
		if err == nil {
			p.mu.Lock()
			present := p.links.byName
			p.mu.Unlock()
			p.addrs.prune(present)
		}
		return keys, err
	})
	p.bindLinkCommon(r, ipif, false)
	r.Param(ipif+"MaxMTUSize", model.GetSet(
		func(_ context.Context, ix model.Index) (string, error) {
			l, _ := p.link(ix.LastKey())
			return strconv.Itoa(max(l.MTU, 64)), nil
		},
		func(_ context.Context, ix model.Index, v string) error {
			mtu, err := strconv.ParseUint(v, 10, 32)
			if err != nil {
				return cwmp.NewFault(cwmp.FaultInvalidParameterValue, "MaxMTUSize: "+v)
			}
			if err := p.nl.setLinkMTU(ix.LastKey(), uint32(mtu)); err != nil {
				if errors.Is(err, unix.EINVAL) {
					return cwmp.NewFault(cwmp.FaultInvalidParameterValue, ix.LastKey()+" does not take MTU "+v)
				}
				return fmt.Errorf("setting the MTU of %s: %w", ix.LastKey(), err)
			}
			return p.refreshLinks()
		}))
	r.Param(ipif+"IPv6Enable", model.GetSet(
		func(_ context.Context, ix model.Index) (string, error) {
			b, err := readFile(p.roots.proc("sys", "net", "ipv6", "conf", ix.LastKey(), "disable_ipv6"))
			if err != nil {
				return "false", nil // no IPv6 in this kernel, or the link just went
			}
			return strconv.FormatBool(strings.TrimSpace(string(b)) == "0"), nil
		},
		func(_ context.Context, ix model.Index, v string) error {
			val := "1"
			if v == "true" || v == "1" {
				val = "0"
			}
			f := p.roots.proc("sys", "net", "ipv6", "conf", ix.LastKey(), "disable_ipv6")
			if err := os.WriteFile(f, []byte(val), 0o644); err != nil {
				return fmt.Errorf("IPv6 on %s: %w", ix.LastKey(), err)
			}
			return nil
		}))
	p.bindStats(r, ipif+"Stats.")
	p.registerAddrs(r, ipif+"IPv4Address.{i}.", 4)
	p.registerAddrs(r, ipif+"IPv6Address.{i}.", 6)
}

// registerAddrs binds one address table of IP.Interface.
func (p *Platform) registerAddrs(r *model.Registry, tmpl string, fam int) {
	rec := func(ix model.Index) addrRecord {
		a, _ := p.addrs.get(ix.Key(0), ix.Key(1))
		return a
	}
	r.Editable(tmpl, func(_ context.Context, parent model.Index) ([]string, error) {
		kern, err := p.kern.addrs(parent.Key(0), fam)
		if err != nil {
			return nil, err
		}
		return p.addrs.sync(parent.Key(0), fam, kern)
	}, model.RowHooks{
		Add: func(_ context.Context, ix model.Index) (string, error) {
			a, err := p.addrs.create(ix.Key(0), fam)
			if err != nil {
				return "", err
			}
			return a.key(), nil
		},
		Delete: func(_ context.Context, ix model.Index) error {
			return p.addrs.remove(ix.Key(0), ix.Key(1), func(a addrRecord) error {
				return p.applyAddr(ix.Key(0), a, addrRecord{})
			})
		},
		Deletable: func(ix model.Index) bool { return deletableAddr(rec(ix)) },
	})
	for i := range addrParams {
		ap := &addrParams[i]
		if ap.fam != 0 && ap.fam != fam {
			continue
		}
		get := func(_ context.Context, ix model.Index) (string, error) {
			a := rec(ix)
			return ap.get(&a), nil
		}
		if ap.set == nil {
			r.Param(tmpl+ap.name, model.Get(get))
			continue
		}
		r.Param(tmpl+ap.name, model.GetSet(get, func(_ context.Context, ix model.Index, v string) error {
			return p.addrs.update(ix.Key(0), ix.Key(1), func(a *addrRecord) error { return ap.set(a, v, fam) },
				func(old, cur addrRecord) error { return p.applyAddr(ix.Key(0), old, cur) })
		}))
	}
}

// addrParams are the parameters of an address row (fam 0: of both
// tables): get reads the record; set, on the writable ones, changes it.
// A table bound in a loop rather than a registration call with its own
// closures per parameter, which cost the router binary ~300 bytes a
// parameter.
var addrParams = [...]struct {
	name string
	fam  int
	get  func(a *addrRecord) string
	set  func(a *addrRecord, v string, fam int) error
}{
	{"Enable", 0, func(a *addrRecord) string { return strconv.FormatBool(a.Enable) },
		func(a *addrRecord, v string, _ int) error { a.Enable = v == "true" || v == "1"; return nil }},
	{"IPAddress", 0, func(a *addrRecord) string { return a.IP }, setAddrIP},
	{"Status", 0, func(a *addrRecord) string {
		switch {
		case !a.Enable:
			return "Disabled"
		case a.IP == "":
			return "Error_Misconfigured"
		}
		return "Enabled"
	}, nil},
	{"SubnetMask", 4, func(a *addrRecord) string {
		if a.IP == "" {
			return ""
		}
		return maskOf(a.Prefix).String()
	}, func(a *addrRecord, v string, _ int) error {
		n, err := parseMask(v)
		if err != nil {
			return cwmp.NewFault(cwmp.FaultInvalidParameterValue, err.Error())
		}
		a.Prefix = n
		return nil
	}},
	{"AddressingType", 4, func(a *addrRecord) string {
		if a.Dynamic {
			return "DHCP"
		}
		return "Static"
	}, nil},
	{"IPAddressStatus", 6, func(a *addrRecord) string {
		switch {
		case !a.Enable || a.IP == "":
			return "Invalid"
		case a.Flags&unix.IFA_F_TENTATIVE != 0:
			return "Tentative"
		case a.Flags&unix.IFA_F_DEPRECATED != 0:
			return "Deprecated"
		}
		return "Preferred"
	}, nil},
	{"Origin", 6, func(a *addrRecord) string {
		ip, err := netip.ParseAddr(a.IP)
		switch {
		case err == nil && ip.IsLoopback():
			return "WellKnown"
		case a.Dynamic || err == nil && ip.IsLinkLocalUnicast():
			return "AutoConfigured"
		}
		return "Static"
	}, nil},
}

// setAddrIP writes a record's address; a record without a prefix yet gets
// the usual one of its family.
func setAddrIP(a *addrRecord, v string, fam int) error {
	ip, err := netip.ParseAddr(v)
	if err != nil || (fam == 4) != ip.Is4() || ip.Zone() != "" {
		return cwmp.NewFault(cwmp.FaultInvalidParameterValue, strconv.Quote(v)+" is not an IPv"+strconv.Itoa(fam)+" address")
	}
	a.IP = ip.String()
	if a.Prefix == 0 {
		a.Prefix = 64
		if fam == 4 {
			a.Prefix = 24
		}
	}
	return nil
}

// deletableAddr says whether the ACS may delete an address row: not the
// addresses the system manages itself (a DHCP lease, SLAAC, the IPv6
// link-local and loopback addresses), which would only come back, or
// break the link's IPv6; they are refused like the kernel's own routes.
func deletableAddr(a addrRecord) bool {
	ip, err := netip.ParseAddr(a.IP)
	return !a.Dynamic && !(err == nil && a.Family == 6 && (ip.IsLinkLocalUnicast() || ip.IsLoopback()))
}

// addrs lists the addresses of one family on a link. A link that
// vanished has none.
func (k *netlinkKernel) addrs(name string, fam int) ([]kernelAddr, error) {
	l, err := k.nl.linkByName(name)
	if errors.Is(err, errGone) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("link %s: %w", name, err)
	}
	family := unix.AF_INET
	if fam == 6 {
		family = unix.AF_INET6
	}
	as, err := k.nl.addrs(family)
	if err != nil {
		return nil, fmt.Errorf("addresses of %s: %w", name, err)
	}
	var out []kernelAddr
	for _, a := range as {
		if a.Index == l.Index {
			out = append(out, kernelAddr{IP: a.IP, Prefix: a.Prefix, Flags: a.Flags, Dynamic: a.dynamic()})
		}
	}
	return out, nil
}

// applyAddr makes the kernel match a record's change: the old address
// goes if it was configured, the new one comes if it is enabled and
// complete. If the new one is refused the old one is put back.
func (p *Platform) applyAddr(name string, old, cur addrRecord) error {
	if old.Enable == cur.Enable && old.IP == cur.IP && old.Prefix == cur.Prefix {
		return nil
	}
	prefix := func(a addrRecord) (netip.Prefix, bool) {
		ip, err := netip.ParseAddr(a.IP)
		if err != nil || a.Prefix < 0 || a.Prefix > ip.BitLen() {
			return netip.Prefix{}, false
		}
		return netip.PrefixFrom(ip, a.Prefix), true
	}
	oldA, oldOK := prefix(old)
	oldOK = oldOK && old.Enable
	newA, newOK := prefix(cur)
	newOK = newOK && cur.Enable
	if !oldOK && !newOK {
		return nil // a disabled or incomplete row: the kernel has nothing of it
	}
	l, err := p.nl.linkByName(name)
	if err != nil {
		return fmt.Errorf("link %s: %w", name, err)
	}
	if oldOK {
		if err := p.nl.delAddr(l.Index, oldA); err != nil && !errors.Is(err, unix.EADDRNOTAVAIL) {
			return fmt.Errorf("removing %s from %s: %w", old.IP, name, err)
		}
	}
	if newOK {
		if err := p.nl.addAddr(l.Index, newA); err != nil && !errors.Is(err, unix.EEXIST) {
			if oldOK {
				_ = p.nl.addAddr(l.Index, oldA)
			}
			return fmt.Errorf("adding %s/%d to %s: %w", cur.IP, cur.Prefix, name, err)
		}
	}
	return nil
}
