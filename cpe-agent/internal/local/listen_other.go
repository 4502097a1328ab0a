//go:build !linux

package local

import (
	"net"
	"net/netip"
)

// listenLAN binds the address; only Linux can tie a socket to a device.
func listenLAN(addr string, _ netip.Addr) (net.Listener, error) {
	return net.Listen("tcp", addr)
}
