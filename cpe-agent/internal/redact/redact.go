// Package redact keeps credentials out of what the agent logs and prints:
// URLs may carry userinfo (a Download URL, an ACS URL typed with it).
package redact

import "net/url"

// Marker stands where a secret was.
const Marker = "[redacted]"

// URL returns raw with its userinfo replaced by Marker; a URL that does not
// parse is not echoed at all, since where its secret sits is unknown.
func URL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "[unparseable URL]"
	}
	if u.User != nil {
		u.User = url.User(Marker)
	}
	return u.String()
}
