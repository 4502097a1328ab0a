package cwmp

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/golden from the round-trip table")

// TestRoundTrip: every table envelope encodes, decodes to an equal
// envelope, and Encode (streaming) and Marshal agree byte for byte.
func TestRoundTrip(t *testing.T) {
	for _, c := range tableCases(t) {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Encode(&buf, c.env); err != nil {
				t.Fatalf("encode: %v", err)
			}
			m, err := Marshal(c.env)
			if err != nil {
				t.Fatalf("marshal: %v", err)
			}
			if !bytes.Equal(m, buf.Bytes()) {
				t.Fatal("Marshal and Encode differ")
			}
			got, err := Decode(buf.Bytes())
			if err != nil {
				t.Fatalf("decode: %v\n%s", err, buf.Bytes())
			}
			if !reflect.DeepEqual(got, c.env) {
				t.Fatalf("round trip differs:\n got %s\nwant %s\nwire:\n%s", dumpEnvelope(got), dumpEnvelope(c.env), buf.Bytes())
			}
		})
	}
}

// TestGolden compares the encoder's output with testdata/golden byte for
// byte; `go test ./protocol/cwmp -run Golden -update` rewrites the files.
// Stale files (no table entry) fail too, since the XSD test validates
// every file in the folder.
func TestGolden(t *testing.T) {
	dir := filepath.Join("testdata", "golden")
	want := map[string]bool{}
	for _, c := range tableCases(t) {
		name := c.name + ".xml"
		want[name] = true
		got, err := Marshal(c.env)
		if err != nil {
			t.Fatalf("%s: marshal: %v", c.name, err)
		}
		path := filepath.Join(dir, name)
		if *updateGolden {
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		old, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("%v (regenerate: go test ./protocol/cwmp -run Golden -update)", err)
			continue
		}
		if !bytes.Equal(old, got) {
			t.Errorf("%s differs from the encoder's output (regenerate: go test ./protocol/cwmp -run Golden -update)\n%s", path, firstDiff(old, got))
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.xml"))
	for _, f := range files {
		if !want[filepath.Base(f)] {
			if *updateGolden {
				if err := os.Remove(f); err != nil {
					t.Fatal(err)
				}
				continue
			}
			t.Errorf("%s has no entry in the round-trip table", f)
		}
	}
}

// firstDiff shows the first differing line of two files.
func firstDiff(a, b []byte) string {
	al, bl := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := 0; i < len(al) || i < len(bl); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return "line " + itoa(i+1) + ":\n file: " + x + "\n  now: " + y
		}
	}
	return "(equal lines, different bytes)"
}
