package image

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/subtle"
	"encoding"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"
)

// Sink receives what a Verifier releases.
type Sink interface {
	// Start runs once, when the header is signed by a trusted key and fits
	// the board, before any payload byte. It is not called again after
	// UnmarshalBinary: the installer already knows the header then.
	Start(h *Header) error
	// Payload gets entry index's bytes at offset off within the entry, in order.
	// A payload's hash is checked only after its last byte was delivered.
	Payload(index int, off int64, p []byte) error
}

// Verifier checks a package fed to it through Write. It is an io.Writer,
// so io.Copy(v, body) streams a download through it.
type Verifier struct {
	keys  *Keyring
	board string
	sink  Sink

	raw    []byte // preamble, header body and signature (kept for MarshalBinary)
	need   int    // length raw must reach
	header *Header
	signer KeyID

	off      int64 // package bytes consumed
	entry    int
	entryOff int64
	h        hash.Hash
	done     bool
	err      error

	allowUnsigned bool // Pack without a key checks its own output
}

// NewVerifier checks a package against keys and, unless board is "",
// the board. sink may be nil when only the verdict matters.
func NewVerifier(keys *Keyring, board string, sink Sink) *Verifier {
	return &Verifier{keys: keys, board: board, sink: sink, need: PreambleSize, h: sha256.New()}
}

// Header is the verified header, nil until the signature checked out.
func (v *Verifier) Header() *Header { return v.header }

// Signer is the ID of the key that signed the package (valid once Header is not nil).
func (v *Verifier) Signer() KeyID { return v.signer }

// Offset is the number of package bytes consumed so far.
func (v *Verifier) Offset() int64 { return v.off }

// Position is the payload entry the next byte belongs to and the offset
// within it (len(Header().Entries), 0 once done).
func (v *Verifier) Position() (entry int, off int64) { return v.entry, v.entryOff }

// Done reports whether the last payload byte arrived and checked out.
func (v *Verifier) Done() bool { return v.done && v.err == nil }

// Err is the sticky error, if any.
func (v *Verifier) Err() error { return v.err }

// Write consumes package bytes. After the first error every call returns it.
func (v *Verifier) Write(p []byte) (int, error) {
	if v.err != nil {
		return 0, v.err
	}
	total := len(p)
	for len(p) > 0 {
		var n int
		switch {
		case v.done:
			v.err = newError(ErrTrailingData, v.off, "the last payload ended at byte %d", v.off)
			return total - len(p), v.err
		case v.header == nil:
			n = v.writeHead(p)
		default:
			n = v.writePayload(p)
		}
		p = p[n:]
		if v.err != nil {
			return total - len(p), v.err
		}
	}
	return total, nil
}

func (v *Verifier) writeHead(p []byte) int {
	n := min(v.need-len(v.raw), len(p))
	v.raw = append(v.raw, p[:n]...)
	v.off += int64(n)
	// Reject a foreign file on its first bytes, not after buffering 64 KiB.
	if m := min(len(v.raw), len(Magic)); !bytes.Equal(v.raw[:m], []byte(Magic)[:m]) {
		v.err = newError(ErrBadMagic, 0, "file starts with %q", v.raw[:m])
		return n
	}
	if len(v.raw) < v.need {
		return n
	}
	if v.need == PreambleSize {
		v.err = v.checkPreamble()
		return n
	}
	v.err = v.checkHead()
	if v.err == nil {
		v.skipEmpty()
	}
	return n
}

func (v *Verifier) checkPreamble() error {
	if f := binary.BigEndian.Uint16(v.raw[4:]); f != FormatVersion {
		return newError(ErrUnsupportedFormat, 4, "format version %d, this reader knows %d", f, FormatVersion)
	}
	if fl := binary.BigEndian.Uint16(v.raw[6:]); fl != 0 {
		return newError(ErrUnsupportedFormat, 6, "unknown flags %#04x", fl)
	}
	hl := binary.BigEndian.Uint32(v.raw[8:])
	if hl == 0 || hl > MaxHeaderSize {
		return newError(ErrMalformedHeader, 8, "header length %d outside 1..%d", hl, MaxHeaderSize)
	}
	v.need = PreambleSize + int(hl) + SignatureSize
	return nil
}

