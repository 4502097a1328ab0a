package digest

import (
	"net/http"
	"strings"
)

// uriMatches checks the uri directive against the request-target as the
// client sent it (RFC 7616 §3.4.6). A proxy may turn an origin-form target
// into absolute-form or back, so when the two differ the scheme and
// authority are stripped from whichever has them before comparing. Nothing
// is unescaped: the client hashed the exact text it sent.
func uriMatches(directive string, r *http.Request) bool {
	target := r.RequestURI
	if target == "" {
		target = r.URL.RequestURI()
	}
	if directive == target {
		return true
	}
	return originForm(directive) == originForm(target)
}

// originForm turns "http://host:port/p?q" into "/p?q" and leaves other
// forms alone.
func originForm(u string) string {
	var rest string
	switch {
	case len(u) >= 7 && strings.EqualFold(u[:7], "http://"):
		rest = u[7:]
	case len(u) >= 8 && strings.EqualFold(u[:8], "https://"):
		rest = u[8:]
	default:
		return u
	}
	i := strings.IndexAny(rest, "/?#")
	switch {
	case i < 0:
		return "/"
	case rest[i] == '/':
		return rest[i:]
	case rest[i] == '?':
		return "/" + rest[i:]
	}
	return "/"
}
