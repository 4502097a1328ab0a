package image

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
)

// Signature is the block after the header: who signed it, and the signature.
type Signature struct {
	KeyID KeyID
	Sig   [ed25519.SignatureSize]byte
}

func (s Signature) isZero() bool { return s == Signature{} }

// Signed reports whether the block holds a signature at all.
func (s Signature) Signed() bool { return !s.isZero() }

// EntryFrom hashes r to describe one payload.
func EntryFrom(name, target string, r io.Reader) (Entry, error) {
	h := sha256.New()
	n, err := io.Copy(h, r)
	if err != nil {
		return Entry{}, fmt.Errorf("hash payload %q: %w", name, err)
	}
	e := Entry{Name: name, Target: target, Size: n}
	copy(e.SHA256[:], h.Sum(nil))
	return e, nil
}

// encodeHead returns preamble, header body and signature block; key nil
// leaves the package unsigned (for signing elsewhere with Sign).
func encodeHead(h *Header, key ed25519.PrivateKey) ([]byte, error) {
	body, err := h.encode()
	if err != nil {
		return nil, err
	}
	b := make([]byte, 0, PreambleSize+len(body)+SignatureSize)
	b = append(b, Magic...)
	b = binary.BigEndian.AppendUint16(b, FormatVersion)
	b = binary.BigEndian.AppendUint16(b, 0)
	b = binary.BigEndian.AppendUint32(b, uint32(len(body)))
	b = append(b, body...)
	if key == nil {
		return append(b, make([]byte, SignatureSize)...), nil
	}
	pub, ok := key.Public().(ed25519.PublicKey)
	if !ok || len(key) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("signing key is not a valid ed25519 key")
	}
	id := KeyIDOf(pub)
	sig := ed25519.Sign(key, b)
	b = append(b, id[:]...)
	return append(b, sig...), nil
}

// Pack writes a package: the header (entries must already carry sizes and
// hashes, see EntryFrom) and payloads[i] for entry i. Every payload is
// checked against its entry while it is copied, so a file that changed
// between hashing and packing fails instead of producing a bad package.
func Pack(w io.Writer, h *Header, payloads []io.Reader, key ed25519.PrivateKey) error {
	if len(payloads) != len(h.Entries) {
		return fmt.Errorf("pack: %d payloads for %d entries", len(payloads), len(h.Entries))
	}
	head, err := encodeHead(h, key)
	if err != nil {
		return fmt.Errorf("pack: %w", err)
	}
	return emit(w, head, io.MultiReader(payloads...), key)
}

// Sign writes r's package to w with its signature replaced by one made
// with key. The payloads are checked against the header on the way through.
func Sign(w io.Writer, r io.Reader, key ed25519.PrivateKey) (*Header, error) {
	h, _, err := ReadHeader(r)
	if err != nil {
		return nil, err
	}
	head, err := encodeHead(h, key)
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	return h, emit(w, head, r, key)
}

// emit writes head and payload, feeding both through a Verifier keyed
// with key's public half (or no check of the signature when unsigned).
func emit(w io.Writer, head []byte, payload io.Reader, key ed25519.PrivateKey) error {
	var v *Verifier
	if key != nil {
		v = NewVerifier(NewKeyring(key.Public().(ed25519.PublicKey)), "", nil)
	} else {
		v = newUnsignedChecker()
	}
	if _, err := w.Write(head); err != nil {
		return fmt.Errorf("write header: %w", err)
	}
	if _, err := v.Write(head); err != nil {
		return err
	}
	if _, err := io.Copy(io.MultiWriter(v, w), payload); err != nil {
		return fmt.Errorf("write payload: %w", err)
	}
	return v.Close()
}

// newUnsignedChecker is a Verifier that accepts an empty signature block,
// for packing without a key.
func newUnsignedChecker() *Verifier {
	v := NewVerifier(nil, "", nil)
	v.allowUnsigned = true
	return v
}

// ReadHeader reads the preamble, header and signature block from r
// without verifying anything but the structure (fwtool inspect). r is left
// at the first payload byte.
func ReadHeader(r io.Reader) (*Header, Signature, error) {
	pre := make([]byte, PreambleSize)
	if _, err := io.ReadFull(r, pre); err != nil {
		return nil, Signature{}, headReadErr(err, 0)
	}
	if string(pre[:4]) != Magic {
		return nil, Signature{}, newError(ErrBadMagic, 0, "file starts with %q", pre[:4])
	}
	if f := binary.BigEndian.Uint16(pre[4:]); f != FormatVersion {
		return nil, Signature{}, newError(ErrUnsupportedFormat, 4, "format version %d, this reader knows %d", f, FormatVersion)
	}
	if fl := binary.BigEndian.Uint16(pre[6:]); fl != 0 {
		return nil, Signature{}, newError(ErrUnsupportedFormat, 6, "unknown flags %#04x", fl)
	}
	hl := binary.BigEndian.Uint32(pre[8:])
	if hl == 0 || hl > MaxHeaderSize {
		return nil, Signature{}, newError(ErrMalformedHeader, 8, "header length %d outside 1..%d", hl, MaxHeaderSize)
	}
	rest := make([]byte, int(hl)+SignatureSize)
	if _, err := io.ReadFull(r, rest); err != nil {
		return nil, Signature{}, headReadErr(err, PreambleSize)
	}
	h, err := ParseHeaderBody(rest[:hl])
	if err != nil {
		return nil, Signature{}, &Error{Kind: ErrMalformedHeader, Offset: PreambleSize, Detail: err.Error()}
	}
	var sig Signature
	copy(sig.KeyID[:], rest[hl:])
	copy(sig.Sig[:], rest[int(hl)+KeyIDSize:])
	return h, sig, nil
}

func headReadErr(err error, off int64) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return newError(ErrTruncated, off, "input ends inside the header")
	}
	return fmt.Errorf("read package header: %w", err)
}