func (v *Verifier) checkHead() error {
	var h *Header
	var signer KeyID
	var err error
	if v.allowUnsigned {
		h, err = ParseHeaderBody(v.raw[PreambleSize : len(v.raw)-SignatureSize])
		if err != nil {
			return &Error{Kind: ErrMalformedHeader, Offset: PreambleSize, Detail: err.Error()}
		}
	} else if h, signer, err = verifyHead(v.raw, v.keys, v.board); err != nil {
		return err
	}
	v.header, v.signer = h, signer
	if v.sink != nil {
		if err := v.sink.Start(h); err != nil {
			return &Error{Kind: ErrSink, Offset: v.off, Detail: "start", Err: err}
		}
	}
	return nil
}

// verifyHead checks the signature before parsing, so the parser only ever
// sees bytes a trusted key signed. raw is preamble, body and signature.
func verifyHead(raw []byte, keys *Keyring, board string) (*Header, KeyID, error) {
	signed := raw[:len(raw)-SignatureSize]
	sigOff := int64(len(signed))
	var sig Signature
	copy(sig.KeyID[:], raw[len(signed):])
	copy(sig.Sig[:], raw[len(signed)+KeyIDSize:])
	if sig.isZero() {
		return nil, KeyID{}, newError(ErrNotSigned, sigOff, "signature block is empty (sign it with fwtool sign)")
	}
	pub, ok := keys.lookup(sig.KeyID)
	if !ok {
		return nil, KeyID{}, newError(ErrUnknownKey, sigOff, "key ID %s is not among the %d trusted keys", sig.KeyID, keys.Len())
	}
	if !ed25519.Verify(pub, signed, sig.Sig[:]) {
		return nil, KeyID{}, newError(ErrBadSignature, sigOff, "header or signature altered (key ID %s)", sig.KeyID)
	}
	h, err := ParseHeaderBody(signed[PreambleSize:])
	if err != nil {
		return nil, KeyID{}, &Error{Kind: ErrMalformedHeader, Offset: PreambleSize, Detail: err.Error()}
	}
	if board != "" && !h.HasBoard(board) {
		return nil, KeyID{}, newError(ErrBoardMismatch, PreambleSize, "this board is %q, the package fits %q", board, h.Boards)
	}
	return h, sig.KeyID, nil
}

func (v *Verifier) writePayload(p []byte) int {
	e := &v.header.Entries[v.entry]
	n := int(min(int64(len(p)), e.Size-v.entryOff))
	chunk := p[:n]
	v.h.Write(chunk)
	if v.sink != nil {
		if err := v.sink.Payload(v.entry, v.entryOff, chunk); err != nil {
			v.err = &Error{Kind: ErrSink, Offset: v.off, Detail: fmt.Sprintf("entry %q", e.Name), Err: err}
			return n
		}
	}
	v.entryOff += int64(n)
	v.off += int64(n)
	if v.entryOff == e.Size {
		v.finishEntry()
	}
	return n
}

func (v *Verifier) finishEntry() {
	e := &v.header.Entries[v.entry]
	sum := v.h.Sum(nil)
	if subtle.ConstantTimeCompare(sum, e.SHA256[:]) != 1 {
		v.err = newError(ErrHashMismatch, v.off, "entry %q: sha256 %x, header says %x", e.Name, sum, e.SHA256[:])
		return
	}
	v.entry++
	v.entryOff = 0
	v.h.Reset()
	v.skipEmpty()
}

// skipEmpty completes zero-length entries, which have no bytes to wait for.
func (v *Verifier) skipEmpty() {
	for v.err == nil && v.entry < len(v.header.Entries) && v.header.Entries[v.entry].Size == 0 {
		v.finishEntry()
	}
	if v.err == nil && v.entry == len(v.header.Entries) {
		v.done = true
	}
}

// Close says the input ended. It returns nil only for a complete package.
func (v *Verifier) Close() error {
	if v.err != nil {
		return v.err
	}
	if v.done {
		return nil
	}
	if v.header == nil {
		v.err = newError(ErrTruncated, v.off, "input ends inside the header (%d of %d bytes)", len(v.raw), v.need)
		return v.err
	}
	e := v.header.Entries[v.entry]
	v.err = newError(ErrTruncated, v.off, "input ends inside entry %q (%d of %d bytes)", e.Name, v.entryOff, e.Size)
	return v.err
}

