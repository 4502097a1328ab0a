package xsdre

import (
	"regexp"
	"strings"
	"testing"
)

func TestMatch(t *testing.T) {
	tests := []struct {
		pattern string
		yes     []string
		no      []string
	}{
		{"", []string{""}, []string{"a"}},
		{"[0-9A-F]{6}", []string{"00AABB", "123456"}, []string{"00aabb", "12345", "1234567", ""}},
		{"[0-9]|[1-5][0-9]|6[0-3]", []string{"0", "9", "10", "59", "63"}, []string{"64", "", "07x", "600"}},
		{"((25[0-5]|2[0-4][0-9]|[01]?[0-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|[01]?[0-9]?[0-9])",
			[]string{"192.168.1.1", "0.0.0.0", "255.255.255.255", "001.02.3.4"},
			[]string{"256.1.1.1", "1.1.1", "1.1.1.1.", "a.b.c.d", "1.1.1.1 "}},
		{"X [0-9A-F]{6} .*", []string{"X 00AABB ", "X 00AABB foo bar"}, []string{"X 00AABB", "X 00AABB a\nb"}},
		{"YYYYMMDD.HHMMSS", []string{"YYYYMMDD.HHMMSS", "YYYYMMDDxHHMMSS"}, []string{"YYYYMMDD.HHMMS"}},
		{"2\\.\\d+", []string{"2.17", "2.0", "2.١"}, []string{"2.", "3.1", "2.1a"}},
		{"([0-9]{1,15}?[BKMGT])", []string{"1B", "123456789012345T"}, []string{"B", "1234567890123456T", "1X"}},
		{"urn:[A-Za-z0-9][A-Za-z0-9-]{0,30}[A-Za-z0-9]:.+", []string{"urn:bbf:x", "urn:a-b:c"}, []string{"urn:a:x", "urn:-a:x", "urn:ab:"}},
		{"a^b$", []string{"a^b$"}, []string{"ab"}},
		{"[a-z-[aeiou]]+", []string{"bcd"}, []string{"bad", ""}},
		{"[^a-c]", []string{"d", "-"}, []string{"a", "c"}},
		{"[-a]", []string{"-", "a"}, []string{"b"}},
		{"[a-]", []string{"-", "a"}, []string{"b"}},
		{"\\s\\S", []string{" x", "\tx"}, []string{"xx", "\f"}},
		{"\\i\\c*", []string{"_a-1", "é9"}, []string{"1a", "-"}},
		{"\\w+", []string{"abc", "a1"}, []string{"a b", "a.b"}},
		{"[\\d.]+", []string{"1.2", "..."}, []string{"a"}},
		{"(a|)b", []string{"ab", "b"}, []string{"aab"}},
		{"(a*)*b", []string{"b", "aaaab"}, []string{"aaaa"}},
		{"a{2,}", []string{"aa", "aaaa"}, []string{"a"}},
		{"a{0}", []string{""}, []string{"a"}},
		{".", []string{"é", "x"}, []string{"\n", "\r", ""}},
	}
	for _, tt := range tests {
		re, err := Compile(tt.pattern)
		if err != nil {
			t.Errorf("Compile(%q): %v", tt.pattern, err)
			continue
		}
		for _, s := range tt.yes {
			if !re.MatchString(s) {
				t.Errorf("%q should match %q", tt.pattern, s)
			}
		}
		for _, s := range tt.no {
			if re.MatchString(s) {
				t.Errorf("%q should not match %q", tt.pattern, s)
			}
		}
	}
}

func TestCompileErrors(t *testing.T) {
	for _, p := range []string{
		"(", ")", "a)", "[", "[]", "[a", "a{", "a{2", "a{2,1}", "a**", "*a", "\\", "\\q",
		"\\p{L}", "[a-\\d]", "[z-a]", "a{1001}", "[a-b-c]", "{", "}", "]",
		"((((a{1000}){1000}){1000}))",
	} {
		if _, err := Compile(p); err == nil {
			t.Errorf("Compile(%q) succeeded, want an error", p)
		}
	}
}

