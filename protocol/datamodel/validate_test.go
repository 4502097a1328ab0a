package datamodel

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

func node(t testing.TB, path string) *Node {
	t.Helper()
	n, ok := TR181().Lookup(path)
	if !ok {
		t.Fatalf("Lookup(%q) failed", path)
	}
	return n
}

// want is the expected outcome of a validation: nil, ErrType or ErrValue.
func checkErr(t *testing.T, what string, err, want error) {
	t.Helper()
	switch {
	case want == nil && err != nil:
		t.Errorf("%s: unexpected error %v", what, err)
	case want != nil && !errors.Is(err, want):
		t.Errorf("%s: error %v, want %v", what, err, want)
	case want != nil && FaultCode(err) != FaultCode(want):
		t.Errorf("%s: fault %d, want %d", what, FaultCode(err), FaultCode(want))
	}
}

func TestValidateParameters(t *testing.T) {
	tests := []struct {
		path, value string
		want        error
	}{
		{"Device.ManagementServer.PeriodicInformInterval", "300", nil},
		{"Device.ManagementServer.PeriodicInformInterval", " 300\n", nil},
		{"Device.ManagementServer.PeriodicInformInterval", "+007", nil},
		{"Device.ManagementServer.PeriodicInformInterval", "4294967295", nil},
		{"Device.ManagementServer.PeriodicInformInterval", "0", ErrValue},
		{"Device.ManagementServer.PeriodicInformInterval", "-1", ErrValue},
		{"Device.ManagementServer.PeriodicInformInterval", "4294967296", ErrValue},
		{"Device.ManagementServer.PeriodicInformInterval", "99999999999999999999999", ErrValue},
		{"Device.ManagementServer.PeriodicInformInterval", "abc", ErrType},
		{"Device.ManagementServer.PeriodicInformInterval", "", ErrType},
		{"Device.ManagementServer.PeriodicInformInterval", "1.5", ErrType},
		{"Device.ManagementServer.PeriodicInformInterval", "+", ErrType},
		{"Device.ManagementServer.CWMPRetryMinimumWaitInterval", "65535", nil},
		{"Device.ManagementServer.CWMPRetryMinimumWaitInterval", "65536", ErrValue},
		{"Device.ManagementServer.DelayReboot", "-1", nil},
		{"Device.ManagementServer.DelayReboot", "-2", ErrValue},
		{"Device.ManagementServer.PeriodicInformEnable", "true", nil},
		{"Device.ManagementServer.PeriodicInformEnable", "0", nil},
		{"Device.ManagementServer.PeriodicInformEnable", "True", ErrType},
		{"Device.ManagementServer.PeriodicInformEnable", "yes", ErrType},
		{"Device.ManagementServer.PeriodicInformTime", "2024-02-29T12:00:00Z", nil},
		{"Device.ManagementServer.PeriodicInformTime", "2024-02-29T12:00:00.123+05:30", nil},
		{"Device.ManagementServer.PeriodicInformTime", UnknownTime, nil},
		{"Device.ManagementServer.PeriodicInformTime", "0001-01-02T00:00:00", nil},
		{"Device.ManagementServer.PeriodicInformTime", "2023-02-29T12:00:00Z", ErrType},
		{"Device.ManagementServer.PeriodicInformTime", "yesterday", ErrType},
		{"Device.ManagementServer.URL", "https://acs.example.net/cwmp", nil},
		{"Device.ManagementServer.URL", strings.Repeat("x", 2049), ErrValue},
		{"Device.ManagementServer.Username", strings.Repeat("é", 256), nil},
		{"Device.ManagementServer.Username", strings.Repeat("é", 257), ErrValue},
		{"Device.ManagementServer.Username", "\xff", ErrValue},
		{"Device.DeviceInfo.ManufacturerOUI", "00259E", nil},
		{"Device.DeviceInfo.ManufacturerOUI", "00259e", ErrValue},
		{"Device.IP.Interface.1.IPv4Address.1.IPAddress", "192.168.1.1", nil},
		{"Device.IP.Interface.1.IPv4Address.1.IPAddress", "", nil},
		{"Device.IP.Interface.1.IPv4Address.1.IPAddress", "256.1.1.1", ErrValue},
		{"Device.IP.Interface.1.IPv4Address.1.IPAddress", "fe80::1", ErrValue},
		{"Device.IP.Interface.1.IPv6Address.1.IPAddress", "2001:db8::1", nil},
		{"Device.IP.Interface.1.IPv6Address.1.IPAddress", "fe80::1%eth0", ErrValue},
		{"Device.IP.Interface.1.IPv6Address.1.IPAddress", "10.0.0.1", ErrValue},
		{"Device.IP.Interface.1.IPv6Prefix.1.Prefix", "2001:db8::/48", nil},
		{"Device.IP.Interface.1.IPv6Prefix.1.Prefix", "2001:db8::/129", ErrValue},
		{"Device.Hosts.Host.1.IPAddress", "10.0.0.7", nil},
		{"Device.Hosts.Host.1.IPAddress", "2001:db8::7", nil},
		{"Device.Hosts.Host.1.IPAddress", "host.example", ErrValue},
		{"Device.Ethernet.Interface.1.MACAddress", "00:11:22:aa:BB:cc", nil},
		{"Device.Ethernet.Interface.1.MACAddress", "00-11-22-aa-bb-cc", ErrValue},
		{"Device.IP.Diagnostics.IPPing.DiagnosticsState", "Requested", nil},
		{"Device.IP.Diagnostics.IPPing.DiagnosticsState", "Complete", nil},
		{"Device.IP.Diagnostics.IPPing.DiagnosticsState", "requested", ErrValue},
		{"Device.WiFi.AccessPoint.1.Security.PreSharedKey", strings.Repeat("ab", 32), nil},
		{"Device.WiFi.AccessPoint.1.Security.PreSharedKey", strings.Repeat("ab", 33), ErrValue},
		{"Device.WiFi.AccessPoint.1.Security.PreSharedKey", "abc", ErrType},
		{"Device.WiFi.AccessPoint.1.Security.PreSharedKey", "zz", ErrType},
		{"Device.WiFi.AccessPoint.1.Security.KeyPassphrase", "secret", ErrValue},
		{"Device.WiFi.AccessPoint.1.Security.KeyPassphrase", "long enough", nil},
		{"Device.ManagementServer.SupportedConnReqMethods", "HTTP,STUN", nil},
		{"Device.ManagementServer.SupportedConnReqMethods", "HTTP, XMPP", nil},
		{"Device.ManagementServer.SupportedConnReqMethods", "", nil},
		{"Device.ManagementServer.SupportedConnReqMethods", "HTTP,SMTP", ErrValue},
		{"Device.IP.Interface.1.LowerLayers", "Device.Ethernet.Link.1", nil},
		{"Device.IP.Interface.1.LowerLayers", "Device.Ethernet.Link.1.,Device.PPP.Interface.2", nil},
		{"Device.IP.Interface.1.LowerLayers", "not a path!", ErrValue},
		{"Device.IP.Interface.1.LowerLayers", "Device.Ethernet.Link.*", ErrValue},
		{"Device.DSL.Diagnostics.SELTUER.UER", "[1,-2],[3,4]", nil},
		{"Device.DSL.Diagnostics.SELTUER.UER", "[1,2], [3, 4]", nil},
		{"Device.DSL.Diagnostics.SELTUER.UER", "1,2", ErrValue},
		{"Device.DSL.Diagnostics.SELTUER.UER", "[1,2,3]", ErrValue},
		{"Device.DSL.Diagnostics.SELTUER.UER", "[1,2],[3,x]", ErrValue},
		{"Device.DSL.Diagnostics.SELTUER.UER", "[1,2]]", ErrValue},
		{"Device.DSL.Diagnostics.SELTUER.UER", "", ErrValue},
		{"Device.Optical.Interface.1.LowerOpticalThreshold", "-127000", nil},
		{"Device.Optical.Interface.1.LowerOpticalThreshold", "-126500", nil},
		{"Device.Optical.Interface.1.LowerOpticalThreshold", "-126501", ErrValue},
		{"Device.Optical.Interface.1.LowerOpticalThreshold", "500", ErrValue},
		{"Device.DeviceInfo.SupportedDataModel.1.UUID", "6ba7b810-9dad-11d1-80b4-00c04fd430c8", nil},
		{"Device.DeviceInfo.SupportedDataModel.1.UUID", "6ba7b810-9dad-11d1-80b4", ErrValue},
	}
	for _, tt := range tests {
		checkErr(t, tt.path+"="+tt.value, node(t, tt.path).Validate(tt.value), tt.want)
	}
}

