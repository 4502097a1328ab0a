package datamodel

import (
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"testing"
	"time"
)

// TestSchemaMatchesXML compares the embedded schemas with the BBF XML read
// independently: the same objects and parameters, by full name, with the
// same attributes.
func TestSchemaMatchesXML(t *testing.T) {
	dir := sharedDir(t)
	for _, m := range []struct {
		name   string
		schema *Schema
		file   string
	}{
		{"TR-181", TR181(), "tr-181-2-17-0-cwmp-full.xml"},
		{"TR-098", TR098(), "tr-098-1-8-0-full.xml"},
	} {
		t.Run(m.name, func(t *testing.T) {
			objects, params := walkModel(t, filepath.Join(dir, m.file))
			s := m.schema
			if s.NumObjects() != len(objects) || s.NumParameters() != len(params) {
				t.Errorf("schema has %d objects and %d parameters, XML %d and %d",
					s.NumObjects(), s.NumParameters(), len(objects), len(params))
			}
			seen := map[string]bool{}
			s.Walk(func(n *Node) bool {
				path := n.Path()
				if seen[path] {
					t.Errorf("%s appears twice", path)
				}
				seen[path] = true
				if got, ok := s.Lookup(path); !ok || got != n {
					t.Errorf("Lookup(%q) does not find its own node", path)
				}
				if n.IsObject() {
					o, ok := objects[path]
					if !ok {
						t.Errorf("object %s is not in the XML", path)
						return true
					}
					checkObject(t, n, o)
					return true
				}
				p, ok := params[path]
				if !ok {
					t.Errorf("parameter %s is not in the XML", path)
					return true
				}
				checkParam(t, n, p)
				return true
			})
			for name := range objects {
				if !seen[name] {
					t.Errorf("XML object %s is missing", name)
				}
			}
			for name := range params {
				if !seen[name] {
					t.Errorf("XML parameter %s is missing", name)
				}
			}
		})
	}
}

func checkObject(t *testing.T, n *Node, o xmlObject) {
	t.Helper()
	wantAccess := ReadOnly
	if o.access == "readWrite" {
		wantAccess = ReadWrite
	}
	if n.Access() != wantAccess {
		t.Errorf("%s: access %v, XML %q", n.Path(), n.Access(), o.access)
	}
	wantMin, wantMax := "1", "1"
	if o.minEntries != "" {
		wantMin = o.minEntries
	}
	if o.maxEntries != "" {
		wantMax = o.maxEntries
	}
	gotMax := strconv.Itoa(n.MaxEntries())
	if n.MaxEntries() < 0 {
		gotMax = "unbounded"
	}
	if strconv.Itoa(n.MinEntries()) != wantMin || gotMax != wantMax {
		t.Errorf("%s: entries %d..%s, XML %s..%s", n.Path(), n.MinEntries(), gotMax, wantMin, wantMax)
	}
	if v := n.Version(); (o.version == "" && !v.IsZero()) || (o.version != "" && v.String() != o.version) {
		t.Errorf("%s: version %v, XML %q", n.Path(), v, o.version)
	}
}

func checkParam(t *testing.T, n *Node, p xmlParam) {
	t.Helper()
	if want := p.access; n.Access().String() != want && !(want == "" && n.Access() == ReadOnly) {
		t.Errorf("%s: access %v, XML %q", n.Path(), n.Access(), want)
	}
	if want := p.activeNotify; n.ActiveNotify().String() != want && !(want == "" && n.ActiveNotify() == NotifyNormal) {
		t.Errorf("%s: activeNotify %v, XML %q", n.Path(), n.ActiveNotify(), want)
	}
	if n.ForcedInform() != p.forcedInform || n.Hidden() != p.hidden || n.Secured() != p.secured || n.Command() != p.command {
		t.Errorf("%s: forced/hidden/secured/command %v/%v/%v/%v, XML %+v", n.Path(),
			n.ForcedInform(), n.Hidden(), n.Secured(), n.Command(), p)
	}
	if v := n.Version(); (p.version == "" && !v.IsZero()) || (p.version != "" && v.String() != p.version) {
		t.Errorf("%s: version %v, XML %q", n.Path(), v, p.version)
	}
	typ := n.Type()
	if p.list {
		if !typ.IsList() || typ.Kind() != KindString || typ.XSDType() != "xsd:string" {
			t.Errorf("%s: not a list of kind string, though the XML says list", n.Path())
			return
		}
		typ = typ.Item()
	} else if typ.IsList() && p.dataType == "" {
		t.Errorf("%s: a list, though the XML says no list", n.Path())
	}
	switch {
	case p.dataType != "":
		if typ.DataType() != p.dataType {
			t.Errorf("%s: data type %q, XML %q", n.Path(), typ.DataType(), p.dataType)
		}
	case typ.Kind().String() != p.primitive:
		t.Errorf("%s: kind %v, XML %q", n.Path(), typ.Kind(), p.primitive)
	}
}

