//go:build linux

package linux

import (
	"cmp"
	"fmt"
	"slices"
)

// linkInfo is one kernel link as the tree needs it; parseLink fills it,
// the rest of the platform only reads it.
type linkInfo struct {
	_      [0]func() // not comparable: spares the binary an equality function
	Index  int
	Name   string
	Type   string // IFLA_INFO_KIND: "device" (none), "veth", "bridge", "vlan", "tun"...
	Encap  string // ARPHRD type: "ether", "loopback", "none", "ppp", "arphrd<n>"
	MAC    string // upper case, "" without one
	MTU    int
	Master int // index of the bridge or bond it is enslaved to, 0 if none
	// AdminUp is IFF_UP (what Enable sets); LowerUp is IFF_LOWER_UP
	// (carrier).
	AdminUp, LowerUp bool
	Oper             string // operstate as `ip link` names it: "up", "down", "lowerlayerdown"...
}

// ethernetKinds are the netlink kinds whose links are Ethernet ports: real
// NICs ("device"), DSA switch ports, and veth (containers and tests).
var ethernetKinds = []string{"device", "dsa", "veth"}

// isEthernet decides which links become Device.Ethernet.Interface: links
// of an Ethernet kind with Ethernet framing and a MAC, except Wi-Fi
// interfaces (they are Device.WiFi's, even though they frame Ethernet).
func (li linkInfo) isEthernet(wireless bool) bool {
	return li.Encap == "ether" && li.MAC != "" && !wireless && slices.Contains(ethernetKinds, li.Type)
}

// isIPInterface decides which links become Device.IP.Interface: every link
// that can carry addresses of its own, that is, all but bridge and bond
// members (a bridge port's traffic belongs to the bridge's IP interface).
func (li linkInfo) isIPInterface() bool { return li.Master == 0 }

// ipType is IP.Interface.{i}.Type.
func (li linkInfo) ipType() string {
	switch {
	case li.Encap == "loopback":
		return "Loopback"
	case slices.Contains([]string{"ipip", "gre", "gretap", "sit", "ip6tnl", "ip6gre", "vti", "wireguard", "tun"}, li.Type):
		return "Tunnel"
	}
	return "Normal"
}

// status maps the kernel's view of a link onto TR-181's interface Status.
// An administratively down link is Down whatever its carrier; a link
// whose driver reports no operstate ("unknown": loopback, tun, many
// virtual devices) is Up when it is up with carrier.
func (li linkInfo) status() string {
	if !li.AdminUp {
		return "Down"
	}
	switch li.Oper {
	case "up":
		return "Up"
	case "down":
		return "Down"
	case "lowerlayerdown":
		return "LowerLayerDown"
	case "dormant":
		return "Dormant"
	case "notpresent":
		return "NotPresent"
	case "testing":
		return "Testing"
	}
	if li.LowerUp {
		return "Up"
	}
	return "Unknown"
}

// linkSet is one listing of the kernel's links.
type linkSet struct {
	byName map[string]linkInfo
	order  []string // by ifindex
}

func newLinkSet(ls []linkInfo) linkSet {
	s := linkSet{byName: make(map[string]linkInfo, len(ls))}
	// Sorting pointers shares the sort's code with every other pointer
	// sort in the binary; a sort of the structs would get its own copy.
	byIndex := make([]*linkInfo, len(ls))
	for i := range ls {
		byIndex[i] = &ls[i]
	}
	slices.SortFunc(byIndex, func(a, b *linkInfo) int { return cmp.Compare(a.Index, b.Index) })
	for _, l := range byIndex {
		if _, dup := s.byName[l.Name]; dup || l.Name == "" {
			continue
		}
		s.byName[l.Name] = *l
		s.order = append(s.order, l.Name)
	}
	return s
}

// kernel is what the platform reads over netlink; the fixture tests put a
// scripted kernel in its place. Writes go to netlink directly and are
// tested in real namespaces (package nstest).
type kernel interface {
	links() ([]linkInfo, error)
	addrs(link string, fam int) ([]kernelAddr, error)
}

// netlinkKernel is the kernel itself, read over the platform's rtnetlink
// socket.
type netlinkKernel struct{ nl *rtnl }

// links asks the kernel for its links.
func (k *netlinkKernel) links() ([]linkInfo, error) {
	ls, err := k.nl.links()
	if err != nil {
		return nil, fmt.Errorf("listing links: %w", err)
	}
	return ls, nil
}
