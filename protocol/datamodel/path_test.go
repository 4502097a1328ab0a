package datamodel

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParsePathValid(t *testing.T) {
	tests := []struct {
		in       string
		partial  bool
		segs     int
		template string
		parent   string
		last     Segment
	}{
		{"", true, 0, "", "", Segment{}},
		{"Device.", true, 1, "Device.", "", Segment{Kind: SegName, Text: "Device"}},
		{"Device.DeviceInfo.UpTime", false, 3, "Device.DeviceInfo.UpTime", "Device.DeviceInfo.", Segment{Kind: SegName, Text: "UpTime"}},
		{"Device.IP.Interface.", true, 3, "Device.IP.Interface.", "Device.IP.", Segment{Kind: SegName, Text: "Interface"}},
		{"Device.IP.Interface.3.", true, 4, "Device.IP.Interface.{i}.", "Device.IP.Interface.", Segment{Kind: SegInstance, Text: "3", Instance: 3}},
		{"Device.IP.Interface.3.IPv4Address.1.IPAddress", false, 7, "Device.IP.Interface.{i}.IPv4Address.{i}.IPAddress", "Device.IP.Interface.3.IPv4Address.1.", Segment{Kind: SegName, Text: "IPAddress"}},
		{"Device.IP.Interface.{i}.Name", false, 5, "Device.IP.Interface.{i}.Name", "Device.IP.Interface.{i}.", Segment{Kind: SegName, Text: "Name"}},
		{"Device.IP.Interface.[cpe-wan].", true, 4, "Device.IP.Interface.{i}.", "Device.IP.Interface.", Segment{Kind: SegAlias, Text: "[cpe-wan]"}},
		{"Device.IP.Interface.[a.b].Name", false, 5, "Device.IP.Interface.{i}.Name", "Device.IP.Interface.[a.b].", Segment{Kind: SegName, Text: "Name"}},
		{"Device.IP.Interface.*.Status", false, 5, "Device.IP.Interface.{i}.Status", "Device.IP.Interface.*.", Segment{Kind: SegName, Text: "Status"}},
		{"Device.X_0011AA_Foo.Bar-baz", false, 3, "Device.X_0011AA_Foo.Bar-baz", "Device.X_0011AA_Foo.", Segment{Kind: SegName, Text: "Bar-baz"}},
		{"Device.T.4294967295.", true, 3, "Device.T.{i}.", "Device.T.", Segment{Kind: SegInstance, Text: "4294967295", Instance: 4294967295}},
		{"_x.Y", false, 2, "_x.Y", "_x.", Segment{Kind: SegName, Text: "Y"}},
	}
	for _, tt := range tests {
		p, err := ParsePath(tt.in)
		if err != nil {
			t.Errorf("ParsePath(%q): %v", tt.in, err)
			continue
		}
		if p.String() != tt.in || p.IsPartial() != tt.partial || p.Len() != tt.segs || p.IsEmpty() != (tt.in == "") {
			t.Errorf("ParsePath(%q) = %q partial=%v len=%d", tt.in, p, p.IsPartial(), p.Len())
		}
		if got := p.Template(); got != tt.template {
			t.Errorf("%q.Template() = %q, want %q", tt.in, got, tt.template)
		}
		if got := p.Parent().String(); got != tt.parent {
			t.Errorf("%q.Parent() = %q, want %q", tt.in, got, tt.parent)
		}
		if got := p.Last(); got != tt.last {
			t.Errorf("%q.Last() = %+v, want %+v", tt.in, got, tt.last)
		}
		var texts []string
		for seg := range p.Segments() {
			texts = append(texts, seg.Text)
		}
		if len(texts) != tt.segs {
			t.Errorf("%q.Segments() gave %q", tt.in, texts)
		}
		for i, txt := range texts {
			if p.Segment(i).Text != txt {
				t.Errorf("%q.Segment(%d) = %q, want %q", tt.in, i, p.Segment(i).Text, txt)
			}
		}
	}
}

