package uci

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

func TestParseOpenWrtNetwork(t *testing.T) {
	f := mustParse(t, readTestdata(t, "network"))
	if got := len(f.Sections("")); got != 6 {
		t.Fatalf("%d sections, want 6", got)
	}
	if got := len(f.Sections("interface")); got != 4 {
		t.Fatalf("%d interface sections, want 4", got)
	}
	wan := f.Section("interface", "wan")
	if wan == nil {
		t.Fatal("interface wan not found")
	}
	if v, ok := wan.Option("password"); !ok || v != "p#ss w'rd" {
		t.Fatalf("wan password = %q, %v", v, ok)
	}
	if got, want := wan.List("dns"), []string{"9.9.9.9", "149.112.112.112"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("wan dns = %q, want %q", got, want)
	}
	if _, ok := wan.Option("dns"); ok {
		t.Fatal("Option on a list reported ok")
	}
	if f.Section("device", "wan") != nil {
		t.Fatal("Section matched a name with the wrong type")
	}
	if f.Section("", "wan") != wan {
		t.Fatal("Section with empty type did not match by name alone")
	}
	devs := f.Sections("device")
	if len(devs) != 1 || devs[0].Name != "" {
		t.Fatalf("device sections = %v, want one anonymous", devs)
	}
	if got, want := devs[0].List("ports"), []string{"lan1", "lan2", "lan3"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("ports = %q, want %q", got, want)
	}
	if got := devs[0].List("name"); !reflect.DeepEqual(got, []string{"br-lan"}) {
		t.Fatalf("List on a plain option = %q, want [br-lan]", got)
	}
	if devs[0].Line != 11 {
		t.Fatalf("device section line = %d, want 11", devs[0].Line)
	}
}

func TestParseHandWrittenAgentConfig(t *testing.T) {
	f := mustParse(t, readTestdata(t, "gatewarden"))
	if f.Package != "gatewarden" {
		t.Fatalf("package = %q", f.Package)
	}
	main := f.Section("agent", "main")
	if main == nil {
		t.Fatal("agent main not found")
	}
	want := map[string]string{
		"acs_url":      "https://acs.isp.example:7547/cwmp",
		"data":         "/overlay/gatewarden",
		"platform":     "linux",
		"serial":       `SN"2024"-0001`,
		"acs_username": "cpe",
		"acs_password": "it's#secret",
		"connreq_addr": ":7547",
		"local_addr":   "192.168.1.1:8080",
		"mqtt_url":     "mqtts://acs.isp.example:8883",
		"description":  "line one continued",
	}
	for k, w := range want {
		if v, ok := main.Option(k); !ok || v != w {
			t.Errorf("option %s = %q (ok %v), want %q", k, v, ok, w)
		}
	}
	if got := main.List("ca_file"); len(got) != 2 || got[1] != "/etc/gatewarden/isp-intermediate.pem" {
		t.Errorf("ca_file = %q", got)
	}
	keys := f.Sections("firmware_key")
	if len(keys) != 2 {
		t.Fatalf("%d firmware_key sections, want 2", len(keys))
	}
	if v, _ := keys[0].Option("name"); v != "release-2025" {
		t.Errorf("first key name = %q", v)
	}
	if v, ok := keys[1].Option("empty"); !ok || v != "" {
		t.Errorf("empty option = %q, %v; want present and empty", v, ok)
	}
	// The statement after a continuation is numbered by its own line.
	if keys[0].Line != 22 {
		t.Errorf("first firmware_key at line %d, want 22", keys[0].Line)
	}
}

