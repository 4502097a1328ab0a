package image

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"io"
	mrand "math/rand/v2"
	"testing"
)

type testKey struct {
	priv ed25519.PrivateKey
	pub  ed25519.PublicKey
}

func newKey(t testing.TB) testKey {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return testKey{priv, pub}
}

// buildPackage packs payloads named p0, p1... for the boards given.
func buildPackage(t testing.TB, key ed25519.PrivateKey, boards []string, payloads ...[]byte) []byte {
	t.Helper()
	h := &Header{Version: "2.1.0", Boards: boards}
	var rs []io.Reader
	for i, p := range payloads {
		e, err := EntryFrom(string(rune('a'+i))+"fs", "slot"+string(rune('0'+i)), bytes.NewReader(p))
		if err != nil {
			t.Fatal(err)
		}
		h.Entries = append(h.Entries, e)
		rs = append(rs, bytes.NewReader(p))
	}
	var out bytes.Buffer
	if err := Pack(&out, h, rs, key); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func randBytes(n int, seed uint64) []byte {
	r := mrand.New(mrand.NewPCG(seed, 1))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

type recSink struct {
	started *Header
	data    map[int]*bytes.Buffer
}

func (s *recSink) Start(h *Header) error { s.started = h; s.data = map[int]*bytes.Buffer{}; return nil }
func (s *recSink) Payload(i int, off int64, p []byte) error {
	b := s.data[i]
	if b == nil {
		b = &bytes.Buffer{}
		s.data[i] = b
	}
	if int64(b.Len()) != off {
		return errors.New("out of order")
	}
	b.Write(p)
	return nil
}

func TestRoundTrip(t *testing.T) {
	k := newKey(t)
	p0, p1 := randBytes(100_000, 1), randBytes(3, 2)
	pkg := buildPackage(t, k.priv, []string{"gw-a", "gw-b"}, p0, []byte{}, p1)
	h, err := Verify(bytes.NewReader(pkg), NewKeyring(k.pub), "gw-b")
	if err != nil {
		t.Fatal(err)
	}
	if h.Version != "2.1.0" || len(h.Entries) != 3 || h.PayloadSize() != int64(len(p0)+len(p1)) {
		t.Fatalf("header %+v", h)
	}
	sink := &recSink{}
	v := NewVerifier(NewKeyring(k.pub), "gw-a", sink)
	// Feed in odd-sized chunks to cross every boundary.
	for off := 0; off < len(pkg); off += 7 {
		if _, err := v.Write(pkg[off:min(off+7, len(pkg))]); err != nil {
			t.Fatal(err)
		}
	}
	if err := v.Close(); err != nil {
		t.Fatal(err)
	}
	if sink.started == nil || !bytes.Equal(sink.data[0].Bytes(), p0) || !bytes.Equal(sink.data[2].Bytes(), p1) {
		t.Fatal("sink got other bytes than packed")
	}
	if v.Signer() != KeyIDOf(k.pub) {
		t.Fatal("signer id")
	}
}

func TestRejections(t *testing.T) {
	k, other := newKey(t), newKey(t)
	pkg := buildPackage(t, k.priv, []string{"gw-a"}, randBytes(5000, 3))
	ring := NewKeyring(k.pub)
	flip := func(i int) []byte {
		c := bytes.Clone(pkg)
		c[i] ^= 0x10
		return c
	}
	var unsigned bytes.Buffer
	h, _, err := ReadHeader(bytes.NewReader(pkg))
	if err != nil {
		t.Fatal(err)
	}
	if err := Pack(&unsigned, h, []io.Reader{bytes.NewReader(pkg[len(pkg)-5000:])}, nil); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		data  []byte
		keys  *Keyring
		board string
		want  error
	}{
		{"empty", nil, ring, "", ErrTruncated},
		{"magic", flip(0), ring, "", ErrBadMagic},
		{"format", flip(5), ring, "", ErrUnsupportedFormat},
		{"header length", flip(9), ring, "", ErrMalformedHeader},
		{"header byte", flip(PreambleSize + 3), ring, "", ErrBadSignature},
		{"key id", flip(len(pkg) - 5000 - SignatureSize), ring, "", ErrUnknownKey},
		{"signature", flip(len(pkg) - 5000 - 1), ring, "", ErrBadSignature},
		{"payload", flip(len(pkg) - 10), ring, "", ErrHashMismatch},
		{"truncated", pkg[:len(pkg)-1], ring, "", ErrTruncated},
		{"truncated head", pkg[:20], ring, "", ErrTruncated},
		{"trailing", append(bytes.Clone(pkg), 0), ring, "", ErrTrailingData},
		{"wrong key", pkg, NewKeyring(other.pub), "", ErrUnknownKey},
		{"no keys", pkg, nil, "", ErrUnknownKey},
		{"wrong board", pkg, ring, "gw-z", ErrBoardMismatch},
		{"unsigned", unsigned.Bytes(), ring, "", ErrNotSigned},
	}
	for _, c := range cases {
		_, err := Verify(bytes.NewReader(c.data), c.keys, c.board)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
		}
		var e *Error
		if err != nil && !errors.As(err, &e) {
			t.Errorf("%s: %v is not an *Error", c.name, err)
		}
	}
}

