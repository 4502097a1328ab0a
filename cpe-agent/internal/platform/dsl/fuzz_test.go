package dsl

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzFilesLine writes arbitrary contents into a line's files: Line must
// either fail with an error naming a file or return a reading; never
// panic.
func FuzzFilesLine(f *testing.F) {
	f.Add("up", "40000", "-12", "7")
	f.Add("showtime\n", "18446744073709551615", "+5", "0")
	f.Add("", "", "", "")
	f.Add("training", "-1", "9223372036854775808", " 1 ")
	f.Add("nosignal", "0x10", "1e3", "\x00")
	f.Fuzz(func(t *testing.T, state, rate, snr, es string) {
		dir := t.TempDir()
		line := filepath.Join(dir, "dsl0")
		if err := os.Mkdir(line, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, v := range map[string]string{"state": state, "rate_up": rate, "snr_down": snr, "es": es} {
			if err := os.WriteFile(filepath.Join(line, name), []byte(v), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		l, err := (&Files{Dir: dir}).Line("dsl0")
		if err != nil {
			return
		}
		if _, perr := ParseState(state); perr != nil {
			t.Fatalf("state %q accepted: %+v", state, l)
		}
	})
}