func TestValidateSetRejectsReadOnlyEnumerations(t *testing.T) {
	n := node(t, "Device.IP.Diagnostics.IPPing.DiagnosticsState")
	checkErr(t, "set Requested", n.ValidateSet("Requested"), nil)
	checkErr(t, "set Complete", n.ValidateSet("Complete"), ErrValue)
	checkErr(t, "read Complete", n.Validate("Complete"), nil)
}

func TestSecretValuesStayOutOfErrors(t *testing.T) {
	for _, p := range []string{"Device.WiFi.AccessPoint.1.Security.KeyPassphrase", "Device.ManagementServer.Password"} {
		secret := "hunter" + strings.Repeat("2", 300)
		err := node(t, p).Validate(secret)
		if err == nil {
			t.Fatalf("%s accepted a 306-character value", p)
		}
		if strings.Contains(err.Error(), "hunter") {
			t.Errorf("%s: error %q quotes the secret", p, err)
		}
	}
	if err := node(t, "Device.ManagementServer.Username").Validate("visible" + strings.Repeat("x", 300)); err == nil || !strings.Contains(err.Error(), "visible") {
		t.Errorf("a plain parameter's error should quote the value: %v", err)
	}
}

func TestCheckXSIType(t *testing.T) {
	n := node(t, "Device.ManagementServer.PeriodicInformInterval")
	for _, ok := range []string{"", "xsd:unsignedInt", "xs:unsignedInt", "unsignedInt", "xsd:anySimpleType"} {
		checkErr(t, ok, n.CheckXSIType(ok), nil)
	}
	for _, bad := range []string{"xsd:string", "xsd:int", "xsd:bogus"} {
		checkErr(t, bad, n.CheckXSIType(bad), ErrType)
	}
	checkErr(t, "xsd:string on a string", node(t, "Device.Security.Certificate.1.SerialNumber").CheckXSIType("xsd:string"), nil)
	if err := node(t, "Device.DeviceInfo.").Validate("x"); !errors.Is(err, ErrPath) {
		t.Errorf("Validate on an object: %v", err)
	}
	for k := KindString; k <= KindDecimal; k++ {
		if got, ok := KindOfXSD(k.XSD()); !ok || got != k {
			t.Errorf("KindOfXSD(%q) = %v", k.XSD(), got)
		}
	}
	if k, ok := KindOfXSD("base64"); !ok || k != KindBase64 {
		t.Error("KindOfXSD(base64)")
	}
}

