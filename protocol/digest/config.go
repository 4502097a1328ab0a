package digest

import (
	"context"
	"net/http"
	"time"
)

// Credential is what a credential store knows about a user. Set HA1 to keep
// passwords out of the store: HA1(alg, username, realm, password) for the
// server's algorithm family (16 bytes for MD5 and MD5-sess, 32 for SHA-256
// and SHA-256-sess). When HA1 is nil, Password is used.
type Credential struct {
	Password string
	HA1      []byte
}

// LookupFunc finds a user's credential. ok=false means no such user; err is
// for a store that could not answer (Authenticate passes it up wrapped, and
// Reject answers 503, not 401).
type LookupFunc func(ctx context.Context, username string) (cred Credential, ok bool, err error)

// Config configures a Server. Realm and Lookup are required.
type Config struct {
	Realm  string
	Lookup LookupFunc

	// Secrets sign nonces. The first signs, all verify, so a cluster can
	// rotate: add the new secret second, deploy, move it first, deploy,
	// drop the old one. Every node of a cluster needs the same list. Each
	// must be at least 16 bytes. Empty: one random secret, fine for a
	// single process (nonces die with it; clients then get stale=true).
	Secrets [][]byte

	// Algorithms offered, in order of preference, one challenge each.
	// Default: MD5, which TR-069 requires every ACS and CPE to support.
	Algorithms []Algorithm

	// NonceLifetime bounds how long a nonce is accepted. Default 5 minutes.
	NonceLifetime time.Duration

	// MaxTrackedNonces bounds the nonce-count tracker (about 120 bytes an
	// entry). Size it for peak new sessions per second times the longest
	// session; a nonce pushed out early only costs its client one stale
	// round trip. Default 65536 (about 8 MB); a CPE's listener needs a
	// few dozen.
	MaxTrackedNonces int

	// AllowBasic accepts Basic credentials on requests that came over TLS
	// (TR-069 §3.4.4 recommends Basic over TLS). Never over plain HTTP.
	AllowBasic bool
	// IsTLS says whether a request came over TLS. Default r.TLS != nil; a
	// server behind a TLS-terminating proxy it trusts can say otherwise.
	IsTLS func(r *http.Request) bool

	// Observe, when set, sees every outcome of Authenticate: the claimed
	// username (unverified unless err is nil) and the error. It is the hook
	// for logs and metrics; the package itself logs nothing.
	Observe func(r *http.Request, username string, err error)

	// Now is the clock; tests set it. Default time.Now.
	Now func() time.Time
}

const (
	defaultNonceLifetime = 5 * time.Minute
	defaultMaxTracked    = 1 << 16
	minSecretLen         = 16
	// futureSkew tolerates nodes whose clocks run ahead of this one.
	futureSkew = time.Minute
)