func TestTR181SpotChecks(t *testing.T) {
	s := TR181()
	if s.Name() != "Device" || s.Version() != (Version{2, 17}) {
		t.Errorf("model %s:%v", s.Name(), s.Version())
	}
	lookup := func(path string) *Node {
		t.Helper()
		n, ok := s.Lookup(path)
		if !ok {
			t.Fatalf("Lookup(%q) failed", path)
		}
		return n
	}

	pii := lookup("Device.ManagementServer.PeriodicInformInterval")
	if typ := pii.Type(); typ.Kind() != KindUnsignedInt || pii.XSDType() != "xsd:unsignedInt" ||
		!slices.Equal(typ.Ranges(), []Range{{Min: 1, HasMin: true, Step: 1}}) || !pii.Writable() {
		t.Errorf("PeriodicInformInterval: %v %v %v", typ, typ.Ranges(), pii.Access())
	}
	up := lookup("Device.DeviceInfo.UpTime")
	if up.Type().Kind() != KindUnsignedInt || up.ActiveNotify() != NotifyCanDeny || up.Writable() {
		t.Errorf("UpTime: %v %v", up.Type(), up.ActiveNotify())
	}
	addr := lookup("Device.IP.Interface.3.IPv4Address.1.IPAddress")
	if addr.Path() != "Device.IP.Interface.{i}.IPv4Address.{i}.IPAddress" || addr.Type().DataType() != "IPv4Address" ||
		addr.XSDType() != "xsd:string" || addr.Type().Base().DataType() != "IPAddress" {
		t.Errorf("IPAddress: %s %v", addr.Path(), addr.Type())
	}
	if ipIf := lookup("Device.IP.Interface."); !ipIf.IsTable() || !ipIf.Writable() || ipIf.Access() != ReadWrite ||
		ipIf.NumEntriesParameter() != "InterfaceNumberOfEntries" || ipIf.MaxEntries() != -1 {
		t.Errorf("Device.IP.Interface.: table %v writable %v", ipIf.IsTable(), ipIf.Writable())
	}
	if eth := lookup("Device.Ethernet.Interface."); !eth.IsTable() || eth.Writable() {
		t.Errorf("Device.Ethernet.Interface.: table %v writable %v", eth.IsTable(), eth.Writable())
	}
	if di := lookup("Device.DeviceInfo."); di.IsTable() || di.Writable() || di.MinEntries() != 1 || di.MaxEntries() != 1 {
		t.Errorf("Device.DeviceInfo.: table %v", di.IsTable())
	}

	var forced []string
	for _, n := range s.ForcedInform() {
		forced = append(forced, n.Path())
	}
	wantForced := []string{
		"Device.RootDataModelVersion",
		"Device.DeviceInfo.HardwareVersion",
		"Device.DeviceInfo.SoftwareVersion",
		"Device.DeviceInfo.ProvisioningCode",
		"Device.ManagementServer.ParameterKey",
		"Device.ManagementServer.ConnectionRequestURL",
		"Device.ManagementServer.AliasBasedAddressing",
	}
	if !slices.Equal(forced, wantForced) {
		t.Errorf("forced inform parameters %q", forced)
	}

	counts := map[string]int{}
	s.Walk(func(n *Node) bool {
		if n.Hidden() {
			counts["hidden"]++
		}
		if n.Secured() {
			counts["secured"]++
		}
		if n.Command() {
			counts["command"]++
		}
		if n.IsParameter() {
			counts[n.ActiveNotify().String()]++
		}
		return true
	})
	if counts["secured"] != 38 || counts["hidden"] != 5 || counts["canDeny"] != 950 || counts["forceEnabled"] != 2 || counts["forceDefaultEnabled"] != 8 {
		t.Errorf("flag counts %v", counts)
	}
	for _, p := range []string{"Device.ManagementServer.Password", "Device.ManagementServer.ConnectionRequestPassword", "Device.ManagementServer.STUNPassword"} {
		if n := lookup(p); !n.Hidden() || !n.Secret() {
			t.Errorf("%s is not hidden", p)
		}
	}
	for _, p := range []string{"Device.WiFi.AccessPoint.1.Security.KeyPassphrase", "Device.WiFi.AccessPoint.{i}.Security.PreSharedKey", "Device.PPP.Interface.2.Password"} {
		if n := lookup(p); !n.Secured() || !n.Secret() || n.Hidden() {
			t.Errorf("%s is not secured", p)
		}
	}
	for p, want := range map[string]ActiveNotify{
		"Device.DeviceInfo.SoftwareVersion":            NotifyForceEnabled,
		"Device.DeviceInfo.ProvisioningCode":           NotifyForceEnabled,
		"Device.ManagementServer.ConnectionRequestURL": NotifyForceDefaultEnabled,
		"Device.DeviceInfo.HardwareVersion":            NotifyNormal,
	} {
		if got := lookup(p).ActiveNotify(); got != want {
			t.Errorf("%s activeNotify %v, want %v", p, got, want)
		}
	}
	reset := lookup("Device.IP.Interface.{i}.Reset")
	if !reset.Command() || reset.Type().Kind() != KindBoolean {
		t.Errorf("Reset: command %v", reset.Command())
	}
	if v := lookup("Device.RootDataModelVersion").Version(); v != (Version{2, 4}) {
		t.Errorf("RootDataModelVersion version %v", v)
	}
	if v := lookup("Device.DeviceInfo.UpTime").Version(); v != (Version{2, 0}) {
		t.Errorf("UpTime version %v (inherited from its object)", v)
	}
	if alias := lookup("Device.IP.Interface.1.Alias"); alias.Access() != WriteOnceReadOnly || !alias.Writable() || alias.Type().DataType() != "Alias" {
		t.Errorf("Alias access %v", alias.Access())
	}
	if d, ok := lookup("Device.ManagementServer.InformParameter.{i}.Enable").Default(); !ok || d != (Default{DefaultObject, "false"}) {
		t.Errorf("InformParameter Enable default %+v %v", d, ok)
	}
	keys := lookup("Device.IP.Interface.").UniqueKeys()
	if len(keys) == 0 || !slices.ContainsFunc(keys, func(k UniqueKey) bool { return slices.Equal(k.Parameters, []string{"Alias"}) && !k.Functional }) {
		t.Errorf("Device.IP.Interface. unique keys %+v", keys)
	}
	if lookup("Device.IP.Interface.").EnableParameter() != "Enable" {
		t.Error("Device.IP.Interface. has no enableParameter")
	}
	if _, ok := s.DataType("IPv6Prefix"); !ok {
		t.Error("DataType(IPv6Prefix) missing")
	}
	if u, ok := s.DataType("URN"); !ok || len(u.Patterns()) != 1 {
		t.Error("DataType(URN), from tr-106-types.xml only, missing")
	}
}