func TestCanonical(t *testing.T) {
	tests := []struct{ path, in, want string }{
		{"Device.ManagementServer.PeriodicInformEnable", "1", "true"},
		{"Device.ManagementServer.PeriodicInformEnable", " false ", "false"},
		{"Device.ManagementServer.PeriodicInformInterval", "+0300", "300"},
		{"Device.ManagementServer.DelayReboot", "-0", "0"},
		{"Device.ManagementServer.PeriodicInformTime", "2024-01-01T10:00:00+02:00", "2024-01-01T08:00:00Z"},
		{"Device.ManagementServer.PeriodicInformTime", "2024-01-01T10:00:00.500", "2024-01-01T10:00:00.5Z"},
		{"Device.ManagementServer.PeriodicInformTime", "0001-01-03T03:04:05", "0001-01-03T03:04:05"},
		{"Device.WiFi.AccessPoint.1.Security.PreSharedKey", "abcd", "ABCD"},
		{"Device.ManagementServer.SupportedConnReqMethods", "HTTP , STUN", "HTTP,STUN"},
		{"Device.DSL.Diagnostics.SELTUER.UER", " [1, +2] ,[3,4]", "[1,2],[3,4]"},
		{"Device.ManagementServer.Username", " spaced ", " spaced "},
	}
	for _, tt := range tests {
		got, err := node(t, tt.path).Canonical(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("Canonical(%s, %q) = %q, %v; want %q", tt.path, tt.in, got, err, tt.want)
		}
	}
	if _, err := node(t, "Device.ManagementServer.PeriodicInformInterval").Canonical("0"); !errors.Is(err, ErrValue) {
		t.Errorf("Canonical of an invalid value: %v", err)
	}
}

