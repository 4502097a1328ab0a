package cwmp

import (
	"fmt"
	"strconv"
	"strings"
)

// Version is a CWMP protocol version, major<<8 | minor, so that versions
// compare with < and >.
type Version uint16

// The CWMP versions this package speaks.
const (
	CWMP10 Version = 1<<8 | 0
	CWMP11 Version = 1<<8 | 1
	CWMP12 Version = 1<<8 | 2
	CWMP13 Version = 1<<8 | 3
	CWMP14 Version = 1<<8 | 4
)

// Versions returns every version this package speaks, lowest first.
func Versions() []Version { return []Version{CWMP10, CWMP11, CWMP12, CWMP13, CWMP14} }

// Major and Minor split the version.
func (v Version) Major() int { return int(v >> 8) }
func (v Version) Minor() int { return int(v & 0xff) }

// String formats the version as SupportedCWMPVersions does: "1.4".
func (v Version) String() string { return strconv.Itoa(v.Major()) + "." + strconv.Itoa(v.Minor()) }

// ParseVersion parses "major.minor", ignoring surrounding spaces.
func ParseVersion(s string) (Version, error) {
	s = strings.TrimSpace(s)
	maj, min, ok := strings.Cut(s, ".")
	if !ok {
		return 0, fmt.Errorf("cwmp version %q: want major.minor", s)
	}
	a, err1 := strconv.ParseUint(maj, 10, 8)
	b, err2 := strconv.ParseUint(min, 10, 8)
	if err1 != nil || err2 != nil || a == 0 {
		return 0, fmt.Errorf("cwmp version %q: want major.minor", s)
	}
	return Version(a<<8 | b), nil
}

// ParseVersionList parses a SupportedCWMPVersions value leniently: entries
// are comma separated, spaces around them are ignored (icwmp sends
// "1.0, 1.1"), and entries that are not major.minor are skipped. The result
// is sorted and free of duplicates.
func ParseVersionList(s string) []Version {
	var out []Version
	for f := range strings.SplitSeq(s, ",") {
		v, err := ParseVersion(f)
		if err != nil {
			continue
		}
		i := 0
		for i < len(out) && out[i] < v {
			i++
		}
		if i < len(out) && out[i] == v {
			continue
		}
		out = append(out, 0)
		copy(out[i+1:], out[i:])
		out[i] = v
	}
	return out
}

// FormatVersionList writes versions as SupportedCWMPVersions: "1.0,1.1".
func FormatVersionList(vs []Version) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = v.String()
	}
	return strings.Join(parts, ",")
}

// HighestCommon returns the highest version present in both lists; ok is
// false when they share none (the ACS then answers fault 8006).
func HighestCommon(a, b []Version) (v Version, ok bool) {
	for _, x := range a {
		for _, y := range b {
			if x == y && (!ok || x > v) {
				v, ok = x, true
			}
		}
	}
	return v, ok
}

// VersionOfNamespace maps a cwmp URN to the version it implies: cwmp-1-2 is
// 1.2 (a 1.3 or 1.4 peer says so through headers, see
// Envelope.ImpliedVersion); the non-standard cwmp-1-3 and cwmp-1-4 URNs map
// to 1.3 and 1.4.
func VersionOfNamespace(ns string) (Version, bool) {
	switch ns {
	case NamespaceCWMP10:
		return CWMP10, true
	case NamespaceCWMP11:
		return CWMP11, true
	case NamespaceCWMP12:
		return CWMP12, true
	case NamespaceCWMP13:
		return CWMP13, true
	case NamespaceCWMP14:
		return CWMP14, true
	}
	return 0, false
}

// NamespaceOf returns the BBF namespace for a version: cwmp-1-0, cwmp-1-1,
// and cwmp-1-2 for 1.2 and everything later.
func NamespaceOf(v Version) string {
	switch {
	case v <= CWMP10:
		return NamespaceCWMP10
	case v == CWMP11:
		return NamespaceCWMP11
	default:
		return NamespaceCWMP12
	}
}

// IsCWMPNamespace reports whether ns is one of the five accepted cwmp URNs.
func IsCWMPNamespace(ns string) bool {
	_, ok := VersionOfNamespace(ns)
	return ok
}

// schemaLevel is the schema generation whose elements a namespace may carry:
// 10, 11, or 12 for cwmp-1-2 and the 1-3/1-4 URNs (which build on it).
func schemaLevel(ns string) int {
	switch ns {
	case NamespaceCWMP10:
		return 10
	case NamespaceCWMP11:
		return 11
	default:
		return 12
	}
}
