// Package linux is the platform of a real Linux router: the TR-181 tree
// reads and changes the running system through netlink, /proc and /sys.
//
// Reading is kept apart from parsing, as node_exporter does: every file
// format has a pure parser (proc.go, netfiles.go, sysnet.go) tested on
// fixture trees under testdata and fuzzed, and the /proc, /sys and /etc
// roots are configurable (Roots). Netlink is only used for what files
// cannot do: listing links and addresses, writing them, and following
// the kernel's events.
//
// Netlink is spoken on the platform's own NETLINK_ROUTE socket
// (nlsocket.go: request framing, answers, multicast subscription, on the
// syscall package), and the platform encodes and decodes the few headers
// and attributes it needs itself (rtnl_*.go, pure parsers fuzzed like the
// file parsers), in the machine's byte order. The netlink library would
// link a decoder for every link kind and route encapsulation the kernel
// has, some 320 KB of a MIPS binary. One request socket is opened by New
// and kept, so the platform stays in the network namespace it was
// created in.
//
// # Which links become which objects
//
//   - Device.Ethernet.Interface.{i}: links of netlink kind "device" (no
//     IFLA_INFO_KIND: real NICs), "dsa" (switch ports) or "veth", with
//     Ethernet framing and a MAC address, that are not wireless (a link with
//     /sys/class/net/<if>/wireless or phy80211 belongs to Device.WiFi).
//     Bridges, VLANs, bonds, tunnels and loopback are not Ethernet ports.
//   - Device.IP.Interface.{i}: every link that is not enslaved to a
//     bridge or bond (a bridge port's traffic is the bridge's), loopback
//     included (Loopback true, Type "Loopback"); tunnels have Type
//     "Tunnel".
//   - IP.Interface.{i}.IPv4Address.{i} and IPv6Address.{i}: the kernel's
//     addresses on that link, each remembered as a record with a stable
//     id (linux-addresses.json in the data directory). Writing IPAddress,
//     SubnetMask or Enable changes the kernel (RTM_DELADDR/RTM_NEWADDR)
//     and keeps the row: Enable false removes the address from the link
//     but keeps the row, Enable true puts it back. An address that
//     appears from elsewhere (DHCP, `ip addr add`) is adopted as a new
//     row; an enabled row whose address the kernel dropped goes.
//     AddObject makes a new record, disabled and without an address
//     (TR-181: nothing is configured until the ACS has given IPAddress,
//     SubnetMask for IPv4, and Enable true); DeleteObject takes the
//     address off the link (RTM_DELADDR) and drops the record. Addresses
//     the system manages itself refuse DeleteObject with 9001: a DHCP or
//     SLAAC address (finite lifetime) would only come back, and deleting
//     IPv6 link-local or loopback addresses breaks the link.
//   - Routing.Router.1.IPv4Forwarding.{i}: the main table's routes
//     (/proc/net/route), read-only, StaticRoute false, and the static
//     rows the ACS adds (records in linux-routes.json, StaticRoute true).
//     A static row starts disabled and empty; once enabled with a valid
//     destination and mask (both empty: the default route), an optional
//     gateway and an Interface (a reference to Device.IP.Interface.{i})
//     it is in the kernel (RTM_NEWROUTE, protocol static) and stands for
//     that kernel route, which is not listed twice. Writes to a kernel
//     route are refused with 9008 and DeleteObject with 9001
//     (GetParameterNames shows such rows as not writable). An enabled
//     row whose route the kernel refused or dropped (its link went down)
//     stays, with Status Error, until the ACS rewrites or deletes it.
//   - Enable of both interface tables sets the link up or down; IP's
//     MaxMTUSize sets the MTU; IPv6Enable writes
//     /proc/sys/net/ipv6/conf/<if>/disable_ipv6.
//
// # Instance numbers across restarts
//
// Links are keyed by name and addresses by their record id; the tree
// (package model) maps each key to an instance number once and persists
// the mapping in the agent's store, so eth0 and its addresses keep their
// numbers across agent restarts and reboots. A key that disappears (a
// USB modem unplugged, a link deleted) loses its number for good, as the
// model does for every listed table; when it comes back it gets a new
// one.
//
// # Value changes
//
// The platform subscribes to netlink link, address (IPv4 and IPv6) and
// IPv4 route events on one socket and on each asks the tree to compare
// the notified parameters below Device.Ethernet.Interface.,
// Device.IP.Interface. or Device.Routing.Router. (routes of tables other
// than main are ignored), so an active notification leaves within
// milliseconds of the kernel event. Nothing polls; counters and other
// parameters without events are left to the tree's own slow poll. When
// the socket's queue overflows (ENOBUFS: the kernel dropped events) every
// subtree is checked and the socket reads on; a socket that fails
// otherwise is replaced, with a pause growing from 1 s to 30 s, and
// everything is checked once it is back. Close closes the socket under
// the blocked read, so no goroutine or socket outlives the platform.
//
// # Other providers
//
// DeviceInfo (uptime, memory, CPU, processes) reads /proc; the identity
// the configuration leaves empty comes from /etc/openwrt_release or
// /etc/os-release and the first Ethernet MAC. Routing.Router.1 lists the
// main IPv4 table from /proc/net/route (with the static rows above),
// DNS.Client.Server the resolver file, Hosts.Host the IPv4 neighbour
// table (/proc/net/arp) with the host names from dnsmasq's lease file
// (DefaultLeasesFile). DSL.Line comes from a dsl.Driver (files under
// DefaultDSLDir by default), USB from package usb.
//
// # Caveats
//
//   - Address and forwarding tables are the tree's Editable tables: the
//     kernel's rows listed, the ACS's AddObject and DeleteObject carried
//     out through netlink. A crash between the kernel change and the
//     tree's record of it leaves a row the tree adopts at the next
//     listing (under a new instance number), as it adopts any row made
//     from elsewhere.
//   - The records hold what the ACS configured, but nothing puts an
//     address or static route back into the kernel after a reboot: the
//     image's own configuration (netifd, UCI) owns boot-time state. An
//     enabled static row shows Status Error then; an enabled address row
//     goes, as the kernel no longer has it.
//   - Traffic counters: drivers with 32-bit counters are extended across
//     a wrap if read at least once per wrap; see counters.go.
//   - /proc/net/route prints addresses in the host's byte order; the
//     platform parses them with binary.NativeEndian.
//   - Process CPU time assumes USER_HZ = 100, true of every Linux
//     architecture the agent targets.
package linux