func TestTR098SpotChecks(t *testing.T) {
	s := TR098()
	if s.Name() != "InternetGatewayDevice" || s.Version() != (Version{1, 14}) {
		t.Errorf("model %s:%v", s.Name(), s.Version())
	}
	n, ok := s.Lookup("InternetGatewayDevice.LANDevice.1.WLANConfiguration.2.SSID")
	if !ok || n.Path() != "InternetGatewayDevice.LANDevice.{i}.WLANConfiguration.{i}.SSID" || !n.Version().IsZero() {
		t.Fatalf("Lookup WLAN SSID: %v", ok)
	}
	if err := n.Validate("home"); err != nil {
		t.Error(err)
	}
	var forced int
	for range s.ForcedInform() {
		forced++
	}
	if forced != 10 {
		t.Errorf("TR-098 has %d forced inform parameters, XML 10", forced)
	}
}

func TestLookup(t *testing.T) {
	s := TR181()
	found := map[string]string{
		"Device.":                                        "Device.",
		"Device.IP.Interface.":                           "Device.IP.Interface.{i}.",
		"Device.IP.Interface.3.":                         "Device.IP.Interface.{i}.",
		"Device.IP.Interface.{i}.":                       "Device.IP.Interface.{i}.",
		"Device.IP.Interface.[wan].":                     "Device.IP.Interface.{i}.",
		"Device.IP.Interface.*.Name":                     "Device.IP.Interface.{i}.Name",
		"Device.IP.Interface.3.Stats.":                   "Device.IP.Interface.{i}.Stats.",
		"Device.IP.Interface.7.Status":                   "Device.IP.Interface.{i}.Status",
		"Device.IP.Interface.1.IPv4Address.":             "Device.IP.Interface.{i}.IPv4Address.{i}.",
		"Device.IP.Interface.1.IPv4Address.2.SubnetMask": "Device.IP.Interface.{i}.IPv4Address.{i}.SubnetMask",
	}
	for in, want := range found {
		n, ok := s.Lookup(in)
		if !ok || n.Path() != want {
			t.Errorf("Lookup(%q) = %v, want %s", in, ok, want)
		}
		p := MustParsePath(in)
		if n2, ok := s.LookupPath(p); !ok || n2 != n {
			t.Errorf("LookupPath(%q) differs", in)
		}
	}
	for _, in := range []string{
		"", "Device", "Device.DeviceInfo", "Device.DeviceInfo.UpTime.", "Device.IP.Interface.3",
		"Device.IP.Interface.Name", "Device.IP.Interface.3.4.", "Device.DeviceInfo.3.",
		"Device.IP.Interface.03.", "Device.Nope.", "InternetGatewayDevice.", "Device.DeviceInfo.UpTime.X",
		"Device..DeviceInfo.", "Device.IP.Interface.[].", ".Device.",
	} {
		if n, ok := s.Lookup(in); ok || n != nil {
			t.Errorf("Lookup(%q) found %v", in, n.Path())
		}
	}
}

