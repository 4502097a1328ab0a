package provision

import (
	"errors"
	"strings"
	"testing"
	"time"

	"gatewarden/acs/internal/store"
)

var testNow = time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)

func testOptions() Options {
	return Options{Now: func() time.Time { return testNow }}
}

func testDevice() *store.Device {
	return &store.Device{
		ID:              "001122-Router-SN1",
		OUI:             "001122",
		ProductClass:    "Router",
		SerialNumber:    "SN1",
		SoftwareVersion: "2.10.1",
		HardwareVersion: "B1",
		LastInform:      testNow.Add(-30 * time.Minute),
		Tags:            []string{"pilot", "north"},
		Root:            "Device.",
	}
}

func testParams() map[string]store.Param {
	ps := map[string]store.Param{}
	for name, v := range map[string]string{
		"Device.DeviceInfo.ModelName":                    "GW-100 \"pro\"",
		"Device.ManagementServer.PeriodicInformInterval": "0300",
		"Device.ManagementServer.PeriodicInformEnable":   "1",
		"Device.DeviceInfo.UpTime":                       "3600",
		"Device.Time.CurrentLocalTime":                   "2024-05-01T12:00:00+02:00",
		"Device.IP.Interface.1.Status":                   "Up",
		"Device.IP.Interface.1.MaxMTUSize":               "1500",
		"Device.DeviceInfo.X_ACME_Build":                 "1234",
		"Device.DeviceInfo.X_ACME_Flag":                  "true",
		"Device.DeviceInfo.X_ACME_FW":                    "3.2.1b4",
		"Device.DeviceInfo.X_ACME_Ratio":                 "0.75",
		"Device.DeviceInfo.HardwareVersion":              "B1",
		"Device.DeviceInfo.SoftwareVersion":              "2.10.1",
		"Device.Ethernet.Interface.1.MACAddress":         "00:11:22:AA:BB:CC",
	} {
		ps[name] = store.Param{Name: name, Value: v}
	}
	return ps
}

func lookupIn(m map[string]store.Param) func(string) (store.Param, bool) {
	return func(name string) (store.Param, bool) {
		p, ok := m[name]
		return p, ok
	}
}

