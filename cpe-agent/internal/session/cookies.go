package session

import (
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// cookieJar keeps the ACS's cookies for one session (TR069-DIGEST: echoed
// on every later POST of the session, dropped between sessions). It
// replaces net/http/cookiejar.New(nil), whose code (with its IDNA
// conversion and a sort instantiated for its entry struct) cost the router
// binary about 30 KB, and follows it rule for rule: RFC 6265 domain, path,
// Secure and expiry handling without a public suffix list, the same
// grouping of hosts by their last two labels, and the same Cookie header
// order. The one difference: host names are lower-cased but not converted
// to punycode, which only matters to an ACS with a non-ASCII host name.
type cookieJar struct {
	now func() time.Time

	mu      sync.Mutex
	entries []*jarEntry // in creation order; a replaced cookie keeps its place
}

type jarEntry struct {
	_           incomparable
	key         string // jarKey of the host that set it
	name, value string
	quoted      bool
	domain      string // lower-case host or domain, no leading dot
	path        string
	hostOnly    bool
	secure      bool
	expires     time.Time // zero: a session cookie
}

func newCookieJar() *cookieJar { return &cookieJar{now: time.Now} }

// jarHost is u's host as the jar compares it: without port and trailing
// dot, lower-cased.
func jarHost(u *url.URL) (string, bool) {
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", false
	}
	host := u.Host
	if hasPort(host) {
		h, _, err := net.SplitHostPort(host)
		if err != nil {
			return "", false
		}
		host = h
	}
	return strings.ToLower(strings.TrimSuffix(host, ".")), true
}

// hasPort reports whether host (a name or an IP address, IPv6 in brackets
// when a port follows) carries a port.
func hasPort(host string) bool {
	switch strings.Count(host, ":") {
	case 0:
		return false
	case 1:
		return true
	}
	return host[0] == '[' && strings.Contains(host, "]:")
}

func isIPHost(host string) bool {
	// A host name cannot contain ':' or '%': those are IPv6 forms.
	return strings.ContainsAny(host, ":%") || net.ParseIP(host) != nil
}

// jarKey groups hosts that may share cookies: an IP address stands alone,
// a name goes with the others under its last two labels.
func jarKey(host string) string {
	if isIPHost(host) {
		return host
	}
	i := strings.LastIndexByte(host, '.')
	if i <= 0 {
		return host
	}
	return host[strings.LastIndexByte(host[:i-1], '.')+1:]
}

// SetCookies implements http.CookieJar.
func (j *cookieJar) SetCookies(u *url.URL, cookies []*http.Cookie) {
	if len(cookies) == 0 {
		return
	}
	host, ok := jarHost(u)
	if !ok {
		return
	}
	key := jarKey(host)
	now := j.now()
	j.mu.Lock() // unlocked at the end, not deferred: no panics in between
	for _, c := range cookies {
		e, keep, ok := newJarEntry(c, host, u.Path, now)
		if !ok {
			continue
		}
		e.key = key
		i := slices.IndexFunc(j.entries, func(o *jarEntry) bool {
			return o.key == key && o.name == e.name && o.domain == e.domain && o.path == e.path
		})
		switch {
		case i >= 0 && keep:
			j.entries[i] = e
		case i >= 0:
			j.entries = slices.Delete(j.entries, i, i+1)
		case keep:
			j.entries = append(j.entries, e)
		}
	}
	j.mu.Unlock()
}

// newJarEntry reads one Set-Cookie received from host for a request to
// reqPath. keep is false for a cookie that deletes its namesake; ok is
// false for one to ignore.
func newJarEntry(c *http.Cookie, host, reqPath string, now time.Time) (e *jarEntry, keep, ok bool) {
	e = &jarEntry{name: c.Name, value: c.Value, quoted: c.Quoted, secure: c.Secure, path: c.Path}
	if e.path == "" || e.path[0] != '/' {
		e.path = defaultCookiePath(reqPath)
	}
	e.domain, e.hostOnly, ok = cookieDomain(host, c.Domain)
	if !ok {
		return nil, false, false
	}
	switch {
	case c.MaxAge < 0:
		return e, false, true
	case c.MaxAge > 0:
		e.expires = now.Add(time.Duration(c.MaxAge) * time.Second)
	case c.Expires.IsZero():
	case !c.Expires.After(now):
		return e, false, true
	default:
		e.expires = c.Expires
	}
	return e, true, true
}

