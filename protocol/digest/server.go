package digest

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Server checks Authorization headers and writes challenges. It is safe for
// concurrent use.
type Server struct {
	realm    string
	algs     []Algorithm
	lookup   LookupFunc
	nonces   *nonceBook
	tracker  *ncTracker
	lifetime int64 // ns
	basic    bool
	isTLS    func(*http.Request) bool
	observe  func(*http.Request, string, error)
	now      func() time.Time

	// challengeHead[i] + nonce + challengeTail[i] is the challenge for
	// algs[i]; built once so a challenge costs one concatenation.
	challengeHead  []string
	challengeTail  []string
	basicChallenge string
}

// NewServer validates cfg and builds a Server.
func NewServer(cfg Config) (*Server, error) {
	if cfg.Realm == "" || !quotable(cfg.Realm) {
		return nil, errors.New("digest: realm must be non-empty printable text")
	}
	if cfg.Lookup == nil {
		return nil, errors.New("digest: lookup is required")
	}
	s := &Server{
		realm:   cfg.Realm,
		lookup:  cfg.Lookup,
		basic:   cfg.AllowBasic,
		isTLS:   cfg.IsTLS,
		now:     cfg.Now,
		algs:    append([]Algorithm(nil), cfg.Algorithms...),
		observe: cfg.Observe,
	}
	if s.isTLS == nil {
		s.isTLS = func(r *http.Request) bool { return r.TLS != nil }
	}
	if s.now == nil {
		s.now = time.Now
	}
	if len(s.algs) == 0 {
		s.algs = []Algorithm{MD5}
	}
	for i, a := range s.algs {
		if !a.valid() {
			return nil, fmt.Errorf("digest: unknown algorithm %d", a)
		}
		for _, b := range s.algs[:i] {
			if a == b {
				return nil, fmt.Errorf("digest: algorithm %s listed twice", a)
			}
		}
	}
	lifetime := cfg.NonceLifetime
	if lifetime == 0 {
		lifetime = defaultNonceLifetime
	}
	if lifetime < time.Second {
		return nil, errors.New("digest: nonce lifetime must be at least one second")
	}
	s.lifetime = int64(lifetime)
	maxTracked := cfg.MaxTrackedNonces
	if maxTracked == 0 {
		maxTracked = defaultMaxTracked
	}
	if maxTracked < 1 {
		return nil, errors.New("digest: max tracked nonces must be positive")
	}
	s.tracker = newNCTracker(maxTracked)
	secrets := cfg.Secrets
	if len(secrets) == 0 {
		secrets = [][]byte{make([]byte, 32)}
		rand.Read(secrets[0])
	}
	for _, sec := range secrets {
		if len(sec) < minSecretLen {
			return nil, fmt.Errorf("digest: every secret needs at least %d bytes", minSecretLen)
		}
	}
	s.nonces = newNonceBook(secrets, cfg.Realm)

	realm := string(appendQuoted(nil, cfg.Realm))
	for _, a := range s.algs {
		s.challengeHead = append(s.challengeHead, `Digest realm=`+realm+`, qop="auth", nonce="`)
		s.challengeTail = append(s.challengeTail, `", opaque="`+s.nonces.secrets[0].opaque+`", algorithm=`+a.String())
	}
	s.basicChallenge = `Basic realm=` + realm
	return s, nil
}

// Realm returns the realm the server challenges with.
func (s *Server) Realm() string { return s.realm }

// Challenge writes a 401 with one Digest challenge per configured algorithm,
// all carrying a fresh nonce, and stale=true when asked. It offers Digest
// only; Reject also offers Basic where it is allowed.
func (s *Server) Challenge(w http.ResponseWriter, stale bool) {
	s.challenge(w, stale, false)
}

func (s *Server) challenge(w http.ResponseWriter, stale, basic bool) {
	nonce := s.nonces.issue(s.now())
	h := w.Header()
	for i := range s.algs {
		v := s.challengeHead[i] + nonce + s.challengeTail[i]
		if stale {
			v += ", stale=true"
		}
		h.Add("WWW-Authenticate", v)
	}
	if basic {
		h.Add("WWW-Authenticate", s.basicChallenge)
	}
	w.WriteHeader(http.StatusUnauthorized)
}

// Fixed errors, so a failing request allocates nothing for them and their
// text can never carry what the client sent.
var (
	errManyHeaders   = &detailError{&ErrMalformed, "several authorization headers"}
	errMissing       = &detailError{&ErrMalformed, "a required directive is missing"}
	errNC            = &detailError{&ErrMalformed, "nc is not 1 to 8 hex digits above zero"}
	errScheme        = &detailError{&ErrUnsupported, "authorization scheme"}
	errNoQop         = &detailError{&ErrUnsupported, "qop=auth is required"}
	errQop           = &detailError{&ErrUnsupported, "qop other than auth"}
	errAlgorithm     = &detailError{&ErrUnsupported, "algorithm not offered"}
	errUserhash      = &detailError{&ErrUnsupported, "userhash"}
	errBasicRefused  = &detailError{&ErrUnsupported, "basic is not allowed on this request"}
	errRealm         = &detailError{&ErrMismatch, "realm"}
	errURI           = &detailError{&ErrMismatch, "uri differs from the request-target"}
	errOpaque        = &detailError{&ErrMismatch, "opaque"}
	errUnknownUser   = &detailError{&ErrBadCredentials, "unknown user"}
	errWrongResponse = &detailError{&ErrBadCredentials, "response does not verify"}
	errWrongPassword = &detailError{&ErrBadCredentials, "password does not match"}
	errNonceUnknown  = &detailError{&ErrStale, "nonce not issued under a current secret"}
	errNonceExpired  = &detailError{&ErrStale, "nonce expired"}
	errNonceFuture   = &detailError{&ErrStale, "nonce issued in the future"}
	errNonceDropped  = &detailError{&ErrStale, "nonce dropped from the replay tracker"}
)

