package digest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"sync"
)

// Client answers challenges for one set of credentials: the CPE's CWMP
// session towards the ACS, or the ACS's connection request to one CPE. It
// keeps the last challenge and answers later requests pre-emptively with it
// (nc+1), so a session costs one 401 rather than one per request. It is safe
// for concurrent use; set its option fields before the first use.
type Client struct {
	// PreemptiveBasic sends Basic credentials on https requests before any
	// challenge arrived, as TR-069 §3.4.4 recommends over TLS.
	PreemptiveBasic bool
	// AllowInsecureBasic answers a Basic challenge on plain http. Leave it
	// off: it sends the password in clear, and a man in the middle could
	// strip the Digest challenge to collect it.
	AllowInsecureBasic bool

	mu       sync.Mutex
	username string
	password string
	st       *clientState
	cnonce   func() string // tests pin it
}

// clientState is what one accepted challenge lets the client compute.
type clientState struct {
	basic   bool
	realm   string
	nonce   string
	opaque  string
	alg     Algorithm
	algName string // echoed as the server spelled it; empty if it sent none
	qop     string // "auth", or empty for an RFC 2069 challenge
	cnonce  string
	ha1     []byte // hex, session part included for -sess
	nc      uint32 // requests answered with this nonce
	stale   bool
}

// NewClient returns a Client for username and password.
func NewClient(username, password string) *Client {
	return &Client{username: username, password: password}
}

// SetCredentials replaces the credentials and forgets the current challenge
// (TR-069 changes ManagementServer.Password at run time).
func (c *Client) SetCredentials(username, password string) {
	c.mu.Lock()
	c.username, c.password, c.st = username, password, nil
	c.mu.Unlock()
}

// Reset forgets the current challenge, e.g. when the ACS URL changed.
func (c *Client) Reset() {
	c.mu.Lock()
	c.st = nil
	c.mu.Unlock()
}

var (
	errInsecureBasic       = &detailError{&ErrUnsupported, "basic challenge over plain http refused"}
	errNoChallenge         = &detailError{&ErrUnsupported, "no digest or basic challenge this client can answer"}
	errUsername      error = &sentinel{"digest: username cannot be carried in a header"}
	errRejected            = &detailError{&ErrBadCredentials, "server refused the answer to a fresh challenge"}
)

func isHTTPS(r *http.Request) bool {
	return r != nil && r.URL != nil && strings.EqualFold(r.URL.Scheme, "https")
}

// Authorize sets the Authorization header of req from the current
// challenge. Before any challenge it sets nothing, unless PreemptiveBasic
// applies.
func (c *Client) Authorize(req *http.Request) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.st
	switch {
	case st == nil:
		if c.PreemptiveBasic && isHTTPS(req) {
			req.Header.Set("Authorization", BasicAuthorization(c.username, c.password))
		}
		return nil
	case st.basic:
		if !isHTTPS(req) && !c.AllowInsecureBasic {
			return errInsecureBasic
		}
		req.Header.Set("Authorization", BasicAuthorization(c.username, c.password))
		return nil
	}
	st.nc++
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	a := Authorization{
		Username:  c.username,
		Realm:     st.realm,
		Nonce:     st.nonce,
		URI:       req.URL.RequestURI(),
		Algorithm: st.algName,
		Opaque:    st.opaque,
	}
	var nc string
	if st.qop != "" {
		nc = fmt.Sprintf("%08x", st.nc)
		a.Qop, a.NC, a.Cnonce = st.qop, nc, st.cnonce
	}
	ha2 := st.alg.appendHA2Hex(nil, method, a.URI)
	sum, n := st.alg.response(st.ha1, st.nonce, nc, st.cnonce, st.qop, ha2)
	a.Response = hex.EncodeToString(sum[:n])
	req.Header.Set("Authorization", a.String())
	return nil
}

