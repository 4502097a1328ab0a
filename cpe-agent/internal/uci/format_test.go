package uci

import (
	"bytes"
	"strings"
	"testing"
)

func TestFormatCanonical(t *testing.T) {
	f := &File{Package: "gatewarden"}
	s := f.AddSection("agent", "main")
	s.Set("acs_url", "https://acs.example/cwmp")
	s.Set("acs_password", "it's")
	s.Add("ca_file", "/etc/a.pem")
	s.Add("ca_file", "/etc/b.pem")
	a := f.AddSection("firmware_key", "")
	a.Set("name", "k1")
	f.AddSection("odd#type", "")

	want := "package gatewarden\n" +
		"\nconfig agent 'main'\n" +
		"\toption acs_url 'https://acs.example/cwmp'\n" +
		"\toption acs_password 'it'\\''s'\n" +
		"\tlist ca_file '/etc/a.pem'\n" +
		"\tlist ca_file '/etc/b.pem'\n" +
		"\nconfig firmware_key\n" +
		"\toption name 'k1'\n" +
		"\nconfig 'odd#type'\n"
	if got := mustFormat(t, f); got != want {
		t.Fatalf("Format:\n%s\nwant:\n%s", got, want)
	}
}

func TestRoundTripTestdata(t *testing.T) {
	for _, name := range []string{"network", "gatewarden", "firewall"} {
		t.Run(name, func(t *testing.T) {
			f := mustParse(t, readTestdata(t, name))
			out := mustFormat(t, f)
			g := mustParse(t, out)
			if dump(f) != dump(g) {
				t.Fatalf("round trip changed the file:\n%s\nvs\n%s", dump(f), dump(g))
			}
			if again := mustFormat(t, g); again != out {
				t.Fatalf("Format is not a fixed point:\n%s\nvs\n%s", out, again)
			}
		})
	}
}

func TestRoundTripTrickyValues(t *testing.T) {
	values := []string{
		"", "'", "''", `\`, `\\'`, `"`, `a"b'c`, "#", " # ", "\t", " lead", "trail ",
		"\r", "a\rb", "Grüße", "\xff\xfe", "$(reboot)", "a;b", `'\''`,
	}
	f := &File{}
	s := f.AddSection("t", "s")
	for i, v := range values {
		s.Add("l", v)
		s.Set("o"+string(rune('a'+i)), v)
	}
	g := mustParse(t, mustFormat(t, f))
	if dump(f) != dump(g) {
		t.Fatalf("round trip changed values:\n%s\nvs\n%s", dump(f), dump(g))
	}
}

func TestFormatRejects(t *testing.T) {
	build := func(edit func(f *File)) *File {
		f := &File{}
		edit(f)
		return f
	}
	cases := map[string]*File{
		"newline in value": build(func(f *File) { f.AddSection("t", "").Set("k", "a\nb") }),
		"nul in value":     build(func(f *File) { f.AddSection("t", "").Add("k", "a\x00") }),
		"bad option name":  build(func(f *File) { f.AddSection("t", "").Set("a b", "v") }),
		"bad section name": build(func(f *File) { f.AddSection("t", "a-b") }),
		"bad type":         build(func(f *File) { f.AddSection("a b", "") }),
		"empty type":       build(func(f *File) { f.AddSection("", "") }),
		"bad package":      build(func(f *File) { f.Package = "a.b" }),
		"duplicate name": build(func(f *File) {
			f.AddSection("a", "x")
			f.AddSection("b", "x")
		}),
	}
	for name, f := range cases {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Format(&buf, f); err == nil {
				t.Fatalf("Format accepted it:\n%s", buf.String())
			}
		})
	}
}

func TestFormatErrorsHideValues(t *testing.T) {
	f := &File{}
	f.AddSection("agent", "main").Set("acs_password", "hunter2\n")
	var buf bytes.Buffer
	err := Format(&buf, f)
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("err = %v; want an error that does not quote the value", err)
	}
}

func TestEditing(t *testing.T) {
	f := mustParse(t, readTestdata(t, "network"))
	wan := f.Section("interface", "wan")
	if !wan.Delete("password") || wan.Delete("password") {
		t.Fatal("Delete did not report existence correctly")
	}
	wan.Set("dns", "1.1.1.1") // a plain option replaces the list
	if v, ok := wan.Option("dns"); !ok || v != "1.1.1.1" {
		t.Fatalf("dns = %q, %v", v, ok)
	}
	if f.AddSection("interface", "wan") != wan {
		t.Fatal("AddSection did not return the existing section")
	}
	if !f.RemoveSection(wan) || f.Section("", "wan") != nil || f.RemoveSection(wan) {
		t.Fatal("RemoveSection misbehaved")
	}
	g := mustParse(t, mustFormat(t, f))
	if dump(f) != dump(g) {
		t.Fatal("edited file did not round-trip")
	}
	// Options returns copies: editing them must not reach the section.
	lan := f.Section("interface", "lan")
	opts := lan.Options()
	opts[0].Values[0] = "changed"
	if v, _ := lan.Option(opts[0].Name); v == "changed" {
		t.Fatal("Options exposed internal storage")
	}
}