func TestFilterMatch(t *testing.T) {
	cases := []struct {
		expr string
		want bool
	}{
		// The empty filter.
		{"", true},
		{"   ", true},
		// Text fields, every operator.
		{`id = "001122-Router-SN1"`, true},
		{`oui = "001122"`, true},
		{`oui != "001122"`, false},
		{`productClass = "Router"`, true},
		{`productClass = "router"`, false},
		{`productClass < "S"`, true},
		{`productClass <= "Router"`, true},
		{`productClass > "Router"`, false},
		{`productClass >= "Router"`, true},
		{`serialNumber LIKE "SN_"`, true},
		{`serialNumber LIKE "SN"`, false},
		{`serialNumber LIKE "%1"`, true},
		{`serialNumber LIKE "%"`, true},
		// Versions compare segment by segment as numbers.
		{`softwareVersion > "2.9"`, true},
		{`softwareVersion < "2.9"`, false},
		{`softwareVersion >= "2.10.1"`, true},
		{`softwareVersion <= "2.10.1"`, true},
		{`softwareVersion < "2.10.1"`, false},
		{`softwareVersion > "2.10"`, true},
		{`softwareVersion = "2.10.1"`, true},
		{`softwareVersion = "2.10.01"`, false}, // = is the same string
		{`softwareVersion != "2.10.01"`, true},
		{`softwareVersion < 3`, true},
		{`softwareVersion > 2.9`, true},
		{`softwareVersion LIKE "2.10.%"`, true},
		{`hardwareVersion < "B2"`, true},
		{`hardwareVersion > "A9"`, true},
		// Tags.
		{`tag = "pilot"`, true},
		{`tag = "south"`, false},
		{`tag != "south"`, true},
		{`tag != "pilot"`, false},
		{`tag LIKE "no%"`, true},
		{`tag LIKE "x%"`, false},
		// Online (last Inform 30 minutes ago, within the default window).
		{`online = true`, true},
		{`online != true`, false},
		{`online = false`, false},
		// lastInform, absolute and relative.
		{`lastInform > "2024-06-01T11:00:00Z"`, true},
		{`lastInform < "2024-06-01T11:00:00Z"`, false},
		{`lastInform = "2024-06-01T11:30:00Z"`, true},
		{`lastInform = "2024-06-01T13:30:00+02:00"`, true},
		{`lastInform != "2024-06-01T11:30:00Z"`, false},
		{`lastInform > "-1h"`, true},
		{`lastInform < "-1h"`, false},
		{`lastInform >= "-30m"`, true},
		{`lastInform < "-1d"`, false},
		{`lastInform <= "-29m59s"`, true},
		// Typed parameters.
		{`Device.DeviceInfo.ModelName = "GW-100 \"pro\""`, true},
		{`Device.DeviceInfo.ModelName LIKE "GW-%"`, true},
		{`Device.DeviceInfo.ModelName != "GW-100"`, true},
		{`Device.ManagementServer.PeriodicInformInterval = 300`, true}, // "0300" = 300
		{`Device.ManagementServer.PeriodicInformInterval != 300`, false},
		{`Device.ManagementServer.PeriodicInformInterval < 301`, true},
		{`Device.ManagementServer.PeriodicInformInterval <= 300`, true},
		{`Device.ManagementServer.PeriodicInformInterval > 299`, true},
		{`Device.ManagementServer.PeriodicInformInterval >= 301`, false},
		{`Device.ManagementServer.PeriodicInformEnable = true`, true}, // "1" = true
		{`Device.ManagementServer.PeriodicInformEnable != false`, true},
		{`Device.ManagementServer.PeriodicInformEnable = false`, false},
		{`Device.Time.CurrentLocalTime = "2024-05-01T10:00:00Z"`, true},
		{`Device.Time.CurrentLocalTime < "2024-05-01T10:00:01Z"`, true},
		{`Device.Time.CurrentLocalTime > "-60d"`, true},
		{`Device.Time.CurrentLocalTime > "-20d"`, false},
		{`Device.IP.Interface.1.Status = "Up"`, true},
		{`Device.IP.Interface.1.MaxMTUSize >= 1500`, true},
		{`Device.DeviceInfo.SoftwareVersion > "2.9"`, true},  // a version-looking value
		{`Device.DeviceInfo.SoftwareVersion > "2.9x"`, true}, // 10 > 9
		{`Device.DeviceInfo.SoftwareVersion > "Z"`, false},   // text: "2" < "Z"
		{`Device.DeviceInfo.HardwareVersion < "C"`, true},
		// Vendor parameters compare by the literal.
		{`Device.DeviceInfo.X_ACME_Build > 999`, true},
		{`Device.DeviceInfo.X_ACME_Build > "999"`, false}, // text: "1234" < "999"
		{`Device.DeviceInfo.X_ACME_Build = 1234.0`, true},
		{`Device.DeviceInfo.X_ACME_Flag = true`, true},
		{`Device.DeviceInfo.X_ACME_Flag != true`, false},
		{`Device.DeviceInfo.X_ACME_FW > "3.2.1"`, true},
		{`Device.DeviceInfo.X_ACME_FW < "3.2.2"`, true},
		{`Device.DeviceInfo.X_ACME_Ratio < 0.8`, true},
		{`Device.DeviceInfo.X_ACME_Ratio > -1`, true},
		{`Device.DeviceInfo.X_ACME_FW > 3`, false}, // not a number: false
		{`Device.DeviceInfo.X_ACME_FW LIKE "3.2.%"`, true},
		// Missing parameters: false for every operator.
		{`Device.DeviceInfo.Description = "x"`, false},
		{`Device.DeviceInfo.Description != "x"`, false},
		{`NOT Device.DeviceInfo.Description = "x"`, true},
		{`Device.DeviceInfo.X_ACME_Missing != 1`, false},
		// Precedence: NOT > AND > OR.
		{`oui = "x" AND oui = "y" OR oui = "001122"`, true},
		{`oui = "001122" OR oui = "x" AND oui = "y"`, true},
		{`(oui = "001122" OR oui = "x") AND oui = "y"`, false},
		{`NOT oui = "x" AND oui = "001122"`, true},
		{`NOT (oui = "x" OR oui = "001122")`, false},
		{`NOT oui = "x" OR oui = "y"`, true},
		{`NOT NOT oui = "001122"`, true},
		{`not oui = "x" and (tag = "pilot" or tag = "x")`, true},
		{`((((oui = "001122"))))`, true},
		{`productClass = "Router" AND softwareVersion < "2.11" AND tag = "pilot"`, true},
	}
	d, ps := testDevice(), testParams()
	for _, c := range cases {
		f, err := testOptions().Compile(c.expr)
		if err != nil {
			t.Errorf("Compile(%q): %v", c.expr, err)
			continue
		}
		if got := f.Match(d, lookupIn(ps)); got != c.want {
			t.Errorf("%q matched %v, want %v", c.expr, got, c.want)
		}
	}
}

