//go:build linux

package nstest

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"gatewarden/cpe-agent/internal/acstest"
	"gatewarden/protocol/cwmp"
)

// TestKernelViews — the other providers against a real kernel, in one
// session: writes to a link (Enable, MTU) and to an adopted address
// (Enable off keeps the row, on brings the address back) reach the
// kernel; links, addresses, routes, neighbours and resolvers the kernel
// gets from elsewhere show up; a link deleted mid-run disappears.
func TestKernelViews(t *testing.T) {
	requireKernel(t)
	ns := newNS(t)
	ns.ip("addr", "add", "10.98.0.1/24", "dev", "gw1")
	ns.ip("-6", "addr", "add", "fd00:98::1/64", "dev", "gw1", "nodad")
	ns.ip("neigh", "add", "10.98.0.9", "lladdr", "02:00:00:00:00:09", "dev", "gw1", "nud", "permanent")
	ns.ip("route", "add", "10.50.0.0/16", "via", "10.98.0.9", "dev", "gw1", "metric", "7")
	ns.ip("link", "add", "gwbr0", "type", "bridge")
	ns.ip("link", "add", "gwp0", "type", "veth", "peer", "name", "gwp1")
	ns.ip("link", "set", "gwp0", "master", "gwbr0")
	// `ip netns exec` shows /etc/netns/NS/resolv.conf as /etc/resolv.conf.
	etc := filepath.Join("/etc/netns", ns.name)
	if _, err := os.Stat("/etc/netns"); err != nil {
		t.Cleanup(func() { os.Remove("/etc/netns") }) // only if this test made it, and only if empty
	}
	if err := os.MkdirAll(etc, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(etc) })
	if err := os.WriteFile(filepath.Join(etc, "resolv.conf"), []byte("# test\nnameserver 10.98.0.53\nnameserver fd00:98::53\noptions edns0\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	acs := ns.startACS(acstest.Options{})
	ag := ns.startAgent(acs.URL(), t.TempDir())
	s, ex, _ := nextInform(t, acs, ag)
	open(t, s, ex)

	all := gpv(t, s, "Device.")
	gw1 := instanceNamed(t, all, "Device.IP.Interface.", "gw1")
	bridge := instanceNamed(t, all, "Device.IP.Interface.", "gwbr0")
	instanceNamed(t, all, "Device.Ethernet.Interface.", "gwp0")
	for k, v := range keysWith(all, "Name") {
		if strings.HasPrefix(k, "Device.Ethernet.Interface.") && v == "gwbr0" {
			t.Errorf("%s: a bridge is no Ethernet port", k)
		}
		if strings.HasPrefix(k, "Device.IP.Interface.") && v == "gwp0" {
			t.Errorf("%s: a bridge port is no IP interface", k)
		}
	}
	v4 := rowWith(t, all, gw1+"IPv4Address.", "IPAddress", "10.98.0.1")
	v6 := rowWith(t, all, gw1+"IPv6Address.", "IPAddress", "fd00:98::1")
	if all[v6+"Origin"] != "Static" || all[v6+"IPAddressStatus"] != "Preferred" {
		t.Errorf("%s: origin %q status %q", v6, all[v6+"Origin"], all[v6+"IPAddressStatus"])
	}
	host := rowWith(t, all, "Device.Hosts.Host.", "PhysAddress", "02:00:00:00:00:09")
	if all[host+"IPAddress"] != "10.98.0.9" || all[host+"Active"] != "true" {
		t.Errorf("%s: %q active %q", host, all[host+"IPAddress"], all[host+"Active"])
	}
	rt := rowWith(t, all, "Device.Routing.Router.1.IPv4Forwarding.", "DestIPAddress", "10.50.0.0")
	if all[rt+"DestSubnetMask"] != "255.255.0.0" || all[rt+"GatewayIPAddress"] != "10.98.0.9" ||
		all[rt+"ForwardingMetric"] != "7" || all[rt+"Type"] != "Network" {
		t.Errorf("route %s: %v", rt, all)
	}
	rowWith(t, all, "Device.DNS.Client.Server.", "DNSServer", "10.98.0.53")
	rowWith(t, all, "Device.DNS.Client.Server.", "DNSServer", "fd00:98::53")
	if n, _ := strconv.Atoi(all["Device.DeviceInfo.ProcessStatus.ProcessNumberOfEntries"]); n == 0 {
		t.Error("no processes listed")
	}
	if all["Device.DeviceInfo.MemoryStatus.Total"] == "0" || all["Device.DeviceInfo.MemoryStatus.Total"] == "" {
		t.Error("no memory total")
	}

	call[*cwmp.SetParameterValuesResponse](t, s, &cwmp.SetParameterValues{ParameterKey: "k1", ParameterList: []cwmp.ParameterValueStruct{
		{Name: gw1 + "MaxMTUSize", Value: "1400"},
		{Name: v4 + "Enable", Value: "false"},
	}})
	if out := ns.ip("link", "show", "gw1"); !strings.Contains(out, "mtu 1400") {
		t.Errorf("MTU not applied:\n%s", out)
	}
	if out := ns.ip("-4", "-o", "addr", "show", "dev", "gw1"); strings.Contains(out, "10.98.0.1") {
		t.Errorf("a disabled address is still configured:\n%s", out)
	}
	got := gpv(t, s, v4)
	if got[v4+"Enable"] != "false" || got[v4+"Status"] != "Disabled" || got[v4+"IPAddress"] != "10.98.0.1" {
		t.Errorf("the disabled row: %v", got)
	}
	call[*cwmp.SetParameterValuesResponse](t, s, &cwmp.SetParameterValues{ParameterKey: "k2", ParameterList: []cwmp.ParameterValueStruct{
		{Name: v4 + "Enable", Value: "true"},
		{Name: gw1 + "Enable", Value: "false"},
	}})
	if out := ns.ip("-4", "-o", "addr", "show", "dev", "gw1"); !strings.Contains(out, "inet 10.98.0.1/24") {
		t.Errorf("the re-enabled address is not back:\n%s", out)
	}
	if out := ns.ip("-o", "link", "show", "gw1"); strings.Contains(out, ",UP") || strings.Contains(out, "<UP") {
		t.Errorf("gw1 still administratively up:\n%s", out)
	}

	ns.ip("link", "del", "gwbr0")
	got = gpv(t, s, "Device.IP.")
	if _, ok := got[bridge+"Name"]; ok {
		t.Errorf("%s is still there after the link was deleted", bridge)
	}
	// A mask with holes is refused with 9007 and nothing changes.
	next, _, err := acstest.CallFor[*cwmp.SetParameterValuesResponse](ctxFor(t), s, s.Pending(), &cwmp.SetParameterValues{ParameterKey: "k3",
		ParameterList: []cwmp.ParameterValueStruct{{Name: v4 + "SubnetMask", Value: "255.0.255.0"}}})
	if f := next.Fault(); err == nil || f == nil || len(f.SetParameterValuesFault) != 1 ||
		f.SetParameterValuesFault[0].FaultCode != cwmp.FaultInvalidParameterValue {
		t.Errorf("non-contiguous mask: %v %+v", err, next.Fault())
	}
	if out := ns.ip("-4", "-o", "addr", "show", "dev", "gw1"); !strings.Contains(out, "inet 10.98.0.1/24") {
		t.Errorf("a refused mask changed the address:\n%s", out)
	}
	end(t, s)
}

// rowWith returns the instance path under table whose param is value.
func rowWith(t *testing.T, all map[string]string, table, param, value string) string {
	t.Helper()
	for k, v := range all {
		if v == value && strings.HasPrefix(k, table) && strings.HasSuffix(k, "."+param) &&
			strings.Count(strings.TrimPrefix(k, table), ".") == 1 {
			return strings.TrimSuffix(k, param)
		}
	}
	t.Fatalf("no %s row with %s = %s: %v", table, param, value, keysWith(all, param))
	return ""
}
