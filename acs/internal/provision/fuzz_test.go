package provision

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

var fuzzSeeds = []string{
	``,
	`productClass = "X" AND softwareVersion < "2.1" AND tag = "pilot"`,
	`NOT (oui = "a" OR oui = "b") AND online = true`,
	`lastInform < "-1d12h" OR lastInform >= "2024-05-01T12:00:00Z"`,
	`Device.ManagementServer.PeriodicInformInterval <= 3600`,
	`Device.DeviceInfo.X_ACME_Build > -1.5 AND Device.DeviceInfo.X_ACME_Flag != false`,
	`serialNumber LIKE "AB\\%_%" or hardwareVersion > 2`,
	`oui = "\u00e9\"\\\n"`,
	`((tag = "a")) AND NOT NOT tag != "b"`,
	`Device.IP.Interface.1.Status = "Up"`,
	`InternetGatewayDevice.DeviceInfo.ModelName LIKE "%"`,
	`Device.Time.CurrentLocalTime > "-7d"`,
	`oui = "a" oui`,
	`(oui = "a"`,
	`Device..X = 1`,
	`online < 3`,
}

// FuzzCompile checks that Compile never panics, that a compiled filter
// prints a canonical form that compiles to the same form, and that
// matching never panics.
func FuzzCompile(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	d, ps := testDevice(), testParams()
	get := lookupIn(ps)
	f.Fuzz(func(t *testing.T, expr string) {
		flt, err := testOptions().Compile(expr)
		if err != nil {
			if _, ok := err.(*FilterError); !ok {
				t.Fatalf("Compile(%q): error %T is not a *FilterError", expr, err)
			}
			return
		}
		canon := flt.String()
		again, err := testOptions().Compile(canon)
		if err != nil {
			t.Fatalf("Compile(%q) ok, but its String %q fails: %v", expr, canon, err)
		}
		if again.String() != canon {
			t.Fatalf("String not canonical: %q -> %q -> %q", expr, canon, again.String())
		}
		if flt.Match(d, get) != again.Match(d, get) {
			t.Fatalf("%q and its canonical form %q disagree", expr, canon)
		}
	})
}

// FuzzCompareVersions checks that the version order is antisymmetric and
// that 0 means equal strings.
func FuzzCompareVersions(f *testing.F) {
	for _, s := range [][2]string{{"2.10", "2.9"}, {"2.1b3", "2.1"}, {"v1.0", "1.0"}, {"2.01", "2.1"}, {"", "a"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		x, y := CompareVersions(a, b), CompareVersions(b, a)
		if x != -y || (x == 0) != (a == b) {
			t.Fatalf("CompareVersions(%q, %q) = %d, reversed %d", a, b, x, y)
		}
	})
}

// FuzzLike checks the LIKE matcher against a regular expression built
// from the same pattern.
func FuzzLike(f *testing.F) {
	for _, s := range [][2]string{{"a%c", "abc"}, {"%b%b%", "abcbd"}, {`50\%`, "50%"}, {"_é_", "aéb"}, {"%%a_", "xxab"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pat, s string) {
		if !utf8.ValidString(pat) || !utf8.ValidString(s) {
			return // filter strings are always valid UTF-8
		}
		lp, ok := compileLike(pat)
		if !ok {
			return
		}
		var re strings.Builder
		re.WriteString(`(?s)\A`)
		for i := 0; i < len(pat); i++ {
			switch c := pat[i]; c {
			case '\\':
				i++
				re.WriteString(regexp.QuoteMeta(pat[i : i+1]))
			case '%':
				re.WriteString(`.*`)
			case '_':
				re.WriteString(`.`)
			default:
				_, size := utf8.DecodeRuneInString(pat[i:])
				re.WriteString(regexp.QuoteMeta(pat[i : i+size]))
				i += size - 1
			}
		}
		re.WriteString(`\z`)
		want := regexp.MustCompile(re.String()).MatchString(s)
		if got := lp.match(s); got != want {
			t.Fatalf("%q LIKE %q = %v, regexp says %v", s, pat, got, want)
		}
	})
}

// FuzzParseDecimal checks that numbers print back to equal numbers and
// compare antisymmetrically.
func FuzzParseDecimal(f *testing.F) {
	for _, s := range [][2]string{{"007", "7"}, {"-0.50", "-.5"}, {"18446744073709551616", "1e3"}, {"+1.", "1"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		x, okx := parseDecimal(a)
		y, oky := parseDecimal(b)
		if !okx || !oky {
			return
		}
		if x.cmp(y) != -y.cmp(x) {
			t.Fatalf("cmp(%q, %q) not antisymmetric", a, b)
		}
		back, ok := parseDecimal(x.String())
		if !ok || back.cmp(x) != 0 || back.String() != x.String() {
			t.Fatalf("%q printed as %q, which reads back differently", a, x.String())
		}
	})
}