func TestFilterOnlineOption(t *testing.T) {
	d := testDevice()
	online := false
	opts := Options{Online: func(*store.Device) bool { return online }}
	f, err := opts.Compile("online = true")
	if err != nil {
		t.Fatal(err)
	}
	if f.Match(d, nil) {
		t.Error("matched while Online says false")
	}
	online = true
	if !f.Match(d, nil) {
		t.Error("did not match while Online says true")
	}
	// The default window: two hours.
	d.LastInform = testNow.Add(-3 * time.Hour)
	f, _ = testOptions().Compile("online = false")
	if !f.Match(d, nil) {
		t.Error("a device silent for 3 h counted as online")
	}
}

func TestFilterNilParams(t *testing.T) {
	f, err := Compile(`Device.DeviceInfo.ModelName = "x" OR oui = "001122"`)
	if err != nil {
		t.Fatal(err)
	}
	if !f.Match(testDevice(), nil) {
		t.Error("nil params: want the device field to decide")
	}
}

func TestFilterTR098(t *testing.T) {
	f, err := Compile(`InternetGatewayDevice.ManagementServer.PeriodicInformInterval > 60`)
	if err != nil {
		t.Fatal(err)
	}
	ps := map[string]store.Param{"InternetGatewayDevice.ManagementServer.PeriodicInformInterval": {Value: "86400"}}
	if !f.Match(testDevice(), lookupIn(ps)) {
		t.Error("TR-098 parameter did not match")
	}
	if got := f.Params(); len(got) != 1 || got[0] != "InternetGatewayDevice.ManagementServer.PeriodicInformInterval" {
		t.Errorf("Params() = %v", got)
	}
}

