package packaging

import "testing"

// FuzzVersion: any build version becomes a package version dpkg and opkg
// accept: a leading digit and only the characters an upstream version
// without epoch or revision may hold.
func FuzzVersion(f *testing.F) {
	for _, s := range []string{"v1.2.3", "v1.2.3-4-gabcdef0-dirty", "b2c9cce", "", "dev", "v-1", "vv", "1:2-3", "é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		v := Version(in)
		if v == "" || v[0] < '0' || v[0] > '9' {
			t.Fatalf("Version(%q) = %q: no leading digit", in, v)
		}
		for _, r := range v {
			ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '+' || r == '~'
			if !ok {
				t.Fatalf("Version(%q) = %q: character %q", in, v, r)
			}
		}
	})
}
