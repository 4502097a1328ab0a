//go:build !linux

package diag

import (
	"errors"
	"net"
	"syscall"
)

// The agent runs on Linux; elsewhere (a developer's laptop) the ICMP
// probes report that they are unavailable and the HTTP ones run plain.

var errNoICMP = errors.New("diag: ICMP probes need Linux")

type icmpConn struct {
	_   [0]func() // not comparable: spares the binary an equality function
	pc  net.PacketConn
	v6  bool
	raw bool
}

func openICMP(v6, needErrors bool) (*icmpConn, error) { return nil, errNoICMP }
func (c *icmpConn) addr(ip net.IP) net.Addr           { return &net.IPAddr{IP: ip} }
func (c *icmpConn) setHopLimit(n int) error           { return errNoICMP }
func (c *icmpConn) setDSCP(dscp int) error            { return errNoICMP }
func (c *icmpConn) bindDevice(name string) error      { return errNoICMP }

func sourceIP(a net.Addr) net.IP {
	if a, ok := a.(*net.IPAddr); ok {
		return a.IP
	}
	return nil
}

func socketControl(dscp int, device string, v6 bool) func(network, address string, c syscall.RawConn) error {
	return nil
}
