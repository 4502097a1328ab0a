//go:build linux

package local

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"syscall"
)

// listenLAN binds the page to its address and to the device that holds
// it. Binding the address alone is not enough: Linux accepts a packet for
// any of its own addresses on any interface, so a host on the WAN side
// that routes the LAN prefix through the router would reach the page.
func listenLAN(addr string, ip netip.Addr) (net.Listener, error) {
	dev, err := deviceOf(ip)
	if err != nil {
		return nil, err
	}
	lc := net.ListenConfig{Control: func(network, address string, c syscall.RawConn) error {
		var serr error
		if err := c.Control(func(fd uintptr) { serr = syscall.BindToDevice(int(fd), dev) }); err != nil {
			return err
		}
		if serr != nil {
			return fmt.Errorf("binding to %s: %w", dev, serr)
		}
		return nil
	}}
	return lc.Listen(context.Background(), "tcp", addr)
}

// deviceOf names the interface that holds ip.
func deviceOf(ip netip.Addr) (string, error) {
	ifs, err := net.Interfaces()
	if err != nil {
		return "", fmt.Errorf("listing interfaces: %w", err)
	}
	for _, ifc := range ifs {
		addrs, err := ifc.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok {
				if got, ok := netip.AddrFromSlice(n.IP); ok && got.Unmap() == ip.Unmap() {
					return ifc.Name, nil
				}
			}
		}
	}
	return "", fmt.Errorf("no interface holds %s; the page listens only on a LAN address of this device", ip)
}
