package digest

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
)

var errBasicSyntax = &detailError{&ErrMalformed, "basic credentials"}

// basicAuth checks Basic credentials, which TR-069 allows only over TLS.
func (s *Server) basicAuth(r *http.Request) (string, error) {
	if !s.basic || !s.isTLS(r) {
		return "", errBasicRefused
	}
	user, pass, ok := r.BasicAuth()
	if !ok {
		return "", errBasicSyntax
	}
	cred, found, err := s.lookup(r.Context(), user)
	if err != nil {
		return user, fmt.Errorf("digest: credential lookup: %w", err)
	}
	if !found {
		return user, errUnknownUser
	}
	good, err := basicMatches(cred, s.realm, user, pass)
	if err != nil {
		return user, err
	}
	if !good {
		return user, errWrongPassword
	}
	return user, nil
}

// basicMatches compares in constant time. Hashing both sides first keeps
// the comparison's duration independent of the password's length too.
func basicMatches(cred Credential, realm, user, pass string) (bool, error) {
	if cred.HA1 != nil {
		var alg Algorithm
		switch len(cred.HA1) {
		case MD5.Size():
			alg = MD5
		case SHA256.Size():
			alg = SHA256
		default:
			return false, errors.New("digest: stored HA1 has an unknown length")
		}
		return subtle.ConstantTimeCompare(HA1(alg, user, realm, pass), cred.HA1) == 1, nil
	}
	a := sha256.Sum256([]byte(pass))
	b := sha256.Sum256([]byte(cred.Password))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1, nil
}

// BasicAuthorization returns the value of an Authorization header carrying
// Basic credentials (RFC 7617). Send it only over TLS.
func BasicAuthorization(username, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(username+":"+password))
}
