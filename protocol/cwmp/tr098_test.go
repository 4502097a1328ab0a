package cwmp

import (
	"strings"
	"testing"
)

// TestTR098HuaweiDump decodes what the encoder makes of the BM632w dump
// and checks it against the dump itself: identity, forced parameters,
// every leaf with its type, and secrets read back empty.
func TestTR098HuaweiDump(t *testing.T) {
	rows := readHuaweiDump(t)
	cases := tr098Cases(t)
	byName := map[string]*Envelope{}
	for _, c := range cases {
		out, err := Marshal(c.env)
		if err != nil {
			t.Fatal(err)
		}
		env, err := Decode(out)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if env.Namespace != NamespaceCWMP10 || env.ImpliedVersion() != CWMP10 {
			t.Errorf("%s: namespace %s", c.name, env.Namespace)
		}
		byName[c.name] = env
		if c.name == "TR098-Huawei-Inform" && !strings.Contains(string(out), "<OUI>202BC1</OUI>") {
			t.Errorf("Inform wire lacks the OUI")
		}
	}

	in := byName["TR098-Huawei-Inform"].Body.(*Inform)
	eq(t, in.DeviceId, DeviceIdStruct{Manufacturer: "Huawei Technologies Co., Ltd.", OUI: "202BC1", ProductClass: "BM632w", SerialNumber: "8KA8WA1151100043"})
	if tm, err := in.CurrentTime.Time(); err != nil || tm.Year() != 2013 {
		t.Errorf("CurrentTime %q: %v", in.CurrentTime, err)
	}
	for _, p := range in.ParameterList {
		if !strings.HasPrefix(p.Name, "InternetGatewayDevice.") || p.Type != "string" {
			t.Errorf("forced parameter %+v", p)
		}
	}

	pl := byName["TR098-Huawei-GetParameterValuesResponse"].Body.(*GetParameterValuesResponse).ParameterList
	leaves := 0
	for _, r := range rows {
		if strings.HasPrefix(r.name, "InternetGatewayDevice.") {
			leaves++
		}
	}
	if len(pl) != leaves || leaves < 700 {
		t.Fatalf("%d parameters decoded, %d leaves in the dump", len(pl), leaves)
	}
	got := map[string]ParameterValueStruct{}
	for _, p := range pl {
		got[p.Name] = p
	}
	eq(t, got["InternetGatewayDevice.ManagementServer.PeriodicInformInterval"], ParameterValueStruct{Name: "InternetGatewayDevice.ManagementServer.PeriodicInformInterval", Value: "300", Type: "unsignedInt"})
	eq(t, got["InternetGatewayDevice.DeviceInfo.X_HUAWEI_ServiceManage.TelnetPort"].Type, "int")
	eq(t, got["InternetGatewayDevice.ManagementServer.PeriodicInformEnable"].Value, "true")
	eq(t, got["InternetGatewayDevice.ManagementServer.ConnectionRequestPassword"].Value, "")
	eq(t, got["InternetGatewayDevice.DeviceSummary"].Value, "InternetGatewayDevice:1.1[](Baseline:1, EthernetLAN:1, WiFiLAN:1, WIMAXWAN:1, Bridging:1, Time:1, IPPing:1")
	types := map[string]int{}
	for _, p := range pl {
		types[p.Type]++
	}
	for _, typ := range []string{"string", "unsignedInt", "boolean", "int", "dateTime"} {
		if types[typ] == 0 {
			t.Errorf("no %s parameter decoded", typ)
		}
	}
}