func TestFilterString(t *testing.T) {
	cases := []struct{ in, want string }{
		{``, ``},
		{`oui="a"`, `oui = "a"`},
		{`oui = "a" and oui = "b" or not oui = "c"`, `oui = "a" AND oui = "b" OR NOT oui = "c"`},
		{`(oui = "a" OR oui = "b") AND oui = "c"`, `(oui = "a" OR oui = "b") AND oui = "c"`},
		{`oui = "a" AND (oui = "b" AND oui = "c")`, `oui = "a" AND oui = "b" AND oui = "c"`},
		{`(oui = "a" OR oui = "b") OR (oui = "c")`, `oui = "a" OR oui = "b" OR oui = "c"`},
		{`NOT (oui = "a" AND oui = "b")`, `NOT (oui = "a" AND oui = "b")`},
		{`NOT (NOT (oui = "a"))`, `NOT NOT oui = "a"`},
		{`oui LIKE "a\\%" `, `oui LIKE "a\\%"`},
		{`oui = "tab\there \"q\" \u00e9\/"`, `oui = "tab\there \"q\" é/"`},
		{`online = TRUE`, `online = true`},
		{`softwareVersion<2.10`, `softwareVersion < 2.10`},
		{`Device.DeviceInfo.X_ACME_A = -007`, `Device.DeviceInfo.X_ACME_A = -007`},
	}
	for _, c := range cases {
		f, err := Compile(c.in)
		if err != nil {
			t.Errorf("Compile(%q): %v", c.in, err)
			continue
		}
		if got := f.String(); got != c.want {
			t.Errorf("String(%q) = %q, want %q", c.in, got, c.want)
		}
		g, err := Compile(f.String())
		if err != nil {
			t.Errorf("Compile(String(%q)): %v", c.in, err)
			continue
		}
		if g.String() != f.String() {
			t.Errorf("String not stable: %q then %q", f.String(), g.String())
		}
	}
}

