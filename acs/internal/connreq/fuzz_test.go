package connreq

import (
	"strings"
	"testing"
)

// FuzzCheckURL checks that every URL the channel accepts is plain http
// with a host and without user information, whatever the device reports.
func FuzzCheckURL(f *testing.F) {
	for _, s := range []string{"http://10.0.0.1:7547/abc", "https://x/", "http://u:p@h/", "HTTP://[::1]:1/", "http:opaque",
		"http://h/%zz", "//h/x", "http://[fe80::1%25eth0]:7547/", "http://h:99999/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := checkURL(raw)
		if err != nil {
			return
		}
		if u.Scheme != "http" || u.User != nil || u.Hostname() == "" || u.Opaque != "" || u.Fragment != "" {
			t.Fatalf("checkURL(%q) accepted %#v", raw, u)
		}
		if again, err := checkURL(u.String()); err != nil || again.String() != u.String() {
			t.Fatalf("checkURL(%q) gave %q, which does not check again: %v", raw, u.String(), err)
		}
		if strings.Contains(u.String(), "@") && strings.Contains(u.Host, "@") {
			t.Fatalf("userinfo in host: %q", u.String())
		}
	})
}
