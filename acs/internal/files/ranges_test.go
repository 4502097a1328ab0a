package files

import (
	"fmt"
	"testing"
)

func TestParseRange(t *testing.T) {
	for _, c := range []struct {
		h    string
		ok   bool
		want string
	}{
		{"bytes=0-", true, "[{0 99}]"},
		{"bytes=10-19", true, "[{10 19}]"},
		{"bytes=90-200", true, "[{90 99}]"},
		{"bytes=-10", true, "[{90 99}]"},
		{"bytes=-500", true, "[{0 99}]"},
		{"bytes=-0", true, "[]"},
		{"bytes=100-", true, "[]"},
		{"bytes=0-1, 5-6", true, "[{0 1} {5 6}]"},
		{"bytes=5-4", false, "[]"},
		{"bytes=a-", false, "[]"},
		{"bytes=+1-2", false, "[]"},
		{"bytes=1", false, "[]"},
		{"items=0-1", false, "[]"},
		{"bytes=", false, "[]"},
		{"bytes=--1", false, "[]"},
	} {
		got, ok := parseRange(c.h, 100)
		if ok != c.ok || (ok && fmt.Sprint(got) != c.want && !(len(got) == 0 && c.want == "[]")) {
			t.Errorf("%q: %v %v, want %v %s", c.h, got, ok, c.ok, c.want)
		}
	}
	if n := normalRange("bytes=-0", 100); n != "bytes=100-" {
		t.Errorf("unsatisfiable normalised to %q", n)
	}
	if n := normalRange("bytes=x", 100); n != "" {
		t.Errorf("malformed normalised to %q", n)
	}
}

// FuzzParseRange: never panics; accepted ranges lie inside the file.
func FuzzParseRange(f *testing.F) {
	for _, s := range []string{"bytes=0-", "bytes=-5", "bytes=3-7,9-", "bytes=-0", "bytes=99999999999999999999-", "bytes= 1-2 ,\t3-4"} {
		f.Add(s, int64(10))
	}
	f.Fuzz(func(t *testing.T, h string, size int64) {
		if size < 0 {
			size = -size
		}
		if size < 0 {
			return
		}
		rs, ok := parseRange(h, size)
		if !ok {
			if len(rs) != 0 {
				t.Fatalf("%q refused with ranges %v", h, rs)
			}
			return
		}
		for _, r := range rs {
			if r.start < 0 || r.end >= size || r.start > r.end {
				t.Fatalf("%q size %d gave %v", h, size, r)
			}
		}
		if n := normalRange(h, size); n != "" {
			if again, ok := parseRange(n, size); !ok || len(again) != len(rs) && len(rs) != 0 {
				t.Fatalf("normalised %q to %q which reads %v %v", h, n, again, ok)
			}
		}
	})
}
