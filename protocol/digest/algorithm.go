package digest

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

// Algorithm is a Digest algorithm (RFC 7616 §3.3). TR-069 requires MD5 on
// both ends and MD5-sess on the CPE; SHA-256 is there for ACSs that offer it.
type Algorithm uint8

// Algorithms this package computes.
const (
	MD5 Algorithm = iota + 1
	MD5Sess
	SHA256
	SHA256Sess
)

// String returns the algorithm's name as written on the wire.
func (a Algorithm) String() string {
	switch a {
	case MD5:
		return "MD5"
	case MD5Sess:
		return "MD5-sess"
	case SHA256:
		return "SHA-256"
	case SHA256Sess:
		return "SHA-256-sess"
	}
	return fmt.Sprintf("Algorithm(%d)", uint8(a))
}

// ParseAlgorithm maps a wire name, case-insensitively, to an Algorithm. An
// empty name means MD5, as RFC 7616 §3.3 prescribes for a missing directive.
func ParseAlgorithm(name string) (Algorithm, error) {
	switch {
	case name == "" || strings.EqualFold(name, "MD5"):
		return MD5, nil
	case strings.EqualFold(name, "MD5-sess"):
		return MD5Sess, nil
	case strings.EqualFold(name, "SHA-256"):
		return SHA256, nil
	case strings.EqualFold(name, "SHA-256-sess"):
		return SHA256Sess, nil
	}
	return 0, &detailError{&ErrUnsupported, "algorithm"}
}

func (a Algorithm) valid() bool { return a >= MD5 && a <= SHA256Sess }

func (a Algorithm) session() bool { return a == MD5Sess || a == SHA256Sess }

// Size is the length in bytes of the algorithm's hash (16 or 32), and so of
// the raw HA1 a credential store keeps for it.
func (a Algorithm) Size() int {
	if a == SHA256 || a == SHA256Sess {
		return sha256.Size
	}
	return md5.Size
}

// sum hashes b. It returns an array rather than a hash.Hash so that nothing
// escapes to the heap on the server's hot path.
func (a Algorithm) sum(b []byte) (out [sha256.Size]byte, n int) {
	if a == SHA256 || a == SHA256Sess {
		return sha256.Sum256(b), sha256.Size
	}
	s := md5.Sum(b)
	copy(out[:], s[:])
	return out, md5.Size
}

// HA1 returns H(username ":" realm ":" password) as raw bytes: what a
// credential store keeps instead of the password (see Credential). For the
// -sess variants it is the same value; the session part depends on the
// nonces and is computed per challenge.
func HA1(a Algorithm, username, realm, password string) []byte {
	var buf [256]byte
	s, n := a.sum(colon(colon(append(buf[:0], username...), realm), password))
	return append([]byte(nil), s[:n]...)
}

// appendHA1Hex appends hex(H(user:realm:pass)).
func (a Algorithm) appendHA1Hex(dst []byte, user, realm, pass string) []byte {
	var buf [256]byte
	s, n := a.sum(colon(colon(append(buf[:0], user...), realm), pass))
	return hex.AppendEncode(dst, s[:n])
}

// appendSessHA1Hex appends hex(H(HA1hex:nonce:cnonce)) (RFC 7616 §3.4.2).
func (a Algorithm) appendSessHA1Hex(dst, ha1Hex []byte, nonce, cnonce string) []byte {
	var buf [256]byte
	s, n := a.sum(colon(colon(append(buf[:0], ha1Hex...), nonce), cnonce))
	return hex.AppendEncode(dst, s[:n])
}

// appendHA2Hex appends hex(H(method:uri)) (qop=auth or none).
func (a Algorithm) appendHA2Hex(dst []byte, method, uri string) []byte {
	var buf [256]byte
	s, n := a.sum(colon(append(buf[:0], method...), uri))
	return hex.AppendEncode(dst, s[:n])
}

// response computes the raw request-digest (RFC 7616 §3.4.1). With qop
// empty it is RFC 2069's H(HA1:nonce:HA2).
func (a Algorithm) response(ha1Hex []byte, nonce, nc, cnonce, qop string, ha2Hex []byte) ([sha256.Size]byte, int) {
	var buf [512]byte
	b := colon(append(buf[:0], ha1Hex...), nonce)
	if qop != "" {
		b = colon(colon(colon(b, nc), cnonce), qop)
	}
	b = append(b, ':')
	b = append(b, ha2Hex...)
	return a.sum(b)
}

// colon appends ":" and s: the digest inputs are colon-joined fields.
// One helper rather than two appends per field: built without inlining,
// the router carries every append's growth code at each call site.
func colon(b []byte, s string) []byte {
	b = append(b, ':')
	return append(b, s...)
}

// ResponseInput is everything a request-digest depends on. It exists so
// both ends, and the known-answer tests, compute through one function.
type ResponseInput struct {
	Algorithm Algorithm
	Username  string
	Realm     string
	Password  string
	Method    string
	URI       string
	Nonce     string
	NC        string // 8 hex digits; empty without qop
	Cnonce    string // empty without qop
	Qop       string // "auth" or empty (RFC 2069)
}

// Response returns the lowercase hex request-digest for in.
func Response(in ResponseInput) string {
	var h1, h2 [2 * sha256.Size]byte
	ha1 := in.Algorithm.appendHA1Hex(h1[:0], in.Username, in.Realm, in.Password)
	if in.Algorithm.session() {
		var s [2 * sha256.Size]byte
		ha1 = in.Algorithm.appendSessHA1Hex(s[:0], ha1, in.Nonce, in.Cnonce)
	}
	ha2 := in.Algorithm.appendHA2Hex(h2[:0], in.Method, in.URI)
	sum, n := in.Algorithm.response(ha1, in.Nonce, in.NC, in.Cnonce, in.Qop, ha2)
	return hex.EncodeToString(sum[:n])
}
