package main

import (
	"strings"
	"testing"
)

// FuzzParseAssignment: no panic, and what parses is written back by the
// same rule (the form `set` documents) to the same assignment.
func FuzzParseAssignment(f *testing.F) {
	for _, s := range []string{
		"Device.A=1", "Device.A=1:int", "Device.A=1:xsd:unsignedInt", "Device.A=http://acs:7547/cwmp",
		"Device.A=x:int:string", "Device.A=", "Device.A=a=b", "=1", "Device.", "Device.A=:xsd:",
		"Device.IP.Interface.[wan].Name=x:base64", "Device.A=12:30:00:dateTime",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, arg string) {
		a, err := parseAssignment(arg)
		if err != nil {
			return
		}
		// Always naming the type keeps a value ending in ":int" intact.
		typ := a.Type
		if typ == "" {
			typ = "xsd:string"
		}
		back, err := parseAssignment(a.Name + "=" + a.Value + ":" + typ)
		if err != nil || back.Name != a.Name || back.Value != a.Value || back.Type != typ {
			t.Fatalf("%q -> %+v -> %+v, %v", arg, a, back, err)
		}
	})
}

// FuzzParseConfig: no panic; accepted files set only known keys.
func FuzzParseConfig(f *testing.F) {
	for _, s := range []string{
		"url = http://127.0.0.1:7557\ntoken = abc\n",
		"# comment\n\ntoken_file = '/var/lib/acs/admin.token'\n",
		"token = \"x\"", "colour = blue", "novalue", "url=", "\x00=\x00",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		cfg, err := parseConfig(strings.NewReader(text), "fuzz.conf")
		if err != nil {
			return
		}
		if cfg.url != "" && !strings.Contains(text, "url") || cfg.token != "" && !strings.Contains(text, "token") {
			t.Fatalf("%q gave %+v", text, cfg)
		}
	})
}
