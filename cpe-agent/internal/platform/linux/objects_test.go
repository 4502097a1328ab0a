//go:build linux

package linux

import (
	"context"
	"errors"
	"net/netip"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"gatewarden/cpe-agent/internal/model"
	"gatewarden/cpe-agent/internal/store"
	"gatewarden/protocol/cwmp"
)

// objTree is the fixture platform with file-backed records and a
// scripted kernel, and a tree over a store; reopen restarts both.
type objTree struct {
	t    *testing.T
	dir  string
	k    *scriptedKernel
	p    *Platform
	st   *store.Store
	tree *model.Tree
}

func newObjTree(t *testing.T) *objTree {
	o := &objTree{t: t, dir: t.TempDir(), k: &scriptedKernel{
		ls: []linkInfo{ether(2, "eth0", "02:A0:C5:00:00:01")},
		as: map[string][]kernelAddr{"eth0": {
			{IP: netip.MustParseAddr("192.168.1.1"), Prefix: 24},
			{IP: netip.MustParseAddr("100.64.0.9"), Prefix: 10, Dynamic: true},
		}},
	}}
	o.open()
	t.Cleanup(o.close)
	return o
}

func (o *objTree) open() {
	t := o.t
	t.Helper()
	o.p = fixturePlatform(t)
	o.p.kern = o.k
	var err error
	if o.p.addrs, err = loadAddrBook(filepath.Join(o.dir, addrFile)); err != nil {
		t.Fatal(err)
	}
	if o.p.routes, err = loadRouteBook(filepath.Join(o.dir, routeFile)); err != nil {
		t.Fatal(err)
	}
	if err := o.p.refreshLinks(); err != nil {
		t.Fatal(err)
	}
	r := model.NewRegistry()
	model.BindManagementServer(r, model.ManagementDefaults{})
	o.p.bind(r)
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	if o.st, err = store.Open(filepath.Join(o.dir, "s.db"), store.Options{}); err != nil {
		t.Fatal(err)
	}
	if o.tree, err = model.New(context.Background(), r, model.Options{Store: o.st}); err != nil {
		t.Fatal(err)
	}
}

func (o *objTree) close() {
	if o.tree != nil {
		o.tree.Close()
		o.st.Close()
		o.tree = nil
	}
}

func (o *objTree) gpv(names ...string) map[string]string {
	o.t.Helper()
	vals, err := o.tree.GetParameterValues(context.Background(), names)
	if err != nil {
		o.t.Fatal(err)
	}
	m := map[string]string{}
	for _, v := range vals {
		m[v.Name] = v.Value
	}
	return m
}

func (o *objTree) spv(kv ...string) error {
	var list []cwmp.ParameterValueStruct
	for i := 0; i+1 < len(kv); i += 2 {
		list = append(list, cwmp.ParameterValueStruct{Name: kv[i], Value: kv[i+1]})
	}
	_, err := o.tree.SetParameterValues(context.Background(), list, "k")
	return err
}

func faultCode(err error) cwmp.FaultCode {
	var f *cwmp.Fault
	if errors.As(err, &f) {
		if len(f.SetParameterValuesFault) == 1 {
			return f.SetParameterValuesFault[0].FaultCode
		}
		return f.FaultCode
	}
	return 0
}