func TestParsePathFlags(t *testing.T) {
	p := MustParsePath("Device.A.[x].B.*.C.{i}.D.7.")
	if !p.HasAlias() || !p.HasWildcard() || !p.HasTemplate() || p.IsConcrete() {
		t.Errorf("flags of %q wrong", p)
	}
	if got := p.AppendInstances(nil); !slices.Equal(got, []uint32{7}) {
		t.Errorf("AppendInstances = %v", got)
	}
	q := MustParsePath("Device.A.3.B.12.C")
	if !q.IsConcrete() || q.HasAlias() || q.HasWildcard() || q.HasTemplate() {
		t.Errorf("flags of %q wrong", q)
	}
	if got := q.AppendInstances(nil); !slices.Equal(got, []uint32{3, 12}) {
		t.Errorf("AppendInstances = %v", got)
	}
	if a := MustParsePath("Device.A.[wan].").Last().Alias(); a != "wan" {
		t.Errorf("Alias() = %q", a)
	}
	parent := MustParsePath("Device.A.[x].B").Parent()
	if !parent.HasAlias() || !parent.IsPartial() || parent.Len() != 3 {
		t.Errorf("Parent flags of %q wrong", parent)
	}
	if pp := parent.Parent().Parent().Parent(); pp != (Path{}) || !pp.Parent().IsEmpty() || !pp.IsPartial() {
		t.Errorf("parents do not end in the empty path: %q", pp)
	}
}

func TestParsePathInvalid(t *testing.T) {
	for _, in := range []string{
		".", "Device..IP", ".Device", "Device.IP.Interface.3",
		"Device.IP.Interface.03.", "Device.IP.Interface.0.", "Device.IP.Interface.4294967296.",
		"Device.1.2.", "1.Device.", "Device.IP.Interface.[].", "Device.IP.Interface.[a",
		"Device.IP.Interface.[a]b.", "Device.IP.Interface.[a[b].", "Device.IP.Interface.[a\x01].",
		"Device.IP.In terface.", "Device.IP.Inter$face", "Device.{j}.", "Device.*", "Device.**.",
		"Device.-X.", "Device.IP.Interface.{i}", "Device.é.", "Device.IP.Interface.[" + strings.Repeat("a", 65) + "].",
		"Device." + strings.Repeat("A", 250) + ".",
	} {
		_, err := ParsePath(in)
		if err == nil {
			t.Errorf("ParsePath(%q) succeeded", in)
			continue
		}
		if !errors.Is(err, ErrPath) || FaultCode(err) != 9005 {
			t.Errorf("ParsePath(%q) error %v does not map to 9005", in, err)
		}
		var pe *PathError
		if !errors.As(err, &pe) || pe.Path != in {
			t.Errorf("ParsePath(%q) error %#v", in, err)
		}
	}
}

func TestParsePathLengthCountsCharacters(t *testing.T) {
	// 256 characters, more bytes: the alias holds two-byte characters.
	alias := strings.Repeat("é", 60)
	s := "Device.A.[" + alias + "]." + strings.Repeat("B", 256-72-1) + "."
	if utf8.RuneCountInString(s) != 256 {
		t.Fatalf("test path has %d characters", utf8.RuneCountInString(s))
	}
	if _, err := ParsePath(s); err != nil {
		t.Errorf("ParsePath of 256 characters: %v", err)
	}
	if _, err := ParsePath(s[:len(s)-1] + "B."); err == nil {
		t.Error("ParsePath of 257 characters succeeded")
	}
}

