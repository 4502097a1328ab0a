//go:build linux

package diag

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"syscall"
)

// icmpConn is an ICMP socket of one address family.
type icmpConn struct {
	_  [0]func() // not comparable: spares the binary an equality function
	pc net.PacketConn
	v6 bool
	// raw sockets see every ICMP message of the host (so replies are
	// matched by id) and ICMP errors; ping sockets (unprivileged) see only
	// their own echo replies, with the id rewritten by the kernel.
	raw bool
}

// openICMP opens a raw ICMP socket, or, without CAP_NET_RAW, a ping
// socket (net.ipv4.ping_group_range must admit the agent's group).
// needErrors demands a raw socket: only it receives the Time Exceeded
// messages a traceroute lives on.
func openICMP(v6, needErrors bool) (*icmpConn, error) {
	network, addr := "ip4:icmp", "0.0.0.0"
	if v6 {
		network, addr = "ip6:ipv6-icmp", "::"
	}
	pc, rawErr := net.ListenPacket(network, addr)
	if rawErr == nil {
		return &icmpConn{pc: pc, v6: v6, raw: true}, nil
	}
	if needErrors {
		return nil, fmt.Errorf("diag: raw ICMP socket (needs CAP_NET_RAW): %w", rawErr)
	}
	family, proto := syscall.AF_INET, syscall.IPPROTO_ICMP
	if v6 {
		family, proto = syscall.AF_INET6, syscall.IPPROTO_ICMPV6
	}
	fd, err := syscall.Socket(family, syscall.SOCK_DGRAM|syscall.SOCK_CLOEXEC|syscall.SOCK_NONBLOCK, proto)
	if err != nil {
		return nil, fmt.Errorf("diag: no ICMP socket: raw: %v; ping socket: %w", rawErr, err)
	}
	f := os.NewFile(uintptr(fd), "icmp")
	pc, err = net.FilePacketConn(f)
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("diag: ping socket: %w", err)
	}
	return &icmpConn{pc: pc, v6: v6}, nil
}

// addr wraps a destination in the address type the socket expects.
func (c *icmpConn) addr(ip net.IP) net.Addr {
	if c.raw {
		return &net.IPAddr{IP: ip}
	}
	return &net.UDPAddr{IP: ip}
}

// sourceIP is the address a reply came from.
func sourceIP(a net.Addr) net.IP {
	switch a := a.(type) {
	case *net.IPAddr:
		return a.IP
	case *net.UDPAddr:
		return a.IP
	}
	return nil
}

// setHopLimit sets the TTL (IPv4) or hop limit (IPv6) of what follows.
func (c *icmpConn) setHopLimit(n int) error {
	if c.v6 {
		return c.setsockopt(syscall.IPPROTO_IPV6, syscall.IPV6_UNICAST_HOPS, n)
	}
	return c.setsockopt(syscall.IPPROTO_IP, syscall.IP_TTL, n)
}

// setDSCP marks what follows with a DiffServ code point.
func (c *icmpConn) setDSCP(dscp int) error {
	if dscp == 0 {
		return nil
	}
	if c.v6 {
		return c.setsockopt(syscall.IPPROTO_IPV6, syscall.IPV6_TCLASS, dscp<<2)
	}
	return c.setsockopt(syscall.IPPROTO_IP, syscall.IP_TOS, dscp<<2)
}

// bindDevice confines the socket to one network device.
func (c *icmpConn) bindDevice(name string) error {
	if name == "" {
		return nil
	}
	return c.control("bind to device "+name, func(fd int) error {
		return syscall.SetsockoptString(fd, syscall.SOL_SOCKET, syscall.SO_BINDTODEVICE, name)
	})
}

func (c *icmpConn) setsockopt(level, opt, v int) error {
	return c.control("setsockopt "+strconv.Itoa(level)+"/"+strconv.Itoa(opt), func(fd int) error {
		return syscall.SetsockoptInt(fd, level, opt, v)
	})
}

// control runs fn on the socket's descriptor; what names the operation
// in its error.
func (c *icmpConn) control(what string, fn func(fd int) error) error {
	sc, ok := c.pc.(syscall.Conn)
	if !ok {
		return fmt.Errorf("diag: socket has no descriptor")
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return fmt.Errorf("diag: socket: %w", err)
	}
	var serr error
	if err := rc.Control(func(fd uintptr) { serr = fn(int(fd)) }); err != nil {
		return fmt.Errorf("diag: socket: %w", err)
	}
	if serr != nil {
		return fmt.Errorf("diag: %s: %w", what, serr)
	}
	return nil
}

// socketControl marks TCP connections of the HTTP tests with a DSCP and
// binds them to a device.
func socketControl(dscp int, device string, v6 bool) func(network, address string, c syscall.RawConn) error {
	if dscp == 0 && device == "" {
		return nil
	}
	return func(network, address string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			if dscp != 0 {
				if v6 {
					serr = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_IPV6, syscall.IPV6_TCLASS, dscp<<2)
				} else {
					serr = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_IP, syscall.IP_TOS, dscp<<2)
				}
			}
			if serr == nil && device != "" {
				serr = syscall.SetsockoptString(int(fd), syscall.SOL_SOCKET, syscall.SO_BINDTODEVICE, device)
			}
		})
		if err != nil {
			return err
		}
		return serr
	}
}