func TestFilterErrors(t *testing.T) {
	cases := []struct{ in, want string }{
		{`productClass = `, `col 16: expected a value after '='`},
		{`productClass = "Router" AND tag =`, `col 34: expected a value after '='`},
		{`productClass = )`, `col 16: expected a value after '='`},
		{`productClass "x"`, `col 14: expected an operator (=, !=, <, <=, >, >= or LIKE) after productClass but found a string`},
		{`= "x"`, `col 1: expected a field, a parameter path, NOT or '(' but found '='`},
		{`oui = "a" oui = "b"`, `col 11: expected AND or OR but found "oui"`},
		{`(oui = "a"`, `col 11: missing ')' for the '(' at col 1`},
		{`(oui = "a" oui`, `col 12: expected AND, OR or ')' but found "oui"`},
		{`oui = "a")`, `col 10: unexpected ')' without a matching '('`},
		{`()`, `col 2: empty parentheses`},
		{`oui = "abc`, `col 7: unterminated string`},
		{`oui = "a\qb"`, `col 9: invalid escape \q in string`},
		{`oui = "\u12"`, `col 8: \u needs four hex digits`},
		{`oui = "\ud800"`, `col 8: \ud800 is not a character`},
		{"oui = \"a\nb\"", `col 9: control character in string; write it as an escape such as \n`},
		{`oui ! "a"`, `col 5: '!' must be followed by '='`},
		{`oui = "a" & oui = "b"`, `col 11: unexpected character '&'`},
		{`oui = abc`, `col 7: expected a value after '=' but found "abc"; quote text values: "abc"`},
		{`oui = 1.`, `col 7: malformed number "1."`},
		{`softwareVersion < 2.1.3`, `col 19: malformed number "2.1.3"; quote versions and other text: "2.1.3"`},
		{`productclass = "x"`, `col 1: unknown field "productclass"; did you mean productClass?`},
		{`model = "x"`, `col 1: unknown field "model"; fields are id, oui, productClass, serialNumber, softwareVersion, hardwareVersion, tag, online, lastInform, ip, mac or a parameter path such as Device.DeviceInfo.ModelName`},
		{`Devcie.DeviceInfo.ModelName = "x"`, `col 1: unknown field "Devcie.DeviceInfo.ModelName"; parameter paths start with Device. or InternetGatewayDevice.`},
		{`Device.DeviceInfo.ModelNmae = "x"`, `col 1: unknown parameter Device.DeviceInfo.ModelNmae (not in TR-181 2.17; vendor parameters carry an X_ segment)`},
		{`oui = "a" AND Device..X = 1`, `col 22: invalid parameter path "Device..X": empty segment`},
		{`Device.DeviceInfo. = "x"`, `col 1: Device.DeviceInfo. is an object; compare one of its parameters`},
		{`Device.DeviceInfo = "x"`, `col 1: Device.DeviceInfo is an object; compare one of its parameters`},
		{`Device.IP.Interface.*.Status = "Up"`, `col 1: Device.IP.Interface.*.Status: instance wildcards, {i} and aliases cannot be compared; name one instance by number`},
		{`Device.ManagementServer.ConnectionRequestPassword LIKE "a%"`, `col 1: Device.ManagementServer.ConnectionRequestPassword holds a secret; filters cannot read it`},
		// Type errors at compile time.
		{`online < 3`, `col 8: online is a boolean: only = and != apply`},
		{`online = 3`, `col 10: online is true or false, not 3`},
		{`online = "yes"`, `col 10: online is true or false, not "yes"`},
		{`serialNumber = 123`, `col 16: serialNumber is text: write the value in quotes, as in "123"`},
		{`softwareVersion = true`, `col 19: softwareVersion is a version: write it in quotes, as in "2.1"`},
		{`tag < "a"`, `col 5: tag supports =, != and LIKE: tag = "x" keeps devices tagged x`},
		{`tag = 1`, `col 7: tags are text: write the value in quotes, as in "1"`},
		{`lastInform LIKE "2024%"`, `col 12: LIKE applies to text; compare lastInform with =, !=, <, <=, > or >=`},
		{`lastInform > "yesterday"`, `col 14: lastInform takes an RFC 3339 time ("2024-05-01T12:00:00Z") or a relative one ("-1h", "-7d"), not "yesterday"`},
		{`lastInform > 5`, `col 14: lastInform takes an RFC 3339 time ("2024-05-01T12:00:00Z") or a relative one ("-1h", "-7d"), not 5`},
		{`lastInform = "-1h"`, `col 14: a relative time moves; compare it with <, <=, > or >=, not =`},
		{`Device.ManagementServer.PeriodicInformInterval > "300"`, `col 50: Device.ManagementServer.PeriodicInformInterval is an unsignedInt: write the number without quotes: 300`},
		{`Device.ManagementServer.PeriodicInformInterval > 1.5`, `col 50: Device.ManagementServer.PeriodicInformInterval is an unsignedInt: compare it with a whole number, not 1.5`},
		{`Device.ManagementServer.PeriodicInformInterval LIKE "3%"`, `col 48: LIKE applies to text; Device.ManagementServer.PeriodicInformInterval is an unsignedInt`},
		{`Device.ManagementServer.PeriodicInformInterval = 0`, `col 50: 0 can never equal Device.ManagementServer.PeriodicInformInterval (unsignedInt[1:]): outside the allowed range`},
		{`Device.ManagementServer.PeriodicInformEnable > true`, `col 46: Device.ManagementServer.PeriodicInformEnable is a boolean: only = and != apply`},
		{`Device.ManagementServer.PeriodicInformEnable = 1`, `col 48: Device.ManagementServer.PeriodicInformEnable is a boolean: compare it with true or false, not 1`},
		{`Device.IP.Interface.1.Status = "Upp"`, `col 32: "Upp" can never equal Device.IP.Interface.1.Status (string): not one of the enumerated values`},
		{`Device.DeviceInfo.ModelName = 5`, `col 31: Device.DeviceInfo.ModelName is text: write the value in quotes, as in "5"`},
		{`Device.DeviceInfo.X_ACME_Flag < true`, `col 31: only = and != compare with true or false`},
		{`Device.DeviceInfo.X_ACME_Build LIKE 1`, `col 32: LIKE takes a quoted pattern, as in Device.DeviceInfo.X_ACME_Build LIKE "abc%"`},
		{`oui LIKE "a\\b"`, `col 10: invalid LIKE pattern: a backslash escapes only %, _ or a backslash (inside quotes write \\% for a literal %)`},
		// Columns count characters, not bytes.
		{`oui = "é" AND`, `col 14: expected a field, a parameter path, NOT or '(' but found the end of the filter`},
		{strings.Repeat("(", 70) + `oui = "a"` + strings.Repeat(")", 70), `col 65: filter nests too deeply (more than 64 levels)`},
		{strings.Repeat("NOT ", 70) + `oui = "a"`, `col 257: filter nests too deeply (more than 64 levels)`},
	}
	for _, c := range cases {
		_, err := Compile(c.in)
		if err == nil {
			t.Errorf("Compile(%q) succeeded, want %q", c.in, c.want)
			continue
		}
		var fe *FilterError
		if !errors.As(err, &fe) {
			t.Errorf("Compile(%q): %T is not a *FilterError", c.in, err)
		}
		if err.Error() != c.want {
			t.Errorf("Compile(%q)\n got: %s\nwant: %s", c.in, err, c.want)
		}
	}
}