func TestScalarParsers(t *testing.T) {
	if v, err := ParseInt("-2147483648"); err != nil || v != math.MinInt32 {
		t.Errorf("ParseInt min: %v %v", v, err)
	}
	if _, err := ParseInt("2147483648"); !errors.Is(err, ErrValue) {
		t.Errorf("ParseInt overflow: %v", err)
	}
	if v, err := ParseUnsignedInt("4294967295"); err != nil || v != math.MaxUint32 {
		t.Errorf("ParseUnsignedInt max: %v %v", v, err)
	}
	if v, err := ParseLong("-9223372036854775808"); err != nil || v != math.MinInt64 {
		t.Errorf("ParseLong min: %v %v", v, err)
	}
	if _, err := ParseLong("9223372036854775808"); !errors.Is(err, ErrValue) {
		t.Errorf("ParseLong overflow: %v", err)
	}
	if v, err := ParseUnsignedLong("18446744073709551615"); err != nil || v != math.MaxUint64 {
		t.Errorf("ParseUnsignedLong max: %v %v", v, err)
	}
	if _, err := ParseUnsignedLong("18446744073709551616"); !errors.Is(err, ErrValue) {
		t.Errorf("ParseUnsignedLong overflow: %v", err)
	}
	if _, err := ParseUnsignedInt("x1"); !errors.Is(err, ErrType) || FaultCode(err) != 9006 {
		t.Errorf("ParseUnsignedInt(x1): %v", err)
	}
	if b, err := ParseBool("1"); err != nil || !b || FormatBool(b) != "true" {
		t.Errorf("ParseBool(1): %v %v", b, err)
	}
	if _, err := ParseBool("on"); !errors.Is(err, ErrType) {
		t.Errorf("ParseBool(on): %v", err)
	}
}

func TestDateTime(t *testing.T) {
	d, err := ParseDateTime(UnknownTime)
	if err != nil || !d.IsUnknown() || !d.Time.IsZero() || d.String() != UnknownTime {
		t.Errorf("Unknown Time: %+v %v", d, err)
	}
	d, err = ParseDateTime("0001-01-03T03:04:05")
	since, ok := d.SinceBoot()
	if err != nil || !ok || since != 51*time.Hour+4*time.Minute+5*time.Second || d.IsUnknown() {
		t.Errorf("relative time: %+v %v %v", d, since, err)
	}
	d, err = ParseDateTime("2024-06-30T23:59:59.999999999999-01:00")
	if err != nil || d.Relative || !d.Time.Equal(time.Date(2024, 7, 1, 0, 59, 59, 999999999, time.UTC)) {
		t.Errorf("offset and long fraction: %+v %v", d, err)
	}
	d, err = ParseDateTime("2024-06-30T24:00:00Z")
	if err != nil || d.String() != "2024-07-01T00:00:00Z" {
		t.Errorf("24:00: %+v %v", d, err)
	}
	if FormatDateTime(time.Date(2024, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600))) != "2024-01-02T02:04:05Z" {
		t.Error("FormatDateTime does not convert to UTC")
	}
	for _, bad := range []string{
		"2024-1-01T00:00:00Z", "2024-01-01 00:00:00Z", "2024-13-01T00:00:00Z", "2024-01-32T00:00:00Z",
		"2024-01-01T24:00:01Z", "2024-01-01T00:60:00Z", "2024-01-01T00:00:60Z", "0000-01-01T00:00:00Z",
		"2024-01-01T00:00:00+15:00", "2024-01-01T00:00:00.Z", "2024-01-01T00:00:00z", "0001-01-01T00:00:00+01:00",
		"9999-12-31T23:00:00-01:00",
	} {
		if _, err := ParseDateTime(bad); !errors.Is(err, ErrType) {
			t.Errorf("ParseDateTime(%q): %v", bad, err)
		}
	}
}

