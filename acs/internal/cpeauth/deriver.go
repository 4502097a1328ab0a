package cpeauth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"sync"
)

// Deriver is Password for one fleet secret, for callers that derive a
// password per request (the ACS's Digest check): keyed HMAC states are
// reused instead of set up from the secret each time. Safe for
// concurrent use.
type Deriver struct {
	pool sync.Pool
}

type deriverMAC struct {
	h   hash.Hash
	sum [sha256.Size]byte
	out [24]byte
}

// NewDeriver returns a Deriver for secret; the caller must not change
// secret afterwards.
func NewDeriver(secret []byte) *Deriver {
	d := &Deriver{}
	d.pool.New = func() any { return &deriverMAC{h: hmac.New(sha256.New, secret)} }
	return d
}

// Password equals Password(secret, serial).
func (d *Deriver) Password(serial string) string {
	m := d.pool.Get().(*deriverMAC)
	m.h.Reset()
	m.h.Write([]byte(passwordLabel))
	m.h.Write([]byte(serial))
	sum := m.h.Sum(m.sum[:0])
	base64.RawURLEncoding.Encode(m.out[:], sum[:18])
	pw := string(m.out[:])
	d.pool.Put(m)
	return pw
}
