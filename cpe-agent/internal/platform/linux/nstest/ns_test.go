//go:build linux

package nstest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"gatewarden/cpe-agent/internal/acstest"
	"gatewarden/protocol/cwmp"
)

// TestAgentInNamespace — issue 4, acceptance 1. The agent runs with
// --platform linux inside a namespace. The ACS finds the veth gw0 in
// Device.IP.Interface and Device.Ethernet.Interface, rewrites its IPv4
// address (the test reads it back with `ip -n NS addr`) and turns on
// active notification for the port's Status. Taking the link down from
// outside the agent then brings a "4 VALUE CHANGE" session within 2 s,
// driven by the netlink subscription (the tree's poll is 30 s away). After
// a restart the interface and the address keep their instance numbers.
func TestAgentInNamespace(t *testing.T) {
	requireKernel(t)
	ns := newNS(t)
	ns.ip("addr", "add", "10.99.0.1/24", "dev", "gw0")
	acs := ns.startACS(acstest.Options{})
	data := t.TempDir()
	ag := ns.startAgent(acs.URL(), data)

	s, ex, inf := nextInform(t, acs, ag)
	if ev := events(inf); !slices.Contains(ev, "0 BOOTSTRAP") || !slices.Contains(ev, "1 BOOT") {
		t.Fatalf("first Inform events %q", ev)
	}
	open(t, s, ex)
	all := gpv(t, s, "Device.IP.Interface.", "Device.Ethernet.Interface.")
	ipIf := instanceNamed(t, all, "Device.IP.Interface.", "gw0")
	ethIf := instanceNamed(t, all, "Device.Ethernet.Interface.", "gw0")
	if _, ok := all[instanceNamed(t, all, "Device.IP.Interface.", "lo")+"Loopback"]; !ok {
		t.Errorf("lo is no IP interface: %v", keysWith(all, "Name"))
	}
	// Only the namespace's links: the host's are invisible.
	for k, v := range all {
		if strings.HasSuffix(k, ".Name") && !slices.Contains([]string{"lo", "gw0", "gw1"}, v) {
			t.Errorf("%s = %q: a link from outside the namespace", k, v)
		}
	}
	addr := ""
	for k, v := range all {
		if strings.HasPrefix(k, ipIf+"IPv4Address.") && strings.HasSuffix(k, ".IPAddress") && v == "10.99.0.1" {
			addr = strings.TrimSuffix(k, "IPAddress")
		}
	}
	if addr == "" {
		t.Fatalf("10.99.0.1 not under %s: %v", ipIf, all)
	}
	if all[addr+"SubnetMask"] != "255.255.255.0" || all[addr+"Enable"] != "true" || all[ethIf+"Status"] != "Up" {
		t.Errorf("before: mask %q enable %q port status %q", all[addr+"SubnetMask"], all[addr+"Enable"], all[ethIf+"Status"])
	}

	resp := call[*cwmp.SetParameterValuesResponse](t, s, &cwmp.SetParameterValues{ParameterKey: "ns-1", ParameterList: []cwmp.ParameterValueStruct{
		{Name: addr + "IPAddress", Value: "10.99.7.7"},
		{Name: addr + "SubnetMask", Value: "255.255.0.0"},
	}})
	if resp.Status != 0 {
		t.Errorf("SetParameterValues status %d", resp.Status)
	}
	call[*cwmp.SetParameterAttributesResponse](t, s, &cwmp.SetParameterAttributes{ParameterList: []cwmp.SetParameterAttributesStruct{
		{Name: ethIf + "Status", NotificationChange: true, Notification: cwmp.NotificationActive},
	}})
	end(t, s)

	out := ns.ip("-4", "-o", "addr", "show", "dev", "gw0")
	if !strings.Contains(out, "inet 10.99.7.7/16") || strings.Contains(out, "10.99.0.1") {
		t.Fatalf("ip -n %s addr after the set:\n%s", ns.name, out)
	}

	// The kernel event: the port goes down from outside the agent.
	down := time.Now()
	ns.ip("link", "set", "gw0", "down")
	s, ex, inf = nextInform(t, acs, ag)
	took := time.Since(down)
	if !slices.Contains(events(inf), "4 VALUE CHANGE") {
		t.Fatalf("after the link went down, Inform events %q", events(inf))
	}
	if v := params(inf.ParameterList)[ethIf+"Status"]; v != "Down" {
		t.Errorf("Inform carries %sStatus = %q, want Down: %v", ethIf, v, inf.ParameterList)
	}
	if took > 2*time.Second {
		t.Errorf("4 VALUE CHANGE arrived %v after the kernel event, want within 2 s", took)
	}
	t.Logf("value change reached the ACS %v after `ip link set down`", took)
	if _, err := s.Finish(ctxFor(t), ex); err != nil {
		t.Fatal(err)
	}

	// Restart: numbers persist. Bring the link up while the agent is
	// stopped, then down again to make it call in.
	ag.stop()
	ns.ip("link", "set", "gw0", "up")
	ag = ns.startAgent(acs.URL(), data)
	waitLog(t, ag, `msg="agent running"`)
	// Let the agent take its baseline before the change.
	time.Sleep(300 * time.Millisecond)
	ns.ip("link", "set", "gw0", "down")
	s, ex, inf = nextInform(t, acs, ag)
	if !slices.Contains(events(inf), "4 VALUE CHANGE") || slices.Contains(events(inf), "1 BOOT") {
		t.Fatalf("after the restart, Inform events %q", events(inf))
	}
	open(t, s, ex)
	after := gpv(t, s, ipIf, ethIf+"Name")
	if after[ipIf+"Name"] != "gw0" || after[ethIf+"Name"] != "gw0" {
		t.Errorf("after a restart %sName = %q and %sName = %q, want gw0 for both", ipIf, after[ipIf+"Name"], ethIf, after[ethIf+"Name"])
	}
	if after[addr+"IPAddress"] != "10.99.7.7" || after[addr+"SubnetMask"] != "255.255.0.0" {
		t.Errorf("after a restart %s holds %q/%q", addr, after[addr+"IPAddress"], after[addr+"SubnetMask"])
	}
	end(t, s)
}

func waitLog(t *testing.T, a *agent, s string) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !strings.Contains(a.stderr.String(), s) {
		if time.Now().After(deadline) {
			t.Fatalf("the agent never logged %q\n%s", s, a.stderr)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