func TestParseTokens(t *testing.T) {
	cases := []struct {
		name, value, want string
	}{
		{"single", `'a b'`, "a b"},
		{"double", `"a b"`, "a b"},
		{"bare", `abc`, "abc"},
		{"single keeps backslash", `'a\b'`, `a\b`},
		{"double escapes quote", `"say \"hi\""`, `say "hi"`},
		{"double escapes backslash", `"a\\b"`, `a\b`},
		{"double escape is literal, not C", `"a\nb"`, "anb"},
		{"bare escape", `a\ b`, "a b"},
		{"concatenated", `'a'"b"c`, "abc"},
		{"apostrophe idiom", `'it'\''s'`, "it's"},
		{"hash inside quotes", `'#not a comment'`, "#not a comment"},
		{"comment after value", `'v' # comment`, "v"},
		{"comment glued to bare word", `v#comment`, "v"},
		{"empty", `''`, ""},
		{"tab inside quotes", "'a\tb'", "a\tb"},
		{"utf8", `'Grüße, 東京'`, "Grüße, 東京"},
		{"continuation in double quotes", "\"a\\\nb\"", "ab"},
		{"continuation in bare word", "a\\\nb", "ab"},
		{"continuation before value", "\\\n  'v'", "v"},
		{"crlf line end", "'v'\r", "v"},
		{"trailing backslash at EOF", `v\`, "v"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := mustParse(t, "config t 'n'\n\toption k "+tc.value)
			got, ok := f.Section("t", "n").Option("k")
			if !ok || got != tc.want {
				t.Fatalf("value = %q (ok %v), want %q", got, ok, tc.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		name, src string
		line      int
		msg       string
	}{
		{"option outside a section", "# comment\n\npackage p\n\n\n\noption a 'b'\n", 7, "option outside a section"},
		{"list outside a section", "list a b\n", 1, "list outside a section"},
		{"unknown command", "config t\n\tvalue a b\n", 2, `unknown command "value"`},
		{"unterminated single", "config t\n\toption a 'b\n", 2, "unterminated ' quote"},
		{"unterminated double", "config t\n\toption a \"b\n", 2, `unterminated " quote`},
		{"unterminated at EOF", "config t\n\toption a \"b\\", 2, `unterminated " quote`},
		{"too many", "config t\n\toption a b c\n", 2, "quote a value that contains spaces"},
		{"missing value", "config t\n\toption a\n", 2, "wants a name and a value"},
		{"config without type", "config\n", 1, "config wants a type"},
		{"config too many", "config a b c\n", 1, "config wants a type"},
		{"bad option name", "config t\n\toption a-b c\n", 2, `invalid option name "a-b"`},
		{"bad section name", "config t 'x.y'\n", 1, `invalid section name "x.y"`},
		{"bad package", "package 'a b'\n", 1, "invalid package name"},
		{"package twice", "package a\npackage b\n", 2, "package must come once"},
		{"package after section", "config t\npackage a\n", 2, "package must come once"},
		{"type clash", "config a 'x'\nconfig b 'x'\n", 2, `section "x" redeclared as type "b"; line 1`},
		{"nul byte", "config t\n\toption a 'b\x00'\n", 2, "NUL byte"},
		{"statement spanning lines reports its first line", "config t\n\toption a \\\n b \\\n c\n", 2, "got 3 arguments"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tc.src))
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want *SyntaxError", err)
			}
			if se.Line != tc.line || !strings.Contains(se.Msg, tc.msg) {
				t.Fatalf("err = %q, want line %d containing %q", err, tc.line, tc.msg)
			}
			if !strings.HasPrefix(err.Error(), "line ") {
				t.Fatalf("message %q does not start with the line", err)
			}
		})
	}
}

func TestParseExactMessage(t *testing.T) {
	src := "# agent\n\n\n\n\n\noption acs_url 'x'\n"
	_, err := Parse(strings.NewReader(src))
	if err == nil || err.Error() != "line 7: option outside a section" {
		t.Fatalf("err = %v", err)
	}
}

func TestParseReadError(t *testing.T) {
	boom := errors.New("boom")
	_, err := Parse(iotest.ErrReader(boom))
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want wrapped read error", err)
	}
}

func TestParseRepeatedNames(t *testing.T) {
	f := mustParse(t, `
config agent 'main'
	option a 'first'
	option a 'second'
	option b 'plain'
	list b 'added'
	list c 'x'
	list c 'y'
	option c 'replaced'

config other
config agent 'main'
	option d 'continued'
`)
	main := f.Section("agent", "main")
	if v, _ := main.Option("a"); v != "second" {
		t.Errorf("a = %q, want the last value", v)
	}
	if got := main.List("b"); !reflect.DeepEqual(got, []string{"plain", "added"}) {
		t.Errorf("b = %q, want the option's value followed by the list's", got)
	}
	if v, ok := main.Option("c"); !ok || v != "replaced" {
		t.Errorf("c = %q, %v; want a plain option replacing the list", v, ok)
	}
	if v, _ := main.Option("d"); v != "continued" {
		t.Errorf("d = %q; a redeclared section should continue the first", v)
	}
	if n := len(f.Sections("")); n != 2 {
		t.Errorf("%d sections, want 2", n)
	}
	var names []string
	for _, o := range main.Options() {
		names = append(names, o.Name)
	}
	if !reflect.DeepEqual(names, []string{"a", "b", "c", "d"}) {
		t.Errorf("option order = %q", names)
	}
}

func TestParseBlankAndCommentOnly(t *testing.T) {
	for _, src := range []string{"", "\n\n", "# only a comment", "  \t\n# c\n\r\n"} {
		f := mustParse(t, src)
		if len(f.Sections("")) != 0 || f.Package != "" {
			t.Errorf("%q parsed to %s", src, dump(f))
		}
	}
}