// Address rows the ACS adds start disabled and empty, are kept by the
// kernel reconciliation while they are, keep their numbers across a
// restart and go on DeleteObject; rows the system manages refuse it.
func TestAddressRowsOnScriptedKernel(t *testing.T) {
	ctx := context.Background()
	o := newObjTree(t)
	const table = "Device.IP.Interface.1.IPv4Address."
	got := o.gpv(table)
	if got[table+"1.IPAddress"] != "192.168.1.1" || got[table+"2.AddressingType"] != "DHCP" {
		t.Fatalf("kernel rows: %v", got)
	}
	n, _, err := o.tree.AddObject(ctx, table, "a")
	if err != nil || n != 3 {
		t.Fatalf("AddObject: %d %v", n, err)
	}
	row := table + "3."
	got = o.gpv(row)
	if got[row+"Enable"] != "false" || got[row+"Status"] != "Disabled" || got[row+"IPAddress"] != "" || got[row+"SubnetMask"] != "" {
		t.Fatalf("the new row: %v", got)
	}
	// Values on a disabled row stay in the record, not the kernel (the
	// scripted platform has no netlink handle: a write would panic).
	if err := o.spv(row+"SubnetMask", "255.255.0.0", row+"IPAddress", "10.9.0.1"); err != nil {
		t.Fatal(err)
	}
	v6, _, err := o.tree.AddObject(ctx, "Device.IP.Interface.1.IPv6Address.", "a")
	if err != nil {
		t.Fatal(err)
	}

	o.close()
	o.open()
	got = o.gpv(table)
	if got[row+"IPAddress"] != "10.9.0.1" || got[row+"SubnetMask"] != "255.255.0.0" || got[row+"Enable"] != "false" || len(keysOf(got, ".IPAddress")) != 3 {
		t.Fatalf("after a restart: %v", got)
	}
	if _, ok := o.gpv("Device.IP.Interface.1.IPv6Address.")["Device.IP.Interface.1.IPv6Address."+itoa(v6)+".Enable"]; !ok {
		t.Fatal("the IPv6 row is gone after a restart")
	}

	_, err = o.tree.DeleteObject(ctx, table+"2.", "d")
	if faultCode(err) != cwmp.FaultRequestDenied {
		t.Fatalf("deleting a DHCP address: %v", err)
	}
	if _, err := o.tree.DeleteObject(ctx, row, "d"); err != nil {
		t.Fatal(err)
	}
	got = o.gpv(table)
	if _, ok := got[row+"IPAddress"]; ok || len(keysOf(got, ".IPAddress")) != 2 {
		t.Fatalf("after DeleteObject: %v", got)
	}
	if _, err := o.tree.DeleteObject(ctx, "Device.IP.Interface.1.IPv6Address."+itoa(v6)+".", "d"); err != nil {
		t.Fatal(err)
	}
	o.close()
	o.open()
	if n, _, err := o.tree.AddObject(ctx, table, "a"); err != nil || n != 4 {
		t.Fatalf("a number came back: %d %v", n, err)
	}
}

// Static route rows: added disabled, hidden kernel twins, writes only to
// the ACS's rows, Interface as a reference, numbers across a restart.
func TestRouteRowsOnFixture(t *testing.T) {
	ctx := context.Background()
	o := newObjTree(t)
	const table = "Device.Routing.Router.1.IPv4Forwarding."
	got := o.gpv(table)
	if len(keysOf(got, ".StaticRoute")) != 4 || got[table+"1.StaticRoute"] != "false" || got[table+"1.Enable"] != "true" {
		t.Fatalf("kernel rows: %v", got)
	}
	n, status, err := o.tree.AddObject(ctx, table, "r")
	if err != nil || status != 0 || n != 5 {
		t.Fatalf("AddObject: %d %d %v", n, status, err)
	}
	row := table + "5."
	got = o.gpv(row)
	for p, want := range map[string]string{"Enable": "false", "StaticRoute": "true", "Status": "Disabled", "DestIPAddress": "", "Interface": "", "ForwardingMetric": "-1"} {
		if got[row+p] != want {
			t.Errorf("%s = %q, want %q", row+p, got[row+p], want)
		}
	}
	o.gpv("Device.IP.Interface.") // the tree learns the interfaces' numbers
	if err := o.spv(row+"DestIPAddress", "10.66.0.0", row+"DestSubnetMask", "255.255.0.0", row+"GatewayIPAddress", "10.0.0.254",
		row+"Interface", "Device.IP.Interface.1", row+"ForwardingMetric", "5"); err != nil {
		t.Fatal(err)
	}
	got = o.gpv(row)
	if got[row+"Interface"] != "Device.IP.Interface.1" || got[row+"Type"] != "Network" || got[row+"ForwardingMetric"] != "5" {
		t.Errorf("the filled row: %v", got)
	}
	for _, bad := range [][2]string{
		{row + "Interface", "Device.IP.Interface.9"},
		{row + "Interface", "Device.IP.Interface.1.IPv4Address.1"},
		{row + "DestIPAddress", "fd00::1"},
		{row + "DestSubnetMask", "255.0.255.0"},
		{row + "ForwardingMetric", "-2"},
		{table + "1.DestIPAddress", "10.1.0.0"},
		{table + "1.Enable", "false"},
	} {
		err := o.spv(bad[0], bad[1])
		if c := faultCode(err); c != cwmp.FaultInvalidParameterValue && c != cwmp.FaultNonWritableParameter {
			t.Errorf("%s = %s: %v", bad[0], bad[1], err)
		}
	}
	_, err = o.tree.DeleteObject(ctx, table+"2.", "d")
	if faultCode(err) != cwmp.FaultRequestDenied {
		t.Fatalf("deleting a kernel route: %v", err)
	}
	names, err := o.tree.GetParameterNames(ctx, table, true)
	if err != nil || len(names) != 5 || names[0].Writable || !names[4].Writable || names[4].Name != row {
		t.Fatalf("GPN: %+v %v", names, err)
	}

	o.close()
	o.open()
	got = o.gpv(table)
	if got[row+"DestIPAddress"] != "10.66.0.0" || got[row+"StaticRoute"] != "true" || len(keysOf(got, ".StaticRoute")) != 5 {
		t.Fatalf("after a restart: %v", got)
	}
	if _, err := o.tree.DeleteObject(ctx, row, "d"); err != nil {
		t.Fatal(err)
	}
	if got := o.gpv(table); len(keysOf(got, ".StaticRoute")) != 4 {
		t.Fatalf("after DeleteObject: %v", got)
	}
}

