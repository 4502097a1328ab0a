package uci

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse checks that Parse never panics, that its errors carry a line
// inside the input, and that every file it accepts survives Format and a
// second Parse unchanged.
func FuzzParse(f *testing.F) {
	entries, err := os.ReadDir("testdata")
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		if e.Type().IsRegular() {
			b, err := os.ReadFile(filepath.Join("testdata", e.Name()))
			if err != nil {
				f.Fatal(err)
			}
			f.Add(string(b))
		}
	}
	for _, s := range []string{
		"config a\n\toption b 'c'\n",
		"c t 'n'\no k \"v\\\"\"\nl k x\n",
		"config t\n\toption k 'it'\\''s' # c\n",
		"config t\n\toption k a\\\nb\n",
		"package p\nconfig t 'n'\nconfig t 'n'\n\tlist x ''\n",
		"option a b\n",
		"config t\n\toption k '\n",
		"config t\n\toption k \"a\\\r\nb\"\r\n",
		"\\",
		"config t#x\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		file, err := Parse(strings.NewReader(src))
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error %v is not a *SyntaxError", err)
			}
			if lines := strings.Count(src, "\n") + 1; se.Line < 1 || se.Line > lines {
				t.Fatalf("error at line %d of a %d-line input: %v", se.Line, lines, err)
			}
			return
		}
		var out bytes.Buffer
		if err := Format(&out, file); err != nil {
			t.Fatalf("Format of a parsed file failed: %v", err)
		}
		again, err := Parse(bytes.NewReader(out.Bytes()))
		if err != nil {
			t.Fatalf("Parse of Format output failed: %v\n%s", err, out.String())
		}
		if dump(file) != dump(again) {
			t.Fatalf("round trip changed the file:\n%s\nvs\n%s", dump(file), dump(again))
		}
		var out2 bytes.Buffer
		if err := Format(&out2, again); err != nil || out2.String() != out.String() {
			t.Fatalf("Format not a fixed point (err %v)", err)
		}
	})
}
