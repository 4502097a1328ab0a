package packaging

import (
	"regexp"
	"strings"
)

// describeRe matches what `git describe --tags --dirty` says after a tag:
// commits since it, the hash, and whether the tree was dirty.
var describeRe = regexp.MustCompile(`^(.+)-([0-9]+)-g([0-9a-f]+)(-dirty)?$`)

// Version turns a build version (a tag such as v1.2.0, `git describe`
// output, a bare hash or "dev") into a package version that dpkg and opkg
// accept and order sensibly: it starts with a digit, commits after a tag
// sort above the tag, pre-releases and untagged builds below any release.
func Version(v string) string {
	v = strings.TrimPrefix(strings.TrimSpace(v), "v")
	after := ""
	if m := describeRe.FindStringSubmatch(v); m != nil {
		v, after = m[1], "+"+m[2]+".g"+m[3]
		if m[4] != "" {
			after += ".dirty"
		}
	}
	if v == "" || v[0] < '0' || v[0] > '9' {
		// Untagged: a hash, "dev", "abc123-dirty".
		return "0.0.0~" + clean(v) + after
	}
	// A hyphen would split off a Debian revision; in a tag it marks a
	// pre-release, which `~` sorts before the release.
	return clean(strings.ReplaceAll(v, "-", "~")) + after
}

// clean keeps the characters a Debian upstream version allows.
func clean(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '+', r == '~':
			b.WriteRune(r)
		default:
			b.WriteByte('.')
		}
	}
	if b.Len() == 0 {
		return "dev"
	}
	return b.String()
}