func TestFilterTooLong(t *testing.T) {
	if _, err := Compile(strings.Repeat(" ", MaxFilterLength+1)); err == nil {
		t.Error("a filter over the size limit compiled")
	}
}

func TestCompareVersions(t *testing.T) {
	// Each list is in ascending order.
	ordered := []string{
		"", "1", "1.0", "1.0.0", "1.2", "1.9", "1.10", "2", "2.1", "2.1a", "2.1b3", "2.1B10", "2.1b10",
		"2.1.0", "2.1.1", "2.9", "2.10", "2.10.1", "10.0", "v10.0.1", "99999999999999999999.1",
	}
	for i := range ordered {
		for j := range ordered {
			got := CompareVersions(ordered[i], ordered[j])
			want := 0
			switch {
			case i < j:
				want = -1
			case i > j:
				want = 1
			}
			if got != want {
				t.Errorf("CompareVersions(%q, %q) = %d, want %d", ordered[i], ordered[j], got, want)
			}
		}
	}
	// Ties on every run are ordered by bytes, so 0 means equal strings.
	for _, p := range [][2]string{{"2.01", "2.1"}, {"V2.1", "v2.1"}, {"2-1", "2.1"}, {"2.1b", "2.1B"}} {
		a, b := CompareVersions(p[0], p[1]), CompareVersions(p[1], p[0])
		if a == 0 || a != -b {
			t.Errorf("CompareVersions(%q, %q) = %d and reversed %d; want opposite signs", p[0], p[1], a, b)
		}
	}
}

