package provision

import "strings"

// CompareVersions orders firmware and hardware version strings; it returns
// -1, 0 or +1 as a is older than, equal to or newer than b.
//
// A version is read as a sequence of runs of digits and runs of letters;
// everything else (".", "-", "_", "+", spaces) only separates runs, and a
// leading "v" or "V" before a digit is ignored. Runs are compared in order:
//   - two digit runs as numbers of any length, so "2.10" > "2.9";
//   - two letter runs alphabetically, ignoring case, so "2.1b" > "2.1a";
//   - a digit run is newer than a letter run, so "2.1.1" > "2.1b3";
//   - when one version runs out first it is the older, so
//     "2.1" < "2.1b3" < "2.1b10" < "2.1.1" and "2.1" < "2.1.0".
//
// A letter suffix is thus a build after the bare number ("2.1b3" is read as
// 2.1 build b3), not a pre-release before it: firmware names use suffixes
// both ways, and this reading is the one that agrees with plain string
// order for the common case of a suffix added to a released version.
//
// Versions that tie on every run ("2.01" and "2.1", "V2" and "2") are
// ordered by their bytes, so the result is 0 exactly when a == b: "=" in a
// filter means the same version string, and the order stays total.
func CompareVersions(a, b string) int {
	ra, rb := versionRuns{s: trimV(a)}, versionRuns{s: trimV(b)}
	for {
		x, xok := ra.next()
		y, yok := rb.next()
		switch {
		case !xok && !yok:
			return strings.Compare(a, b)
		case !xok:
			return -1
		case !yok:
			return 1
		}
		if c := compareRuns(x, y); c != 0 {
			return c
		}
	}
}

func trimV(s string) string {
	if len(s) > 1 && (s[0] == 'v' || s[0] == 'V') && isDigit(s[1]) {
		return s[1:]
	}
	return s
}

func isLetter(c byte) bool { return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') }

// versionRuns yields the digit and letter runs of a version string.
type versionRuns struct {
	s   string
	pos int
}

func (r *versionRuns) next() (string, bool) {
	for r.pos < len(r.s) && !isDigit(r.s[r.pos]) && !isLetter(r.s[r.pos]) {
		r.pos++
	}
	if r.pos >= len(r.s) {
		return "", false
	}
	start := r.pos
	digits := isDigit(r.s[start])
	for r.pos < len(r.s) && isDigit(r.s[r.pos]) == digits && (digits || isLetter(r.s[r.pos])) {
		r.pos++
	}
	return r.s[start:r.pos], true
}

func compareRuns(x, y string) int {
	xd, yd := isDigit(x[0]), isDigit(y[0])
	switch {
	case xd && yd:
		x, y = strings.TrimLeft(x, "0"), strings.TrimLeft(y, "0")
		if len(x) != len(y) {
			if len(x) < len(y) {
				return -1
			}
			return 1
		}
		return strings.Compare(x, y)
	case xd:
		return 1
	case yd:
		return -1
	}
	for i := 0; i < len(x) && i < len(y); i++ {
		cx, cy := lower(x[i]), lower(y[i])
		if cx != cy {
			if cx < cy {
				return -1
			}
			return 1
		}
	}
	switch {
	case len(x) < len(y):
		return -1
	case len(x) > len(y):
		return 1
	}
	return 0
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// looksLikeVersion decides whether a quoted value compared with < or > on
// a text parameter means a version: a digit (after an optional "v") and at
// least one dot, with nothing but letters, digits and . - _ + in it.
// "2.1", "v10.0.3", "3.2.1-rc1" are versions; "abc", "10" and "2021-01-02
// 10:00" are not (the last is text, compared byte by byte).
func looksLikeVersion(s string) bool {
	t := trimV(s)
	if t == "" || !isDigit(t[0]) || !strings.Contains(t, ".") {
		return false
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !isDigit(c) && !isLetter(c) && strings.IndexByte(".-_+", c) < 0 {
			return false
		}
	}
	return true
}