// defaultCookiePath is RFC 6265 §5.1.4's default-path.
func defaultCookiePath(p string) string {
	if p == "" || p[0] != '/' {
		return "/"
	}
	i := strings.LastIndexByte(p, '/')
	if i == 0 {
		return "/"
	}
	return p[:i]
}

// cookieDomain decides which hosts a cookie from host with the given
// Domain attribute goes to (RFC 6265 §5.2.3 and §5.3 steps 4 to 6, without
// a public suffix list): host alone when the attribute is absent or host
// is an IP address (which must then equal it), else the attribute's
// domain, which host must lie in.
func cookieDomain(host, attr string) (domain string, hostOnly, ok bool) {
	if attr == "" {
		return host, true, true
	}
	if isIPHost(host) {
		return host, true, host == attr
	}
	attr = strings.TrimPrefix(attr, ".")
	if attr == "" || attr[0] == '.' || attr[len(attr)-1] == '.' {
		return "", false, false
	}
	for i := 0; i < len(attr); i++ {
		if attr[i] >= 0x80 {
			return "", false, false
		}
	}
	attr = strings.ToLower(attr)
	if host != attr && !hasDotSuffix(host, attr) {
		return "", false, false
	}
	return attr, false, true
}

// hasDotSuffix reports whether s ends in "."+suffix.
func hasDotSuffix(s, suffix string) bool {
	return len(s) > len(suffix) && s[len(s)-len(suffix)-1] == '.' && s[len(s)-len(suffix):] == suffix
}

// Cookies implements http.CookieJar: the cookies for u, in reverse order
// of path (so a longer path comes before its prefix), then oldest first.
// Expired cookies are dropped on the way.
func (j *cookieJar) Cookies(u *url.URL) []*http.Cookie {
	host, ok := jarHost(u)
	if !ok {
		return nil
	}
	key := jarKey(host)
	https := u.Scheme == "https"
	reqPath := u.Path
	if reqPath == "" {
		reqPath = "/"
	}
	now := j.now()
	j.mu.Lock() // unlocked at the end, not deferred: no panics in between
	var send []*jarEntry
	kept := j.entries[:0]
	for _, e := range j.entries {
		if e.key == key && !e.expires.IsZero() && !e.expires.After(now) {
			continue
		}
		kept = append(kept, e)
		if e.key == key && e.sendsTo(https, host, reqPath) {
			send = append(send, e)
		}
	}
	clear(j.entries[len(kept):])
	j.entries = kept
	// Stable, so creation order breaks ties; over pointers, so it shares
	// the sort code the binary has already.
	slices.SortStableFunc(send, func(a, b *jarEntry) int { return strings.Compare(b.path, a.path) })
	var out []*http.Cookie
	for _, e := range send {
		out = append(out, &http.Cookie{Name: e.name, Value: e.value, Quoted: e.quoted})
	}
	j.mu.Unlock()
	return out
}

func (e *jarEntry) sendsTo(https bool, host, reqPath string) bool {
	if e.domain != host && (e.hostOnly || !hasDotSuffix(host, e.domain)) {
		return false
	}
	if !cookiePathMatch(e.path, reqPath) {
		return false
	}
	return !e.secure || https || loopbackDomain(e.domain)
}

// cookiePathMatch is RFC 6265 §5.1.4's path-match.
func cookiePathMatch(cookiePath, reqPath string) bool {
	if !strings.HasPrefix(reqPath, cookiePath) {
		return false
	}
	return len(reqPath) == len(cookiePath) || cookiePath[len(cookiePath)-1] == '/' || reqPath[len(cookiePath)] == '/'
}

// loopbackDomain reports whether a Secure cookie may go over plain http
// to domain, as browsers allow for localhost and loopback addresses.
func loopbackDomain(domain string) bool {
	last := strings.TrimSuffix(domain, ".")
	if i := strings.LastIndexByte(last, '.'); i >= 0 {
		last = last[i+1:]
	}
	if last == "localhost" { // domain is lower-case already
		return true
	}
	ip, err := netip.ParseAddr(domain)
	return err == nil && ip.IsLoopback()
}
