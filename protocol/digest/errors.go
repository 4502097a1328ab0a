package digest

import "errors"

// Sentinel errors, one per outcome a caller may want to count. Server-side
// errors wrap one of these with a fixed detail; no error message of this
// package ever contains a password, an HA1, a response hash or any value the
// client sent (so a log line built from one cannot be used for injection).
var (
	// ErrNoCredentials: the request carried no Authorization header. This is
	// the normal first step of every Digest exchange.
	ErrNoCredentials error = &sentinel{"digest: no credentials"}
	// ErrMalformed: the Authorization or WWW-Authenticate header does not
	// parse, or a required directive is missing.
	ErrMalformed error = &sentinel{"digest: malformed header"}
	// ErrUnsupported: a scheme, algorithm or qop this side does not accept,
	// including Basic where it is not allowed.
	ErrUnsupported error = &sentinel{"digest: unsupported authentication"}
	// ErrMismatch: realm, opaque or uri do not match the challenge or the
	// request.
	ErrMismatch error = &sentinel{"digest: authorization does not match the request"}
	// ErrBadNonce: the nonce was not issued under any of the server's
	// secrets and the response did not verify either. Many of these point
	// at forged nonces or at nodes configured with different secrets.
	ErrBadNonce error = &sentinel{"digest: nonce not issued by this server"}
	// ErrBadCredentials: unknown user or wrong password. On the client side:
	// the server refused credentials computed for a fresh challenge.
	ErrBadCredentials error = &sentinel{"digest: bad credentials"}
	// ErrStale: the credentials were right but the nonce can no longer be
	// used (expired, unknown to this node, or dropped from the replay
	// tracker). Answer with a challenge carrying stale=true.
	ErrStale error = &sentinel{"digest: stale nonce"}
	// ErrReplay: a nonce count at or below one already accepted for that
	// nonce.
	ErrReplay error = &sentinel{"digest: nonce count replayed"}
)

// authErrors are the outcomes that call for a fresh challenge; anything else
// Authenticate returns is an internal failure (the credential lookup).
var authErrors = []error{
	ErrNoCredentials, ErrMalformed, ErrUnsupported, ErrMismatch,
	ErrBadNonce, ErrBadCredentials, ErrStale, ErrReplay,
}

// IsAuthError reports whether err is an authentication outcome (answer with
// 401) rather than an internal failure such as an unreachable credential
// store (answer with 5xx).
func IsAuthError(err error) bool {
	for _, e := range authErrors {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// detailError is a sentinel with a fixed detail: "<sentinel>: <detail>",
// matching the sentinel under errors.Is, as fmt.Errorf("%w: ...") would.
// The package's thirty fixed errors are built from it because a composite
// literal costs a few instructions of init code where fmt.Errorf costs a
// boxed call each, which added up to 7 KB in the router binary. kind
// points at the sentinel's variable rather than holding its value: the
// address of a variable is a link-time constant, so the package-level
// detailErrors are laid out by the linker instead of built at init (the
// value of an interface variable is not, even when it never changes).
type detailError struct {
	kind   *error
	detail string
}

func (e *detailError) Error() string { return (*e.kind).Error() + ": " + e.detail }
func (e *detailError) Unwrap() error { return *e.kind }

// sentinel is what errors.New returns, declared here so that the
// sentinels are static data too rather than errors.New calls at init.
type sentinel struct{ s string }

func (e *sentinel) Error() string { return e.s }