func TestLookupDoesNotAllocate(t *testing.T) {
	s := TR181()
	allocs := testing.AllocsPerRun(100, func() {
		if _, ok := s.Lookup("Device.IP.Interface.3.IPv4Address.1.IPAddress"); !ok {
			t.Fatal("not found")
		}
	})
	if allocs != 0 {
		t.Errorf("Lookup allocates %v times", allocs)
	}
}

func TestChildren(t *testing.T) {
	n, _ := TR181().Lookup("Device.IP.Interface.1.IPv4Address.")
	var names []string
	for c := range n.Children() {
		names = append(names, c.Name())
		if c.Parent() != n {
			t.Errorf("%s has parent %v", c.Path(), c.Parent())
		}
		if got, ok := n.Child(c.Name()); !ok || got != c {
			t.Errorf("Child(%q) differs", c.Name())
		}
	}
	want := []string{"Enable", "Status", "Alias", "IPAddress", "SubnetMask", "AddressingType"}
	if !slices.Equal(names, want) || n.NumChildren() != len(want) {
		t.Errorf("children %q, want %q", names, want)
	}
	root := TR181().Root()
	params, objects := 0, 0
	for c := range root.Children() {
		if c.IsObject() {
			objects++
		} else if objects > 0 {
			t.Errorf("parameter %s listed after an object", c.Path())
		} else {
			params++
		}
	}
	if params == 0 || objects < 50 {
		t.Errorf("Device. has %d parameters and %d objects", params, objects)
	}
	skipped := 0
	TR181().Walk(func(n *Node) bool {
		skipped++
		return n.Name() != "WiFi" && n.Name() != "Device" || n == root
	})
	if skipped >= TR181().NumObjects()+TR181().NumParameters() {
		t.Error("Walk did not skip subtrees")
	}
}

// TestDecodeCost reports decode time and the heap a schema keeps, and
// guards against gross regressions.
func TestDecodeCost(t *testing.T) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	s, err := decode(tr181File)
	elapsed := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	kept := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("TR-181: file %d bytes, decoded in %v, %d KiB kept on the heap", len(tr181File), elapsed, kept/1024)
	if kept > 8<<20 {
		t.Errorf("decoded TR-181 keeps %d bytes", kept)
	}
	runtime.KeepAlive(s)
}

func BenchmarkLookupInstance(b *testing.B) {
	s := TR181()
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := s.Lookup("Device.IP.Interface.3.IPv4Address.1.IPAddress"); !ok {
			b.Fatal("not found")
		}
	}
}

func BenchmarkLookupDeep(b *testing.B) {
	s := TR181()
	p := "Device.WiFi.DataElements.Network.Device.1.Radio.2.BSS.3.STA.4.MultiAPSTA.SteeringHistory.5.APOrigin"
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := s.Lookup(p); !ok {
			b.Fatal("not found")
		}
	}
}

func BenchmarkDecodeTR181(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decode(tr181File); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeTR098(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decode(tr098File); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNodePath(b *testing.B) {
	n, _ := TR181().Lookup("Device.IP.Interface.3.IPv4Address.1.IPAddress")
	b.ReportAllocs()
	for b.Loop() {
		_ = n.Path()
	}
}
