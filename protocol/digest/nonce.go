package digest

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"hash"
	"sync"
	"time"
)

// A nonce is base64url (no padding) of 36 bytes:
//
//	version (1) | issued, Unix nanoseconds, big-endian (8) | random (11) | tag (16)
//
// tag = HMAC-SHA256(K, version|issued|random) truncated to 16 bytes, where
// K = HMAC-SHA256(secret, "gatewarden/digest/nonce\x00" + realm). The server
// keeps no per-nonce state to accept one: any node holding the secret checks
// the tag and reads the issue time. The 88 random bits make every challenge's
// nonce distinct, so they key the nonce-count tracker.
const (
	nonceVersion = 1
	nonceRandLen = 11
	nonceTagLen  = 16
	nonceBodyLen = 1 + 8 + nonceRandLen
	nonceRawLen  = nonceBodyLen + nonceTagLen
	nonceTextLen = nonceRawLen / 3 * 4
)

// nonceKey identifies a nonce in the tracker: its issue time and random part.
type nonceKey [8 + nonceRandLen]byte

// nonceSecret is one shared secret, as a pool of ready HMAC states (hmac.New
// allocates; Reset does not) and the opaque value that goes with it.
type nonceSecret struct {
	pool   sync.Pool
	opaque string
}

type nonceMAC struct {
	_   incomparable
	h   hash.Hash
	in  [nonceBodyLen]byte
	sum [sha256.Size]byte
}

func (m *nonceMAC) tag() []byte {
	m.h.Reset()
	m.h.Write(m.in[:])
	return m.h.Sum(m.sum[:0])[:nonceTagLen]
}

// nonceBook issues nonces under the first secret and accepts them under any,
// so secrets can be rotated across a cluster without a flag day.
type nonceBook struct {
	secrets []*nonceSecret
}

func derive(secret []byte, label, realm string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(label))
	m.Write([]byte{0})
	m.Write([]byte(realm))
	return m.Sum(nil)
}

func newNonceBook(secrets [][]byte, realm string) *nonceBook {
	b := &nonceBook{}
	for _, s := range secrets {
		key := derive(s, "gatewarden/digest/nonce", realm)
		ns := &nonceSecret{
			// The opaque only has to come back unchanged; deriving it from
			// the secret lets every node agree on it without state.
			opaque: base64.RawURLEncoding.EncodeToString(derive(s, "gatewarden/digest/opaque", realm)[:12]),
		}
		ns.pool.New = func() any { return &nonceMAC{h: hmac.New(sha256.New, key)} }
		b.secrets = append(b.secrets, ns)
	}
	return b
}

// issue returns a fresh nonce under the first secret.
func (b *nonceBook) issue(now time.Time) string {
	var rnd [nonceRandLen]byte
	rand.Read(rnd[:]) // never fails since Go 1.24
	return b.seal(now.UnixNano(), rnd)
}

// seal builds the nonce for an issue time and random part (tests pin both).
func (b *nonceBook) seal(issued int64, rnd [nonceRandLen]byte) string {
	var raw [nonceRawLen]byte
	raw[0] = nonceVersion
	binary.BigEndian.PutUint64(raw[1:9], uint64(issued))
	copy(raw[9:nonceBodyLen], rnd[:])
	s := b.secrets[0]
	m := s.pool.Get().(*nonceMAC)
	copy(m.in[:], raw[:nonceBodyLen])
	copy(raw[nonceBodyLen:], m.tag())
	s.pool.Put(m)
	return base64.RawURLEncoding.EncodeToString(raw[:])
}

// check verifies a nonce and returns its issue time, tracker key and the
// index of the secret it was issued under.
func (b *nonceBook) check(nonce string) (issued int64, key nonceKey, secret int, ok bool) {
	var raw [nonceRawLen]byte
	if !decodeNonce(nonce, &raw) || raw[0] != nonceVersion {
		return 0, key, 0, false
	}
	for i, s := range b.secrets {
		m := s.pool.Get().(*nonceMAC)
		copy(m.in[:], raw[:nonceBodyLen])
		good := subtle.ConstantTimeCompare(m.tag(), raw[nonceBodyLen:]) == 1
		s.pool.Put(m)
		if good {
			copy(key[:], raw[1:nonceBodyLen])
			return int64(binary.BigEndian.Uint64(raw[1:9])), key, i, true
		}
	}
	return 0, key, 0, false
}

// b64url maps base64url characters to their 6-bit values; 0xFF marks the
// rest. Decoding by hand avoids the []byte conversion (and allocation) that
// encoding/base64 would need for a string.
var b64url = func() (t [256]byte) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for i := range t {
		t[i] = 0xFF
	}
	for i := 0; i < len(alphabet); i++ {
		t[alphabet[i]] = byte(i)
	}
	return t
}()

// decodeNonce decodes exactly nonceTextLen characters. With a length that is
// a multiple of four every bit of every character is used, so the encoding
// is one-to-one: two different strings never share a tracker key.
func decodeNonce(s string, dst *[nonceRawLen]byte) bool {
	if len(s) != nonceTextLen {
		return false
	}
	for i, j := 0, 0; i < len(s); i, j = i+4, j+3 {
		a, b, c, d := b64url[s[i]], b64url[s[i+1]], b64url[s[i+2]], b64url[s[i+3]]
		if (a|b|c|d)&0xC0 != 0 {
			return false
		}
		v := uint32(a)<<18 | uint32(b)<<12 | uint32(c)<<6 | uint32(d)
		dst[j], dst[j+1], dst[j+2] = byte(v>>16), byte(v>>8), byte(v)
	}
	return true
}
