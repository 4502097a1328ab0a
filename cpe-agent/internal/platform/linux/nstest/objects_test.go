//go:build linux

package nstest

import (
	"strconv"
	"strings"
	"testing"

	"gatewarden/cpe-agent/internal/acstest"
	"gatewarden/protocol/cwmp"
)

// TestAddDeleteObjects — AddObject and DeleteObject on the kernel-listed
// tables do the real thing. An IPv4 and an IPv6 address row the ACS adds
// start disabled and empty, reach the kernel once the ACS gives them an
// address and enables them (`ip -n NS addr` shows them), and leave it on
// DeleteObject. A static route row does the same with `ip -n NS route`;
// a route the kernel made (StaticRoute false) cannot be deleted.
func TestAddDeleteObjects(t *testing.T) {
	requireKernel(t)
	ns := newNS(t)
	acs := ns.startACS(acstest.Options{})
	ag := ns.startAgent(acs.URL(), t.TempDir())
	s, ex, _ := nextInform(t, acs, ag)
	open(t, s, ex)
	ipIf := instanceNamed(t, gpv(t, s, "Device.IP.Interface."), "Device.IP.Interface.", "gw0")

	// IPv4: a new row is disabled and the kernel knows nothing of it.
	add := call[*cwmp.AddObjectResponse](t, s, &cwmp.AddObject{ObjectName: ipIf + "IPv4Address.", ParameterKey: "add-v4"})
	if add.Status != 0 || add.InstanceNumber == 0 {
		t.Fatalf("AddObject: %+v", add)
	}
	v4 := ipIf + "IPv4Address." + strconv.FormatUint(uint64(add.InstanceNumber), 10) + "."
	got := gpv(t, s, v4, "Device.ManagementServer.ParameterKey")
	if got[v4+"Enable"] != "false" || got[v4+"Status"] != "Disabled" || got[v4+"IPAddress"] != "" ||
		got["Device.ManagementServer.ParameterKey"] != "add-v4" {
		t.Errorf("the new row: %v", got)
	}
	spv(t, s, "set-v4", v4+"IPAddress", "10.77.0.1", v4+"SubnetMask", "255.255.255.0")
	if out := ns.ip("-4", "-o", "addr", "show", "dev", "gw0"); strings.Contains(out, "10.77.0.1") {
		t.Fatalf("a disabled row reached the kernel:\n%s", out)
	}
	spv(t, s, "on-v4", v4+"Enable", "true")
	if out := ns.ip("-4", "-o", "addr", "show", "dev", "gw0"); !strings.Contains(out, "inet 10.77.0.1/24") {
		t.Fatalf("ip -n %s addr after Enable:\n%s", ns.name, out)
	}
	if got := gpv(t, s, v4); got[v4+"Status"] != "Enabled" || got[v4+"SubnetMask"] != "255.255.255.0" {
		t.Errorf("the enabled row: %v", got)
	}

	// IPv6, the same way.
	add = call[*cwmp.AddObjectResponse](t, s, &cwmp.AddObject{ObjectName: ipIf + "IPv6Address.", ParameterKey: "add-v6"})
	v6 := ipIf + "IPv6Address." + strconv.FormatUint(uint64(add.InstanceNumber), 10) + "."
	spv(t, s, "set-v6", v6+"IPAddress", "fd00:77::1", v6+"Enable", "true")
	if out := ns.ip("-6", "-o", "addr", "show", "dev", "gw0"); !strings.Contains(out, "inet6 fd00:77::1/64") {
		t.Fatalf("ip -n %s -6 addr after Enable:\n%s", ns.name, out)
	}

	// A static route through the new address's network.
	add = call[*cwmp.AddObjectResponse](t, s, &cwmp.AddObject{ObjectName: "Device.Routing.Router.1.IPv4Forwarding.", ParameterKey: "add-rt"})
	rt := "Device.Routing.Router.1.IPv4Forwarding." + strconv.FormatUint(uint64(add.InstanceNumber), 10) + "."
	got = gpv(t, s, rt)
	if got[rt+"Enable"] != "false" || got[rt+"StaticRoute"] != "true" || got[rt+"Status"] != "Disabled" {
		t.Errorf("the new route row: %v", got)
	}
	spv(t, s, "set-rt", rt+"DestIPAddress", "10.66.0.0", rt+"DestSubnetMask", "255.255.0.0",
		rt+"GatewayIPAddress", "10.77.0.254", rt+"Interface", strings.TrimSuffix(ipIf, "."))
	if out := ns.ip("-4", "route", "show"); strings.Contains(out, "10.66.0.0") {
		t.Fatalf("a disabled route reached the kernel:\n%s", out)
	}
	spv(t, s, "on-rt", rt+"Enable", "true")
	if out := ns.ip("-4", "route", "show"); !strings.Contains(out, "10.66.0.0/16 via 10.77.0.254 dev gw0") {
		t.Fatalf("ip -n %s route after Enable:\n%s", ns.name, out)
	}
	all := gpv(t, s, "Device.Routing.Router.1.")
	if all[rt+"Status"] != "Enabled" || all[rt+"Interface"] != strings.TrimSuffix(ipIf, ".") || all[rt+"Type"] != "Network" {
		t.Errorf("the enabled route row: %v", all)
	}
	if n := strings.Count(strings.Join(keysWithValue(all, "DestIPAddress", "10.66.0.0"), ","), "Forwarding."); n != 1 {
		t.Errorf("the static route shows %d times", n)
	}
	// The kernel's own route for the address's network is not the ACS's.
	kern := rowWith(t, all, "Device.Routing.Router.1.IPv4Forwarding.", "DestIPAddress", "10.77.0.0")
	if all[kern+"StaticRoute"] != "false" {
		t.Errorf("%s: StaticRoute %q", kern, all[kern+"StaticRoute"])
	}
	next, _, err := acstest.CallFor[*cwmp.DeleteObjectResponse](ctxFor(t), s, s.Pending(), &cwmp.DeleteObject{ObjectName: kern, ParameterKey: "del-kern"})
	if f := next.Fault(); err == nil || f == nil || f.FaultCode != cwmp.FaultRequestDenied {
		t.Errorf("deleting the kernel's route: %v %+v", err, f)
	}
	if out := ns.ip("-4", "route", "show"); !strings.Contains(out, "10.77.0.0/24 dev gw0") {
		t.Errorf("the kernel's route went:\n%s", out)
	}

	// DeleteObject takes each off the kernel and out of the tree.
	del := call[*cwmp.DeleteObjectResponse](t, s, &cwmp.DeleteObject{ObjectName: rt, ParameterKey: "del-rt"})
	if del.Status != 0 {
		t.Errorf("DeleteObject status %d", del.Status)
	}
	if out := ns.ip("-4", "route", "show"); strings.Contains(out, "10.66.0.0") {
		t.Errorf("the route is still in the kernel:\n%s", out)
	}
	call[*cwmp.DeleteObjectResponse](t, s, &cwmp.DeleteObject{ObjectName: v6, ParameterKey: "del-v6"})
	if out := ns.ip("-6", "-o", "addr", "show", "dev", "gw0"); strings.Contains(out, "fd00:77::1") {
		t.Errorf("the IPv6 address is still in the kernel:\n%s", out)
	}
	call[*cwmp.DeleteObjectResponse](t, s, &cwmp.DeleteObject{ObjectName: v4, ParameterKey: "del-v4"})
	if out := ns.ip("-4", "-o", "addr", "show", "dev", "gw0"); strings.Contains(out, "10.77.0.1") {
		t.Errorf("the IPv4 address is still in the kernel:\n%s", out)
	}
	all = gpv(t, s, "Device.IP.", "Device.Routing.", "Device.ManagementServer.ParameterKey")
	for _, gone := range []string{v4, v6, rt} {
		if _, ok := all[gone+"Enable"]; ok {
			t.Errorf("%s is still in the tree", gone)
		}
	}
	if all["Device.ManagementServer.ParameterKey"] != "del-v4" {
		t.Errorf("ParameterKey %q", all["Device.ManagementServer.ParameterKey"])
	}
	end(t, s)
}

func spv(t *testing.T, s *acstest.Session, key string, kv ...string) {
	t.Helper()
	var list []cwmp.ParameterValueStruct
	for i := 0; i+1 < len(kv); i += 2 {
		list = append(list, cwmp.ParameterValueStruct{Name: kv[i], Value: kv[i+1]})
	}
	resp := call[*cwmp.SetParameterValuesResponse](t, s, &cwmp.SetParameterValues{ParameterKey: key, ParameterList: list})
	if resp.Status != 0 {
		t.Errorf("SetParameterValues %s: status %d", key, resp.Status)
	}
}

// keysWithValue returns the names ending in "."+param whose value is v.
func keysWithValue(all map[string]string, param, v string) []string {
	var out []string
	for k, val := range keysWith(all, param) {
		if val == v {
			out = append(out, k)
		}
	}
	return out
}
