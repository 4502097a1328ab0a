package files

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"
)

// Errors of URL checks; the server answers both with 403.
var (
	ErrBadSignature = errors.New("bad or missing URL signature")
	ErrExpired      = errors.New("URL expired")
)

// Signer mints and checks per-device URLs.
type Signer struct {
	key []byte
	now func() time.Time
}

// NewSigner derives the URL key from the fleet secret, so the key never
// needs its own file and every node of a cluster derives the same one.
func NewSigner(fleetSecret []byte, now func() time.Time) *Signer {
	m := hmac.New(sha256.New, fleetSecret)
	m.Write([]byte("gatewarden file URLs v1"))
	if now == nil {
		now = time.Now
	}
	return &Signer{key: m.Sum(nil), now: now}
}

// sigLen is the signature's length in bytes before base64: 128 bits.
const sigLen = 16

func (s *Signer) mac(method, path, device string, exp int64) []byte {
	m := hmac.New(sha256.New, s.key)
	// NUL separators: none of the parts can contain one (device IDs are
	// escaped, paths are URL paths), so no two inputs share a MAC input.
	fmt.Fprintf(m, "%s\x00%s\x00%s\x00%d", method, path, device, exp)
	return m.Sum(nil)[:sigLen]
}

// Query returns the query string that lets device use method on path
// until exp.
func (s *Signer) Query(method, path, device string, exp time.Time) string {
	e := exp.Unix()
	v := url.Values{}
	v.Set("d", device)
	v.Set("e", strconv.FormatInt(e, 10))
	v.Set("s", base64.RawURLEncoding.EncodeToString(s.mac(method, path, device, e)))
	return v.Encode()
}

// Signed is what a URL's query says.
type Signed struct {
	Device string
	Expiry int64
	Sig    []byte
}

// ParseSigned reads the d, e and s parameters of a raw query. It refuses
// repeated or missing parameters and anything else, so one URL has one
// meaning.
func ParseSigned(rawQuery string) (Signed, error) {
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return Signed{}, fmt.Errorf("%w: query: %v", ErrBadSignature, err)
	}
	for k, vs := range q {
		if k != "d" && k != "e" && k != "s" {
			return Signed{}, fmt.Errorf("%w: unexpected parameter %q", ErrBadSignature, k)
		}
		if len(vs) != 1 {
			return Signed{}, fmt.Errorf("%w: parameter %q given %d times", ErrBadSignature, k, len(vs))
		}
	}
	var out Signed
	out.Device = q.Get("d")
	if out.Device == "" || len(out.Device) > 256 {
		return Signed{}, fmt.Errorf("%w: device", ErrBadSignature)
	}
	e := q.Get("e")
	if len(e) == 0 || len(e) > 12 || e[0] == '+' || e[0] == '-' {
		return Signed{}, fmt.Errorf("%w: expiry", ErrBadSignature)
	}
	out.Expiry, err = strconv.ParseInt(e, 10, 64)
	if err != nil {
		return Signed{}, fmt.Errorf("%w: expiry", ErrBadSignature)
	}
	out.Sig, err = base64.RawURLEncoding.DecodeString(q.Get("s"))
	if err != nil || len(out.Sig) != sigLen {
		return Signed{}, fmt.Errorf("%w: signature", ErrBadSignature)
	}
	return out, nil
}

// Check verifies a request's query for method and path and returns the
// device it was made for.
func (s *Signer) Check(method, path, rawQuery string) (string, error) {
	sg, err := ParseSigned(rawQuery)
	if err != nil {
		return "", err
	}
	if !hmac.Equal(sg.Sig, s.mac(method, path, sg.Device, sg.Expiry)) {
		return "", ErrBadSignature
	}
	if s.now().Unix() > sg.Expiry {
		return "", fmt.Errorf("%w at %s", ErrExpired, time.Unix(sg.Expiry, 0).UTC().Format(time.RFC3339))
	}
	return sg.Device, nil
}