// Authenticate checks the request's Authorization header. It returns the
// authenticated username, or an error wrapping one of the package's
// sentinels (see IsAuthError) or, wrapped, the lookup's own error. On
// error the username is the one the client claimed, if any: good for a log
// line, not for access decisions.
func (s *Server) Authenticate(r *http.Request) (string, error) {
	user, err := s.authenticate(r)
	if s.observe != nil {
		s.observe(r, user, err)
	}
	return user, err
}

func (s *Server) authenticate(r *http.Request) (string, error) {
	vals := r.Header["Authorization"]
	switch len(vals) {
	case 0:
		return "", ErrNoCredentials
	case 1:
	default:
		return "", errManyHeaders
	}
	h := vals[0]
	switch scheme := schemeOf(h); {
	case strings.EqualFold(scheme, "Digest"):
		return s.digest(r, h)
	case strings.EqualFold(scheme, "Basic"):
		return s.basicAuth(r)
	}
	return "", errScheme
}

func (s *Server) digest(r *http.Request, header string) (string, error) {
	a, err := ParseAuthorization(header)
	if err != nil {
		return "", err
	}
	user := a.Username
	if a.Username == "" || a.Realm == "" || a.Nonce == "" || a.URI == "" || a.Response == "" {
		return user, errMissing
	}
	if a.Userhash {
		return user, errUserhash
	}
	// Without qop there is no nonce count, hence no replay protection;
	// TR-069 has every CPE support qop=auth, so an RFC 2069 answer is refused.
	if a.Qop == "" {
		return user, errNoQop
	}
	if !strings.EqualFold(a.Qop, "auth") {
		return user, errQop
	}
	if a.Cnonce == "" {
		return user, errMissing
	}
	nc, ok := parseNC(a.NC)
	if !ok {
		return user, errNC
	}
	alg, err := ParseAlgorithm(a.Algorithm)
	if err != nil || !s.offers(alg) {
		return user, errAlgorithm
	}
	if a.Realm != s.realm {
		return user, errRealm
	}
	if !uriMatches(a.URI, r) {
		return user, errURI
	}
	issued, key, secret, nonceOK := s.nonces.check(a.Nonce)
	if nonceOK && a.Opaque != s.nonces.secrets[secret].opaque {
		return user, errOpaque
	}
	cred, found, err := s.lookup(r.Context(), user)
	if err != nil {
		return user, fmt.Errorf("digest: credential lookup: %w", err)
	}
	good := false
	if found {
		if good, err = verifyDigest(alg, cred, &a, r.Method); err != nil {
			return user, err
		}
	}
	switch {
	case !good && !nonceOK:
		return user, ErrBadNonce
	case !found:
		return user, errUnknownUser
	case !good:
		return user, errWrongResponse
	case !nonceOK:
		// The digest is right, so this is a client of ours holding a nonce
		// from a rotated-out secret or another cluster: stale lets it
		// retry at once (RFC 7616 §3.3 on stale).
		return user, errNonceUnknown
	}
	now := s.now().UnixNano()
	if now-issued > s.lifetime {
		return user, errNonceExpired
	}
	if issued-now > int64(futureSkew) {
		return user, errNonceFuture
	}
	switch s.tracker.use(key, issued, nc) {
	case ncReplayed:
		return user, ErrReplay
	case ncDropped:
		return user, errNonceDropped
	}
	return user, nil
}

func (s *Server) offers(a Algorithm) bool {
	for _, b := range s.algs {
		if a == b {
			return true
		}
	}
	return false
}

// verifyDigest recomputes the request-digest and compares it in constant
// time. Its error is for a store whose HA1 does not fit the algorithm.
func verifyDigest(alg Algorithm, cred Credential, a *Authorization, method string) (bool, error) {
	var want, got [64]byte
	size := alg.Size()
	if !decodeHex(a.Response, got[:size]) {
		return false, nil
	}
	var h1, h2, hs [64]byte
	var ha1 []byte
	if cred.HA1 != nil {
		if len(cred.HA1) != size {
			return false, fmt.Errorf("digest: stored HA1 does not fit %s", alg)
		}
		ha1 = hex.AppendEncode(h1[:0], cred.HA1)
	} else {
		ha1 = alg.appendHA1Hex(h1[:0], a.Username, a.Realm, cred.Password)
	}
	if alg.session() {
		ha1 = alg.appendSessHA1Hex(hs[:0], ha1, a.Nonce, a.Cnonce)
	}
	ha2 := alg.appendHA2Hex(h2[:0], method, a.URI)
	sum, n := alg.response(ha1, a.Nonce, a.NC, a.Cnonce, a.Qop, ha2)
	copy(want[:], sum[:n])
	return subtle.ConstantTimeCompare(want[:n], got[:n]) == 1, nil
}