func TestResumeState(t *testing.T) {
	k := newKey(t)
	p0, p1 := randBytes(70_000, 4), randBytes(9_000, 5)
	pkg := buildPackage(t, k.priv, []string{"gw-a"}, p0, p1)
	ring := NewKeyring(k.pub)
	early := NewVerifier(ring, "gw-a", nil)
	early.Write(pkg[:200])
	if _, err := early.MarshalBinary(); err == nil {
		t.Fatal("state saved before the header was verified")
	}
	for _, cut := range []int{40_000, len(pkg) - 9_000, len(pkg) - 1, len(pkg)} {
		sink := &recSink{}
		v := NewVerifier(ring, "gw-a", sink)
		if _, err := v.Write(pkg[:cut]); err != nil {
			t.Fatal(err)
		}
		state, err := v.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		v2 := NewVerifier(ring, "gw-a", sink)
		if err := v2.UnmarshalBinary(state); err != nil {
			t.Fatalf("cut %d: %v", cut, err)
		}
		if v2.Offset() != int64(cut) {
			t.Fatalf("offset %d want %d", v2.Offset(), cut)
		}
		if _, err := v2.Write(pkg[cut:]); err != nil {
			t.Fatal(err)
		}
		if err := v2.Close(); err != nil {
			t.Fatalf("cut %d: %v", cut, err)
		}
		if !bytes.Equal(sink.data[1].Bytes(), p1) {
			t.Fatal("payload differs after resume")
		}
		// A state restored with another key ring must not resume.
		if err := NewVerifier(NewKeyring(newKey(t).pub), "", nil).UnmarshalBinary(state); err == nil {
			t.Fatal("state accepted without the signing key")
		}
		if err := NewVerifier(ring, "gw-other", nil).UnmarshalBinary(state); err == nil {
			t.Fatal("state accepted for another board")
		}
	}
}

func TestResumeDetectsCorruptHashState(t *testing.T) {
	k := newKey(t)
	pkg := buildPackage(t, k.priv, []string{"gw-a"}, randBytes(10_000, 6))
	ring := NewKeyring(k.pub)
	v := NewVerifier(ring, "", nil)
	v.Write(pkg[:len(pkg)-100])
	state, _ := v.MarshalBinary()
	// sha256 state: 4-byte magic, 8 chaining words, 64-byte block, length.
	state[len(state)-108+4+1] ^= 1
	v2 := NewVerifier(ring, "", nil)
	if err := v2.UnmarshalBinary(state); err != nil {
		return
	}
	v2.Write(pkg[len(pkg)-100:])
	if err := v2.Close(); !errors.Is(err, ErrHashMismatch) {
		t.Fatalf("got %v", err)
	}
}

func TestSign(t *testing.T) {
	k1, k2 := newKey(t), newKey(t)
	pkg := buildPackage(t, k1.priv, []string{"gw-a"}, randBytes(1000, 7))
	var out bytes.Buffer
	if _, err := Sign(&out, bytes.NewReader(pkg), k2.priv); err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(bytes.NewReader(out.Bytes()), NewKeyring(k2.pub), "gw-a"); err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(bytes.NewReader(out.Bytes()), NewKeyring(k1.pub), ""); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("old key still verifies: %v", err)
	}
	bad := bytes.Clone(pkg)
	bad[len(bad)-1] ^= 1
	if _, err := Sign(io.Discard, bytes.NewReader(bad), k2.priv); !errors.Is(err, ErrHashMismatch) {
		t.Fatalf("signing a corrupt package: %v", err)
	}
}

func TestKeysPEM(t *testing.T) {
	k1, k2 := newKey(t), newKey(t)
	privPEM, err := MarshalPrivateKey(k1.priv)
	if err != nil {
		t.Fatal(err)
	}
	priv, err := ParsePrivateKey(privPEM)
	if err != nil || !priv.Equal(k1.priv) {
		t.Fatalf("private round trip: %v", err)
	}
	a, _ := MarshalPublicKey(k1.pub)
	b, _ := MarshalPublicKey(k2.pub)
	keys, err := ParsePublicKeys(append(a, b...))
	if err != nil || len(keys) != 2 || !keys[1].Equal(k2.pub) {
		t.Fatalf("public keys: %v %d", err, len(keys))
	}
	if _, err := ParsePublicKeys(privPEM); err == nil {
		t.Fatal("private key accepted as public")
	}
	if _, err := ParsePrivateKey(a); err == nil {
		t.Fatal("public key accepted as private")
	}
	if _, err := ParsePublicKeys([]byte("junk")); err == nil {
		t.Fatal("junk accepted")
	}
}

func TestHeaderLimits(t *testing.T) {
	e := Entry{Name: "rootfs", Target: "rootfs", Size: 1}
	bad := []*Header{
		{Version: "", Boards: []string{"a"}, Entries: []Entry{e}},
		{Version: "1 0", Boards: []string{"a"}, Entries: []Entry{e}},
		{Version: "1", Boards: nil, Entries: []Entry{e}},
		{Version: "1", Boards: []string{"a", "a"}, Entries: []Entry{e}},
		{Version: "1", Boards: []string{"a"}},
		{Version: "1", Boards: []string{"a"}, Entries: []Entry{e, e}},
		{Version: "1", Boards: []string{"a"}, Entries: []Entry{{Name: "x", Target: "y", Size: -1}}},
	}
	for i, h := range bad {
		if _, err := h.encode(); err == nil {
			t.Errorf("header %d accepted", i)
		}
	}
}
