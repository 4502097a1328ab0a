// Package local serves the field engineer standing next to the router: a
// small web page on the LAN side and the `cpe-agent diag` command over a
// Unix socket in the data directory. Both work while the WAN and the ACS
// are down, because they need nothing but the agent itself.
//
// The page listens on one LAN address, never a wildcard, so it cannot be
// reached from the WAN side. Login takes the device's own local password
// (unique per device: from its configuration or a file written at
// manufacturing; there is no default); repeated wrong passwords from one
// address lock it out for a doubling time. Sessions are random cookies
// (HttpOnly, SameSite=Strict) that expire when idle; every form carries a
// per-session token against cross-site posts. The pages are plain HTML
// with no scripts, so they work in any browser and under a strict
// Content-Security-Policy.
//
// The page and the socket show the same things: the line's sync state
// and rates, noise margins, WAN state and addresses, the last ACS contact
// with its result and next retry, pending events, the MQTT lane, the
// firmware slots and the uptime; they run a ping or a traceroute from the
// router; and they hand out a support bundle with secrets removed.
//
// Short critical sections unlock explicitly rather than by defer: the
// router build has no inlining, so each deferred Unlock costs a wrapper
// function and exit code, and nothing in them can panic.
package local
