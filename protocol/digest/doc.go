// Package digest implements HTTP Digest (RFC 7616: MD5, MD5-sess, SHA-256,
// SHA-256-sess with qop=auth) and Basic (RFC 7617) authentication for both
// ends of CWMP: the ACS authenticating CPEs on /cwmp, the CPE authenticating
// connection requests on its listener (Server), the CPE answering the ACS's
// challenge and the ACS's connection-request dispatcher (Client, Transport).
//
// # Nonces
//
// The server keeps no state to accept a nonce. A nonce carries its issue
// time and 88 random bits, authenticated by an HMAC-SHA256 tag under a key
// derived from a shared secret and the realm (see nonce.go for the layout).
// Any node holding the secret checks a nonce another node issued, so a load
// balancer may spread one CPE's requests over a cluster, and nothing grows
// with the size of the fleet. A nonce older than Config.NonceLifetime (or
// more than a minute in the future, for clock skew between nodes) is
// answered with stale=true. The opaque value is derived from the secret too.
// Several secrets may be configured for rotation: the first signs, all verify.
//
// stale=true is only ever sent for a request whose digest verified (RFC 7616
// §3.3), so it never tells a guesser anything. That includes a correct
// answer to a nonce no current secret signed (a rotated-out secret, or a
// node that restarted with a random one): the client simply retries.
//
// # Replay protection and its bound
//
// The server requires qop=auth, so every answer carries a nonce count. For
// each nonce in use it keeps the highest count accepted and which of the 64
// counts below it were accepted; a count seen before, or more than 64 below
// the highest, is ErrReplay. (The window lets requests that a client sent on
// parallel connections arrive out of order.) Counts are recorded only after
// the digest verified, so only holders of valid credentials can add entries.
//
// The entries live in a sharded LRU whose size Config.MaxTrackedNonces fixes
// (default 65536 entries, about 120 bytes each, so about 8 MB). When a shard
// is full it forgets its least recently used nonce and from then on refuses,
// as stale, any nonce it does not know that was issued no later than the
// forgotten one. Memory stays bounded whatever the traffic, a forgotten nonce
// can never be replayed with its counts lost, and the price is one extra
// round trip for a client whose nonce was pushed out.
//
// Replay protection covers requests that reach the same process. A cluster
// node does not see the counts another node accepted, so a request captured
// on the wire could be replayed once against another node while its nonce
// lives: route each CPE's requests to one node where possible, and keep
// NonceLifetime short.
//
// Requests without qop (RFC 2069) are refused with ErrUnsupported: without a
// nonce count they cannot be protected against replay, and TR-069 requires
// every CPE to support qop=auth. The client side still answers challenges
// without qop, for ACSs that send them.
//
// # What is logged
//
// Nothing: the package does not log. Authenticate returns errors wrapping
// one sentinel per outcome (ErrNoCredentials, ErrMalformed, ErrUnsupported,
// ErrMismatch, ErrBadNonce, ErrBadCredentials, ErrStale, ErrReplay) so a
// caller can count them, and Config.Observe sees every outcome with the
// claimed username. Error texts are fixed strings (only a failing lookup's
// own error is wrapped in): they never contain a password, an HA1, a
// response, a nonce, the username or anything else the client sent.
//
// Basic credentials are accepted only when Config.AllowBasic is set and the
// request came over TLS; the client sends Basic over plain http only when
// told to.
package digest