func TestTypeDescriptions(t *testing.T) {
	for path, want := range map[string]string{
		"Device.ManagementServer.PeriodicInformInterval":   "unsignedInt[1:]",
		"Device.ManagementServer.Username":                 "string(256)",
		"Device.WiFi.AccessPoint.1.Security.KeyPassphrase": "string(8:63)",
		"Device.IP.Interface.1.IPv4Address.1.IPAddress":    "IPv4Address",
		"Device.DSL.Diagnostics.SELTUER.UER":               "list(1:4096) of UERComplex",
		"Device.ManagementServer.DelayReboot":              "int[-1:]",
	} {
		if got := node(t, path).Type().String(); got != want {
			t.Errorf("%s type %q, want %q", path, got, want)
		}
	}
}

// FuzzValidateValue feeds random values to random types of the schema: no
// value may make validation panic, an error must carry a fault code, and a
// valid value's canonical form must be valid and stable.
func FuzzValidateValue(f *testing.F) {
	var types []*Type
	seen := map[*Type]bool{}
	for n := range TR181().Nodes() {
		if typ := n.Type(); typ != nil && !seen[typ] {
			seen[typ] = true
			types = append(types, typ)
		}
	}
	for n := range TR098().Nodes() {
		if typ := n.Type(); typ != nil && !seen[typ] {
			seen[typ] = true
			types = append(types, typ)
		}
	}
	for i, v := range []string{"", "0", "-1", "true", "300", "192.168.1.1", "[1,2],[3,4]", "a,b,,c",
		"2024-01-01T00:00:00Z", "AAECAw==", "abcdef", "00:11:22:33:44:55", "Device.IP.Interface.1", "1.5", "2001:db8::/64"} {
		f.Add(uint16(i*97), v)
	}
	f.Fuzz(func(t *testing.T, pick uint16, v string) {
		typ := types[int(pick)%len(types)]
		err := typ.Validate(v)
		if err != nil {
			if c := FaultCode(err); c != 9006 && c != 9007 {
				t.Fatalf("%v: error %v has fault %d", typ, err, c)
			}
			if err2 := typ.ValidateSet(v); err2 == nil {
				t.Fatalf("%v: ValidateSet accepts %q, Validate does not", typ, v)
			}
			return
		}
		c, err := typ.Canonical(v)
		if err != nil {
			t.Fatalf("%v: Canonical(%q): %v", typ, v, err)
		}
		if err := typ.Validate(c); err != nil {
			t.Fatalf("%v: canonical %q of %q is invalid: %v", typ, c, v, err)
		}
		if c2, _ := typ.Canonical(c); c2 != c {
			t.Fatalf("%v: canonical form of %q is %q, then %q", typ, v, c, c2)
		}
	})
}

func BenchmarkValidate(b *testing.B) {
	for _, bc := range []struct{ name, path, value string }{
		{"unsignedInt", "Device.ManagementServer.PeriodicInformInterval", "86400"},
		{"boolean", "Device.ManagementServer.PeriodicInformEnable", "true"},
		{"string", "Device.ManagementServer.Username", "cpe-user"},
		{"enum", "Device.IP.Diagnostics.IPPing.DiagnosticsState", "Requested"},
		{"IPv4Address", "Device.IP.Interface.1.IPv4Address.1.IPAddress", "192.168.100.254"},
		{"MACAddress", "Device.Ethernet.Interface.1.MACAddress", "00:11:22:aa:bb:cc"},
		{"IPAddress-v6", "Device.Hosts.Host.1.IPAddress", "2001:db8::7"},
		{"dateTime", "Device.ManagementServer.PeriodicInformTime", "2024-01-01T00:00:00Z"},
		{"list-ref", "Device.IP.Interface.1.LowerLayers", "Device.Ethernet.Link.1,Device.PPP.Interface.2"},
	} {
		n := node(b, bc.path)
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := n.Validate(bc.value); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