func TestStaticRouteRecord(t *testing.T) {
	for _, c := range []struct {
		rec  routeRecord
		ok   bool
		key  string
		kind string
	}{
		{routeRecord{Link: "eth0"}, true, "0.0.0.0/0.0.0.0/0.0.0.0/eth0/0", "Default"},
		{routeRecord{Link: "eth0", Dest: "10.1.0.0", Mask: "255.255.0.0", Gateway: "10.0.0.1", Metric: 7}, true, "10.1.0.0/255.255.0.0/10.0.0.1/eth0/7", "Network"},
		{routeRecord{Link: "eth0", Dest: "10.1.2.3", Mask: "255.255.255.255"}, true, "10.1.2.3/255.255.255.255/0.0.0.0/eth0/0", "Host"},
		{routeRecord{Dest: "10.1.0.0", Mask: "255.255.0.0"}, false, "", ""},                                   // no interface
		{routeRecord{Link: "eth0", Dest: "10.1.2.3", Mask: "255.255.0.0"}, false, "", ""},                     // host bits
		{routeRecord{Link: "eth0", Dest: "10.1.0.0"}, false, "", ""},                                          // no mask
		{routeRecord{Link: "eth0", Dest: "10.1.0.0", Mask: "255.0.255.0"}, false, "", ""},                     // holes
		{routeRecord{Link: "eth0", Dest: "fd00::", Mask: "255.255.0.0"}, false, "", ""},                       // IPv6
		{routeRecord{Link: "eth0", Dest: "10.1.0.0", Mask: "255.255.0.0", Gateway: "fe80::1"}, false, "", ""}, // IPv6 gateway
	} {
		rt, ok := c.rec.route()
		if ok != c.ok || ok && (rt.key() != c.key || rt.kind() != c.kind) {
			t.Errorf("%+v: %v %s %s", c.rec, ok, rt.key(), rt.kind())
		}
	}
	if !isStaticKey("s12") || isStaticKey("0.0.0.0/0.0.0.0/0.0.0.0/s/0") {
		t.Error("isStaticKey")
	}
}

func keysOf(m map[string]string, suffix string) []string {
	var out []string
	for k := range m {
		if strings.HasSuffix(k, suffix) {
			out = append(out, k)
		}
	}
	return out
}

func itoa(n uint32) string { return strconv.FormatUint(uint64(n), 10) }
