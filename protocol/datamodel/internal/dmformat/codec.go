package dmformat

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Writer appends payload fields.
type Writer struct {
	buf []byte
}

// Bytes returns the payload written so far.
func (w *Writer) Bytes() []byte { return w.buf }

// Byte appends one byte.
func (w *Writer) Byte(b byte) { w.buf = append(w.buf, b) }

// Uvarint appends an unsigned varint.
func (w *Writer) Uvarint(v uint64) { w.buf = binary.AppendUvarint(w.buf, v) }

// Varint appends a zig-zag signed varint.
func (w *Writer) Varint(v int64) { w.buf = binary.AppendVarint(w.buf, v) }

// Raw appends bytes as they are.
func (w *Writer) Raw(b []byte) { w.buf = append(w.buf, b...) }

// Reader consumes payload fields. The first malformed field sets Err; later
// reads then return zero values, so callers check Err once at the end. It
// reads a string so that the strings it returns share the payload's memory.
type Reader struct {
	_   incomparable
	buf string
	pos int
	Err error
}

// NewReader reads from a payload.
func NewReader(s string) *Reader { return &Reader{buf: s} }

func (r *Reader) fail(what string) {
	if r.Err == nil {
		r.Err = fmt.Errorf("truncated or corrupt %s at offset %d", what, r.pos)
	}
}

// Done reports whether the whole payload was consumed.
func (r *Reader) Done() bool { return r.pos == len(r.buf) }

// Seek moves to offset pos, one a previous Pos returned.
func (r *Reader) Seek(pos int) {
	if pos < 0 || pos > len(r.buf) {
		r.fail("offset")
		return
	}
	r.pos = pos
}

// Byte reads one byte.
func (r *Reader) Byte() byte {
	if r.Err != nil || r.pos >= len(r.buf) {
		r.fail("byte")
		return 0
	}
	b := r.buf[r.pos]
	r.pos++
	return b
}

// Uvarint reads an unsigned varint (encoding/binary's layout).
func (r *Reader) Uvarint() uint64 {
	if r.Err != nil {
		return 0
	}
	var v uint64
	var shift uint
	for i := 0; i < binary.MaxVarintLen64; i++ {
		if r.pos+i >= len(r.buf) {
			break
		}
		b := r.buf[r.pos+i]
		if b < 0x80 {
			if i == binary.MaxVarintLen64-1 && b > 1 {
				break // overflows 64 bits
			}
			r.pos += i + 1
			return v | uint64(b)<<shift
		}
		v |= uint64(b&0x7f) << shift
		shift += 7
	}
	r.fail("uvarint")
	return 0
}

// Int reads a uvarint that must be below limit, as counts and indexes are.
func (r *Reader) Int(limit int) int {
	v := r.Uvarint()
	if v >= uint64(limit) {
		r.fail("index or count")
		return 0
	}
	return int(v)
}

// Varint reads a zig-zag signed varint.
func (r *Reader) Varint() int64 {
	u := r.Uvarint()
	v := int64(u >> 1)
	if u&1 != 0 {
		v = ^v
	}
	return v
}

// Raw reads n bytes without copying them.
func (r *Reader) Raw(n int) string {
	if r.Err != nil || n < 0 || n > len(r.buf)-r.pos {
		r.fail("bytes")
		return ""
	}
	s := r.buf[r.pos : r.pos+n]
	r.pos += n
	return s
}

// maxPayload bounds the length a file may announce, so that a corrupt
// header cannot make the decoder allocate gigabytes.
const maxPayload = 64 << 20

// Pack frames and compresses a payload.
func Pack(payload []byte) ([]byte, error) {
	var out bytes.Buffer
	out.WriteString(Magic)
	out.WriteByte(Version)
	out.Write(binary.AppendUvarint(nil, uint64(len(payload))))
	fw, err := flate.NewWriter(&out, flate.BestCompression)
	if err != nil {
		return nil, fmt.Errorf("create deflate writer: %w", err)
	}
	if _, err := fw.Write(payload); err != nil {
		return nil, fmt.Errorf("compress payload: %w", err)
	}
	if err := fw.Close(); err != nil {
		return nil, fmt.Errorf("compress payload: %w", err)
	}
	return out.Bytes(), nil
}

// Unpack checks a file's framing and returns its decompressed payload, as
// a string so that a decoder can hand out pieces of it without copies.
func Unpack(file string) (string, error) {
	if len(file) < len(Magic)+1 || file[:len(Magic)] != Magic {
		return "", errors.New("not a schema file: bad magic")
	}
	if v := file[len(Magic)]; v != Version {
		return "", fmt.Errorf("schema file format %d, want %d", v, Version)
	}
	rest := file[len(Magic)+1:]
	size, n := binary.Uvarint([]byte(rest[:min(len(rest), binary.MaxVarintLen64)]))
	if n <= 0 || size > maxPayload {
		return "", errors.New("schema file has a bad payload length")
	}
	fr := flate.NewReader(strings.NewReader(rest[n:]))
	defer fr.Close()
	var payload strings.Builder
	payload.Grow(int(size))
	if m, err := io.CopyN(&payload, fr, int64(size)); err != nil {
		return "", fmt.Errorf("decompress schema: %w (%d of %d bytes)", err, m, size)
	}
	var extra [1]byte
	if m, err := fr.Read(extra[:]); m != 0 || !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("schema payload does not end where announced (%v)", err)
	}
	return payload.String(), nil
}

// Pos returns the offset of the next field.
func (r *Reader) Pos() int { return r.pos }
