package uci

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// dump renders a File without line numbers, so two files that hold the same
// configuration compare equal however they were written.
func dump(f *File) string {
	var b strings.Builder
	fmt.Fprintf(&b, "package=%q\n", f.Package)
	for _, s := range f.sections {
		fmt.Fprintf(&b, "section type=%q name=%q\n", s.Type, s.Name)
		for _, o := range s.options {
			fmt.Fprintf(&b, "  %q list=%v %q\n", o.Name, o.List, o.Values)
		}
	}
	return b.String()
}

func mustParse(t testing.TB, src string) *File {
	t.Helper()
	f, err := Parse(strings.NewReader(src))
	if err != nil {
		t.Fatalf("Parse: %v\ninput:\n%s", err, src)
	}
	return f
}

func mustFormat(t testing.TB, f *File) string {
	t.Helper()
	var buf bytes.Buffer
	if err := Format(&buf, f); err != nil {
		t.Fatalf("Format: %v", err)
	}
	return buf.String()
}

func readTestdata(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