func TestMatchDoesNotAllocate(t *testing.T) {
	re := MustCompile("([0-9A-Fa-f][0-9A-Fa-f]:){5}([0-9A-Fa-f][0-9A-Fa-f])")
	allocs := testing.AllocsPerRun(100, func() {
		if !re.MatchString("00:11:22:aa:bb:CC") {
			t.Fatal("no match")
		}
	})
	if allocs != 0 {
		t.Errorf("MatchString allocates %v times", allocs)
	}
}

// toGo translates the subset of XSD that Go's regexp can express the same
// way; ok is false for patterns outside it.
func toGo(p string) (string, bool) {
	var b strings.Builder
	inClass := false
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\\' && i+1 < len(p):
			i++
			switch p[i] {
			case 'd':
				b.WriteString(`\p{Nd}`)
			case 's':
				if inClass {
					b.WriteString(` \t\n\r`)
				} else {
					b.WriteString(`[ \t\n\r]`)
				}
			case 'i', 'I', 'c', 'C', 'w', 'W', 'S', 'D', 'p', 'P':
				return "", false
			default:
				b.WriteByte('\\')
				b.WriteByte(p[i])
			}
		case inClass:
			if c == ']' {
				inClass = false
			}
			if c == '[' {
				return "", false
			}
			b.WriteByte(c)
		case c == '[':
			inClass = true
			b.WriteByte(c)
			if i+1 < len(p) && p[i+1] == '^' {
				b.WriteByte('^')
				i++
			}
			if i+1 < len(p) && p[i+1] == ']' {
				return "", false
			}
		case c == '{' && leadingZeroQuantity(p[i+1:]):
			// XSD reads {00} as zero repetitions; Go's regexp reads a
			// count with a leading zero as literal text.
			return "", false
		case c == '.':
			b.WriteString(`[^\n\r]`)
		case c == '^' || c == '$':
			b.WriteByte('\\')
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return `^(?:` + b.String() + `)$`, true
}

// leadingZeroQuantity reports whether a quantifier body such as "00}" or
// "1,02}" holds a number written with a leading zero.
func leadingZeroQuantity(rest string) bool {
	end := strings.IndexByte(rest, '}')
	if end < 0 {
		return false
	}
	for _, n := range strings.Split(rest[:end], ",") {
		if len(n) > 1 && n[0] == '0' {
			return true
		}
	}
	return false
}

// FuzzMatch compares the engine with Go's regexp on patterns both dialects
// read alike, and checks that no pattern or input makes it panic.
func FuzzMatch(f *testing.F) {
	seeds := [][2]string{
		{"[0-9A-F]{6}", "00AABB"},
		{"(ab|a)*b?", "abab"},
		{"[^a-c]+x{1,3}", "dexx"},
		{"((25[0-5]|2[0-4][0-9]|[01]?[0-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|[01]?[0-9]?[0-9])", "10.0.0.1"},
		{"\\d+(\\.\\d+)*", "1.2.3"},
		{"a{2,4}|b?", "aaa"},
		{".*[.]", "x."},
		{"[a-z-[b]]", "b"},
		{"", ""},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pattern, input string) {
		re, err := Compile(pattern)
		if err != nil {
			return
		}
		got := re.MatchString(input)
		goPat, ok := toGo(pattern)
		if !ok {
			return
		}
		gre, err := regexp.Compile(goPat)
		if err != nil {
			return
		}
		if want := gre.MatchString(input); got != want {
			t.Fatalf("pattern %q (go %q) on %q: got %v, regexp says %v", pattern, goPat, input, got, want)
		}
	})
}

func BenchmarkMatchIPv4(b *testing.B) {
	re := MustCompile("((25[0-5]|2[0-4][0-9]|[01]?[0-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|[01]?[0-9]?[0-9])")
	for b.Loop() {
		re.MatchString("192.168.100.254")
	}
}

func TestEmptyRepeatsTerminate(t *testing.T) {
	if _, err := Compile("((((){1000}){1000}){1000})"); err == nil {
		t.Error("nested empty repeats compiled, want a size error")
	}
}