// Verify reads a whole package from r and checks it against keys and,
// unless board is "", the board. Payload bytes are hashed and dropped.
func Verify(r io.Reader, keys *Keyring, board string) (*Header, error) {
	v := NewVerifier(keys, board, nil)
	buf := make([]byte, 32<<10)
	for {
		n, rerr := r.Read(buf)
		if n > 0 {
			if _, err := v.Write(buf[:n]); err != nil {
				return nil, err
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return nil, fmt.Errorf("read package at byte %d: %w", v.off, rerr)
		}
	}
	if err := v.Close(); err != nil {
		return nil, err
	}
	return v.header, nil
}

const stateVersion = 1

// MarshalBinary saves the verifier's progress (the signed header bytes,
// offsets and the running SHA-256 state), so an install resumes after a
// power cut without re-reading what was already written.
func (v *Verifier) MarshalBinary() ([]byte, error) {
	if v.err != nil {
		return nil, fmt.Errorf("verifier failed, nothing to save: %w", v.err)
	}
	if v.header == nil {
		return nil, errors.New("verifier has not checked a header yet")
	}
	hs, err := v.h.(encoding.BinaryMarshaler).MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("save hash state: %w", err)
	}
	b := make([]byte, 0, 1+4+len(v.raw)+8+2+8+2+len(hs))
	b = append(b, stateVersion)
	b = binary.BigEndian.AppendUint32(b, uint32(len(v.raw)))
	b = append(b, v.raw...)
	b = binary.BigEndian.AppendUint64(b, uint64(v.off))
	b = binary.BigEndian.AppendUint16(b, uint16(v.entry))
	b = binary.BigEndian.AppendUint64(b, uint64(v.entryOff))
	b = binary.BigEndian.AppendUint16(b, uint16(len(hs)))
	b = append(b, hs...)
	return b, nil
}

// UnmarshalBinary restores progress saved by MarshalBinary into a verifier
// made by NewVerifier. The saved header's signature is checked again with
// this verifier's keys and board, so a tampered state file cannot smuggle
// in another header; the payload hashes keep guarding the rest.
func (v *Verifier) UnmarshalBinary(b []byte) error {
	d := decoder{b: b}
	if ver := d.take(1, "state version"); d.err == nil && ver[0] != stateVersion {
		return fmt.Errorf("verifier state version %d unknown", ver[0])
	}
	rl := d.take(4, "header length")
	if d.err != nil {
		return fmt.Errorf("verifier state: %w", d.err)
	}
	n := binary.BigEndian.Uint32(rl)
	if n < PreambleSize+SignatureSize || n > PreambleSize+MaxHeaderSize+SignatureSize {
		return fmt.Errorf("verifier state: header length %d out of range", n)
	}
	raw := d.take(int(n), "header")
	off := int64(d.u64("offset"))
	entry := int(d.u16("entry"))
	entryOff := int64(d.u64("entry offset"))
	hs := d.take(int(d.u16("hash length")), "hash state")
	if d.err != nil {
		return fmt.Errorf("verifier state: %w", d.err)
	}
	if len(d.b) != 0 {
		return errors.New("verifier state: trailing bytes")
	}
	if string(raw[:len(Magic)]) != Magic || int(binary.BigEndian.Uint32(raw[8:]))+PreambleSize+SignatureSize != len(raw) {
		return errors.New("verifier state: header bytes inconsistent")
	}
	h, signer, err := verifyHead(raw, v.keys, v.board)
	if err != nil {
		return fmt.Errorf("verifier state: %w", err)
	}
	if entry > len(h.Entries) || entryOff < 0 ||
		(entry < len(h.Entries) && entryOff >= h.Entries[entry].Size) || (entry == len(h.Entries) && entryOff != 0) {
		return fmt.Errorf("verifier state: position entry %d offset %d outside the payloads", entry, entryOff)
	}
	var want int64 = int64(len(raw)) + entryOff
	for i := 0; i < entry; i++ {
		want += h.Entries[i].Size
	}
	if off != want {
		return fmt.Errorf("verifier state: offset %d does not match entry %d offset %d", off, entry, entryOff)
	}
	hh := sha256.New()
	if err := hh.(encoding.BinaryUnmarshaler).UnmarshalBinary(hs); err != nil {
		return fmt.Errorf("verifier state hash: %w", err)
	}
	*v = Verifier{keys: v.keys, board: v.board, sink: v.sink, raw: append([]byte(nil), raw...), need: len(raw),
		header: h, signer: signer, off: off, entry: entry, entryOff: entryOff, h: hh, done: entry == len(h.Entries)}
	return nil
}