func TestPathCovers(t *testing.T) {
	tests := []struct {
		q, p string
		want bool
	}{
		{"", "Device.A", true},
		{"Device.", "Device.A.B", true},
		{"Device.IP.Interface.1.", "Device.IP.Interface.1.Name", true},
		{"Device.IP.Interface.1.", "Device.IP.Interface.10.Name", false},
		{"Device.IP.Interface.*.", "Device.IP.Interface.10.Name", true},
		{"Device.IP.Interface.*.Name", "Device.IP.Interface.10.Name", true},
		{"Device.IP.Interface.*.Name", "Device.IP.Interface.10.Names", false},
		{"Device.IP.Interface.*.", "Device.IP.Interface.", false},
		{"Device.IP.Interface.{i}.", "Device.IP.Interface.[wan].Name", true},
		{"Device.IP.Interface.[wan].", "Device.IP.Interface.[wan].Name", true},
		{"Device.IP.Interface.[wan].", "Device.IP.Interface.1.Name", false},
		{"Device.X.Name", "Device.X.NameFoo", false},
		{"Device.X.Name", "Device.X.Name", true},
		{"Device.X.", "Device.X", false},
		{"Device.X.Y.", "Device.X.", false},
		{"Device.*.Y.", "Device.Z.Y.", false},
	}
	for _, tt := range tests {
		if got := MustParsePath(tt.q).Covers(MustParsePath(tt.p)); got != tt.want {
			t.Errorf("%q.Covers(%q) = %v, want %v", tt.q, tt.p, got, tt.want)
		}
	}
}

func TestParsePathDoesNotAllocate(t *testing.T) {
	s := "Device.IP.Interface.3.IPv4Address.1.IPAddress"
	allocs := testing.AllocsPerRun(100, func() {
		p, err := ParsePath(s)
		if err != nil || p.Parent().Last().Kind != SegInstance {
			t.Fatal("bad parse")
		}
		for seg := range p.Segments() {
			_ = seg
		}
	})
	if allocs != 0 {
		t.Errorf("ParsePath allocates %v times", allocs)
	}
	if a := testing.AllocsPerRun(100, func() { _ = MustParsePath("Device.DeviceInfo.UpTime").Template() }); a != 0 {
		t.Errorf("Template of a template allocates %v times", a)
	}
}

func FuzzParsePath(f *testing.F) {
	for _, s := range []string{
		"", "Device.", "Device.IP.Interface.3.IPv4Address.1.IPAddress", "Device.IP.Interface.[cpe-1].Name",
		"Device.IP.Interface.*.", "Device.IP.Interface.{i}.", "Device..", "Device.IP.Interface.[a.b].X",
		"Device.T.4294967295.", "Device.T.4294967296.", "X_00-11.Y",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePath(s)
		if err != nil {
			if !errors.Is(err, ErrPath) {
				t.Fatalf("error %v does not wrap ErrPath", err)
			}
			return
		}
		if p.String() != s {
			t.Fatalf("String() = %q", p.String())
		}
		n := 0
		var b strings.Builder
		for seg := range p.Segments() {
			n++
			b.WriteString(seg.Text)
			b.WriteByte('.')
		}
		if n != p.Len() {
			t.Fatalf("%d segments, Len %d", n, p.Len())
		}
		rebuilt := b.String()
		if !p.IsPartial() {
			rebuilt = strings.TrimSuffix(rebuilt, ".")
		}
		if rebuilt != s {
			t.Fatalf("segments rebuild %q", rebuilt)
		}
		tp, err := ParsePath(p.Template())
		if err != nil || !tp.IsConcrete() && (tp.HasAlias() || tp.HasWildcard()) || tp.Len() != p.Len() {
			t.Fatalf("template %q of %q: %v", p.Template(), s, err)
		}
		if par := p.Parent(); !p.IsEmpty() {
			q, err := ParsePath(par.String())
			if err != nil || q != par || !par.Covers(p) || !par.IsPartial() {
				t.Fatalf("parent %q of %q: %v", par, s, err)
			}
		}
		if !p.Covers(p) {
			t.Fatalf("%q does not cover itself", s)
		}
	})
}

func BenchmarkParsePath(b *testing.B) {
	s := "Device.IP.Interface.3.IPv4Address.1.IPAddress"
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParsePath(s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPathTemplate(b *testing.B) {
	p := MustParsePath("Device.IP.Interface.3.IPv4Address.1.IPAddress")
	b.ReportAllocs()
	for b.Loop() {
		_ = p.Template()
	}
}