// Handle looks at a response. For a 401 it adopts the best challenge
// offered (Digest before Basic) and says whether the request is worth
// sending again: yes when it carried no credentials, when the nonce was
// stale, or when it reused an older nonce pre-emptively; no, with
// ErrBadCredentials, when an answer to a fresh challenge was refused. For any
// other status it does nothing.
func (c *Client) Handle(resp *http.Response) (retry bool, err error) {
	if resp.StatusCode != http.StatusUnauthorized {
		return false, nil
	}
	chs, err := ParseChallenges(resp.Header)
	if err != nil {
		return false, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	st, err := c.choose(chs, isHTTPS(resp.Request))
	if err != nil {
		return false, err
	}
	prev := c.st
	c.st = st
	if st.stale {
		return true, nil
	}
	var sent string
	if resp.Request != nil {
		sent = resp.Request.Header.Get("Authorization")
	}
	switch scheme := schemeOf(sent); {
	case sent == "":
		return true, nil
	case strings.EqualFold(scheme, "Basic"):
		// Pre-emptive Basic refused in favour of Digest is no verdict on
		// the password; Basic refused again is.
		if st.basic {
			return false, errRejected
		}
		return true, nil
	case strings.EqualFold(scheme, "Digest"):
		if answeredFresh(sent, prev) {
			return false, errRejected
		}
		return true, nil
	}
	return true, nil
}

// answeredFresh reports whether the refused request was the first answer to
// the challenge the client then held: only that proves the credentials
// wrong. A later count means a pre-emptive reuse the server no longer
// accepts, worth one try with the new nonce.
func answeredFresh(sent string, prev *clientState) bool {
	a, err := ParseAuthorization(sent)
	if err != nil || prev == nil || prev.basic || a.Nonce != prev.nonce {
		return false
	}
	if nc, ok := parseNC(a.NC); ok {
		return nc == 1
	}
	return prev.nc <= 1
}

// choose picks the first Digest challenge the client can answer, else a
// Basic one where Basic may be sent. Called with c.mu held.
func (c *Client) choose(chs []Challenge, secure bool) (*clientState, error) {
	for _, ch := range chs {
		if ch.Is("Digest") {
			if st, ok := c.digestState(ch); ok {
				if !quotable(c.username) {
					return nil, errUsername
				}
				return st, nil
			}
		}
	}
	for _, ch := range chs {
		if ch.Is("Basic") {
			if !secure && !c.AllowInsecureBasic {
				return nil, errInsecureBasic
			}
			return &clientState{basic: true}, nil
		}
	}
	return nil, errNoChallenge
}

func (c *Client) digestState(ch Challenge) (*clientState, bool) {
	realm, ok := ch.Param("realm")
	if !ok {
		return nil, false
	}
	nonce, _ := ch.Param("nonce")
	if nonce == "" {
		return nil, false
	}
	algName, _ := ch.Param("algorithm")
	alg, err := ParseAlgorithm(algName)
	if err != nil {
		return nil, false
	}
	st := &clientState{realm: realm, nonce: nonce, alg: alg, algName: algName}
	if list, ok := ch.Param("qop"); ok {
		for _, q := range strings.Split(list, ",") {
			if strings.EqualFold(strings.TrimSpace(q), "auth") {
				st.qop = "auth"
			}
		}
		if st.qop == "" {
			return nil, false // auth-int only
		}
	} else if alg.session() {
		return nil, false // -sess needs a cnonce, which only qop carries
	}
	st.opaque, _ = ch.Param("opaque")
	stale, _ := ch.Param("stale")
	st.stale = strings.EqualFold(stale, "true")
	if st.qop != "" {
		st.cnonce = c.newCnonce()
	}
	st.ha1 = alg.appendHA1Hex(nil, c.username, realm, c.password)
	if alg.session() {
		st.ha1 = alg.appendSessHA1Hex(nil, st.ha1, nonce, st.cnonce)
	}
	return st, true
}

// newCnonce: 128 random bits per challenge, as TR-069 asks for a new cnonce
// on every new connection (each of which starts with a fresh challenge).
func (c *Client) newCnonce() string {
	if c.cnonce != nil {
		return c.cnonce()
	}
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
