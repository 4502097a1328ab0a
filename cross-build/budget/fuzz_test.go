package budget

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

// FuzzParse: whatever Parse accepts, Format writes back in a form Parse
// reads to the same limits.
func FuzzParse(f *testing.F) {
	f.Add(sample)
	f.Add("mipsle 9000000 3000000 0 0\n")
	f.Add("# h\n\n#target a b c d e\nx 1 2 3 4 # c\ny 5 6 7 8\n")
	f.Add("a 1 1 0 0\na 1 1 0 0\n")
	f.Add("a 9223372036854775807 1 0 0\n")
	f.Fuzz(func(t *testing.T, src string) {
		file, err := Parse(strings.NewReader(src))
		if err != nil {
			return
		}
		var b bytes.Buffer
		if err := Format(&b, file); err != nil {
			t.Fatal(err)
		}
		again, err := Parse(&b)
		if err != nil {
			t.Fatalf("reparse of %q: %v\n%s", src, err, b.String())
		}
		if !slices.Equal(again.Limits, file.Limits) {
			t.Fatalf("limits changed: %+v -> %+v", file.Limits, again.Limits)
		}
	})
}
