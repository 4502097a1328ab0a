//go:build linux

package linux

import (
	"errors"
	"fmt"
	"net"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"gatewarden/protocol/cwmp"
)

// applyRoute makes the kernel match a static row's change: the old route
// goes if the row held one, the new one comes if the row is enabled and
// complete. If the new one is refused the old one is put back, and a
// route the kernel finds invalid (an unreachable gateway, a link that is
// down) blames the value with 9007.
func (p *Platform) applyRoute(old, cur routeRecord) error {
	oldRt, oldOK := old.route()
	oldOK = oldOK && old.Enable
	newRt, newOK := cur.route()
	newOK = newOK && cur.Enable
	if !oldOK && !newOK || oldOK && newOK && oldRt.key() == newRt.key() {
		return nil
	}
	if oldOK {
		nr, err := p.nlRoute(oldRt)
		if err == nil {
			err = p.nl.RouteDel(nr)
		}
		if err != nil && !errors.Is(err, unix.ESRCH) && !errors.Is(err, errGone) {
			return fmt.Errorf("removing the route to %s/%d: %w", oldRt.Dest, maskBits(oldRt.Mask), err)
		}
	}
	if newOK {
		nr, err := p.nlRoute(newRt)
		if err == nil {
			err = p.nl.RouteAdd(nr)
		}
		if err != nil && !errors.Is(err, unix.EEXIST) {
			if oldOK {
				if back, berr := p.nlRoute(oldRt); berr == nil {
					_ = p.nl.RouteAdd(back)
				}
			}
			if errors.Is(err, errGone) || errors.Is(err, unix.ENETUNREACH) || errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENETDOWN) {
				return cwmp.NewFault(cwmp.FaultInvalidParameterValue, fmt.Sprintf("the kernel refuses the route to %s/%d: %v", newRt.Dest, maskBits(newRt.Mask), err))
			}
			return fmt.Errorf("adding the route to %s/%d: %w", newRt.Dest, maskBits(newRt.Mask), err)
		}
	}
	return nil
}

// nlRoute is the netlink form of a route of the main table.
func (p *Platform) nlRoute(rt route4) (*netlink.Route, error) {
	l, err := p.nl.LinkByName(rt.Iface)
	if err != nil {
		var nf netlink.LinkNotFoundError
		if errors.As(err, &nf) {
			return nil, fmt.Errorf("link %s: %w", rt.Iface, errGone)
		}
		return nil, fmt.Errorf("link %s: %w", rt.Iface, err)
	}
	bits := maskBits(rt.Mask)
	nr := &netlink.Route{
		LinkIndex: l.Attrs().Index,
		Dst:       &net.IPNet{IP: rt.Dest.AsSlice(), Mask: net.CIDRMask(bits, 32)},
		Priority:  int(rt.Metric),
		Protocol:  unix.RTPROT_STATIC,
		Table:     unix.RT_TABLE_MAIN,
		Scope:     netlink.SCOPE_UNIVERSE,
	}
	if rt.Gateway.IsUnspecified() {
		nr.Scope = netlink.SCOPE_LINK // on the link itself, no next hop
	} else {
		nr.Gw = rt.Gateway.AsSlice()
	}
	return nr, nil
}
