//go:build linux

package linux

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"

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
			err = p.nl.delRoute4(nr)
		}
		if err != nil && !errors.Is(err, unix.ESRCH) && !errors.Is(err, errGone) {
			return fmt.Errorf("removing the route to %s/%d: %w", oldRt.Dest, maskBits(oldRt.Mask), err)
		}
	}
	if newOK {
		nr, err := p.nlRoute(newRt)
		if err == nil {
			err = p.nl.addRoute4(nr)
		}
		if err != nil && !errors.Is(err, unix.EEXIST) {
			if oldOK {
				if back, berr := p.nlRoute(oldRt); berr == nil {
					_ = p.nl.addRoute4(back)
				}
			}
			if errors.Is(err, errGone) || errors.Is(err, unix.ENETUNREACH) || errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENETDOWN) {
				return cwmp.NewFault(cwmp.FaultInvalidParameterValue, "the kernel refuses the route to "+newRt.Dest.String()+"/"+strconv.Itoa(maskBits(newRt.Mask))+": "+err.Error())
			}
			return fmt.Errorf("adding the route to %s/%d: %w", newRt.Dest, maskBits(newRt.Mask), err)
		}
	}
	return nil
}

// nlRoute is the netlink form of a route of the main table.
func (p *Platform) nlRoute(rt route4) (staticRoute4, error) {
	l, err := p.nl.linkByName(rt.Iface)
	if err != nil {
		return staticRoute4{}, fmt.Errorf("link %s: %w", rt.Iface, err)
	}
	return staticRoute4{Dst: netip.PrefixFrom(rt.Dest, maskBits(rt.Mask)), Gw: rt.Gateway, OIF: l.Index, Metric: uint32(rt.Metric)}, nil
}
