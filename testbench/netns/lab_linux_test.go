//go:build linux

package netns

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// lab builds one test's network: namespaces and veth pairs named with a
// random tag, addresses from a random 10.X.0.0/16, all removed when the
// test ends, whatever happened.
type lab struct {
	t      *testing.T
	tag    string // four hex digits in every name
	prefix string // "10.X."
	links  int
}

// rootSubnet is the third octet of the one subnet a lab may put in the
// root namespace (lab.uplink); the chains inside namespaces use 1 to 8.
const rootSubnet = 9

// newLab skips unless the test runs as root and fails without iproute2.
func newLab(t *testing.T) *lab {
	t.Helper()
	requireRoot(t)
	go buildAgent(agentBuild.dir)
	l := &lab{t: t, tag: fmt.Sprintf("%04x", rand.Uint32N(1<<16))}
	// The root namespace's own routes rule out an X whose uplink subnet
	// would shadow something the host uses.
	taken := rootRoutes(t)
	for range 100 {
		x := 100 + rand.IntN(150)
		uplink := netip.MustParsePrefix(fmt.Sprintf("10.%d.%d.0/24", x, rootSubnet))
		if !overlapsAny(uplink, taken) {
			l.prefix = fmt.Sprintf("10.%d.", x)
			return l
		}
	}
	t.Fatalf("no free 10.X.%d.0/24 beside the host's routes %v", rootSubnet, taken)
	return nil
}

func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("network namespaces and veths need root (CI runs these tests as root)")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Fatalf("iproute2 missing (testbench/setup.sh installs it): %v", err)
	}
}

// rootRoutes lists the IPv4 destinations the root namespace routes,
// default routes aside.
func rootRoutes(t *testing.T) []netip.Prefix {
	t.Helper()
	out, err := exec.Command("ip", "-4", "-o", "route", "show", "table", "all").Output()
	if err != nil {
		t.Fatalf("ip route show: %v", err)
	}
	var list []netip.Prefix
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		// Routes other than unicast start with their type.
		for len(f) > 0 && routeTypes[f[0]] {
			f = f[1:]
		}
		if len(f) == 0 || f[0] == "default" {
			continue
		}
		dst := f[0]
		if !strings.Contains(dst, "/") {
			dst += "/32"
		}
		if p, err := netip.ParsePrefix(dst); err == nil {
			list = append(list, p.Masked())
		}
	}
	return list
}

var routeTypes = map[string]bool{
	"unicast": true, "local": true, "broadcast": true, "multicast": true, "anycast": true,
	"unreachable": true, "blackhole": true, "prohibit": true, "throw": true, "nat": true,
}

func overlapsAny(p netip.Prefix, list []netip.Prefix) bool {
	for _, q := range list {
		if p.Overlaps(q) {
			return true
		}
	}
	return false
}

// addr is the lab's address 10.X.subnet.host.
func (l *lab) addr(subnet, host int) string {
	return fmt.Sprintf("%s%d.%d", l.prefix, subnet, host)
}

// cmd runs a command and fails the test with its output when it fails.
func (l *lab) cmd(args ...string) {
	l.t.Helper()
	if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
		l.t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// ns makes a namespace with its loopback up; the name carries the role
// so a leftover is easy to trace back.
func (l *lab) ns(role string) string {
	l.t.Helper()
	name := "gwnt-" + l.tag + "-" + role
	l.cmd("ip", "netns", "add", name)
	l.t.Cleanup(func() { exec.Command("ip", "netns", "del", name).Run() })
	l.cmd("ip", "-n", name, "link", "set", "lo", "up")
	return name
}

// link joins namespaces a and b with a veth pair on 10.X.subnet.0/24,
// a at .hostA and b at .hostB, and returns the two device names.
func (l *lab) link(a string, hostA int, b string, hostB int, subnet int) (devA, devB string) {
	l.t.Helper()
	l.links++
	devA, devB = fmt.Sprintf("gw%s%da", l.tag, l.links), fmt.Sprintf("gw%s%db", l.tag, l.links)
	l.cmd("ip", "link", "add", devA, "netns", a, "type", "veth", "peer", "name", devB, "netns", b)
	l.cmd("ip", "-n", a, "addr", "add", fmt.Sprintf("%s/24", l.addr(subnet, hostA)), "dev", devA)
	l.cmd("ip", "-n", b, "addr", "add", fmt.Sprintf("%s/24", l.addr(subnet, hostB)), "dev", devB)
	l.cmd("ip", "-n", a, "link", "set", devA, "up")
	l.cmd("ip", "-n", b, "link", "set", devB, "up")
	return devA, devB
}

// uplink joins the root namespace (at 10.X.9.1) to ns (at 10.X.9.2), so
// an ACS running in the test process can reach an agent in ns and back.
// It returns the two addresses.
func (l *lab) uplink(ns string) (rootIP, nsIP string) {
	l.t.Helper()
	l.links++
	root, peer := fmt.Sprintf("gw%s%da", l.tag, l.links), fmt.Sprintf("gw%s%db", l.tag, l.links)
	l.cmd("ip", "link", "add", root, "type", "veth", "peer", "name", peer, "netns", ns)
	// Deleting either end deletes the pair; the namespace's removal would
	// too, but only once every process in it has gone.
	l.t.Cleanup(func() { exec.Command("ip", "link", "del", root).Run() })
	rootIP, nsIP = l.addr(rootSubnet, 1), l.addr(rootSubnet, 2)
	l.cmd("ip", "addr", "add", rootIP+"/24", "dev", root)
	l.cmd("ip", "-n", ns, "addr", "add", nsIP+"/24", "dev", peer)
	l.cmd("ip", "link", "set", root, "up")
	l.cmd("ip", "-n", ns, "link", "set", peer, "up")
	return rootIP, nsIP
}

func (l *lab) route(ns string, args ...string) {
	l.t.Helper()
	l.cmd(append([]string{"ip", "-n", ns, "route", "add"}, args...)...)
}

func (l *lab) forwarding(ns string) {
	l.t.Helper()
	l.cmd("ip", "netns", "exec", ns, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1")
}