func TestLike(t *testing.T) {
	cases := []struct {
		pat, s string
		want   bool
	}{
		{"", "", true},
		{"", "a", false},
		{"%", "", true},
		{"%%", "abc", true},
		{"a%c", "abc", true},
		{"a%c", "abcc", true},
		{"a%c", "abcd", false},
		{"_", "é", true},
		{"__", "é", false},
		{"a_c", "abc", true},
		{"%b%b%", "abcbd", true},
		{"%bcb%", "abcbd", true},
		{"%ab", "aab", true},
		{"%aab", "aaab", true},
		{`50\%`, "50%", true},
		{`50\%`, "500", false},
		{`a\_b`, "a_b", true},
		{`a\_b`, "axb", false},
		{`a\\b`, `a\b`, true},
		{"%a%a%a%a%a%b", strings.Repeat("a", 200), false},
	}
	for _, c := range cases {
		p, ok := compileLike(c.pat)
		if !ok {
			t.Errorf("compileLike(%q) failed", c.pat)
			continue
		}
		if got := p.match(c.s); got != c.want {
			t.Errorf("%q LIKE %q = %v, want %v", c.s, c.pat, got, c.want)
		}
	}
	for _, bad := range []string{`a\`, `a\b`} {
		if _, ok := compileLike(bad); ok {
			t.Errorf("compileLike(%q) accepted a bad escape", bad)
		}
	}
}

func TestParseTimeLit(t *testing.T) {
	cases := map[string]time.Duration{"-1h": -time.Hour, "-7d": -7 * 24 * time.Hour, "-1d12h": -36 * time.Hour,
		"-90s": -90 * time.Second, "-5m": -5 * time.Minute}
	for s, want := range cases {
		tl, ok := parseTimeLit(s)
		if !ok || !tl.relative || tl.rel != want {
			t.Errorf("parseTimeLit(%q) = %+v, %v; want relative %v", s, tl, ok, want)
		}
	}
	for _, s := range []string{"1h", "-", "-h", "-1", "-1y", "-1h-", "+1h", "-9999999999h", "-36600d"} {
		if _, ok := parseTimeLit(s); ok {
			t.Errorf("parseTimeLit(%q) accepted", s)
		}
	}
}

func TestDecimal(t *testing.T) {
	ordered := []string{"-18446744073709551616", "-2", "-1.5", "-0.25", "0", "0.000001", "0.5", "1", "007.5", "8",
		"18446744073709551615", "18446744073709551616"}
	for i := range ordered {
		for j := range ordered {
			a, ok1 := parseDecimal(ordered[i])
			b, ok2 := parseDecimal(ordered[j])
			if !ok1 || !ok2 {
				t.Fatalf("parse %q, %q", ordered[i], ordered[j])
			}
			got := a.cmp(b)
			if (i < j && got >= 0) || (i > j && got <= 0) || (i == j && got != 0) {
				t.Errorf("cmp(%s, %s) = %d", ordered[i], ordered[j], got)
			}
		}
	}
	for _, eq := range [][2]string{{"-0", "0"}, {"+1", "1.000"}, {".5", "0.5"}, {"5.", "5"}} {
		a, _ := parseDecimal(eq[0])
		b, _ := parseDecimal(eq[1])
		if a.cmp(b) != 0 {
			t.Errorf("%s != %s", eq[0], eq[1])
		}
	}
	for _, bad := range []string{"", "-", ".", "1e5", "0x10", "1.2.3", " 1"} {
		if _, ok := parseDecimal(bad); ok {
			t.Errorf("parseDecimal(%q) accepted", bad)
		}
	}
}

func BenchmarkMatch(b *testing.B) {
	f, err := Compile(`productClass = "Router" AND softwareVersion < "2.11" AND tag = "pilot" AND ` +
		`(Device.ManagementServer.PeriodicInformInterval <= 3600 OR NOT online = true)`)
	if err != nil {
		b.Fatal(err)
	}
	d, ps := testDevice(), testParams()
	get := lookupIn(ps)
	b.ReportAllocs()
	for b.Loop() {
		if !f.Match(d, get) {
			b.Fatal("no match")
		}
	}
}

// Support looks a line up by its address or the MAC on its label,
// whatever case the digits are in.
func TestFilterIPAndMAC(t *testing.T) {
	d := &store.Device{ID: "D1", IP: "198.51.100.23"}
	params := map[string]store.Param{"Device.Ethernet.Link.1.MACAddress": {Value: "00:D0:9E:AA:bb:01"}}
	get := func(n string) (store.Param, bool) { p, ok := params[n]; return p, ok }
	for expr, want := range map[string]bool{
		`ip = "198.51.100.23"`:                                 true,
		`ip = "198.51.100.24"`:                                 false,
		`mac = "00:d0:9e:aa:BB:01"`:                            true,
		`mac LIKE "00:d0:9e:%"`:                                true,
		`mac = "00:d0:9e:aa:bb:02"`:                            false,
		`ip LIKE "198.51.100.%" AND mac = "00:D0:9E:AA:BB:01"`: true,
	} {
		f, err := Options{}.Compile(expr)
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		if got := f.Match(d, get); got != want {
			t.Errorf("%s: %v, want %v", expr, got, want)
		}
	}
	if _, err := (Options{}).Compile(`mac = 5`); err == nil {
		t.Error("a number accepted as a MAC")
	}
}
