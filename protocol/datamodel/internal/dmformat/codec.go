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
// reads then return zero values, so callers check Err once at the end.
type Reader struct {
	buf []byte
	pos int
	Err error
}

// NewReader reads from a payload.
func NewReader(b []byte) *Reader { return &Reader{buf: b} }

func (r *Reader) fail(what string) {
	if r.Err == nil {
		r.Err = fmt.Errorf("truncated or corrupt %s at offset %d", what, r.pos)
	}
}

// Done reports whether the whole payload was consumed.
func (r *Reader) Done() bool { return r.pos == len(r.buf) }

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

// Uvarint reads an unsigned varint.
func (r *Reader) Uvarint() uint64 {
	if r.Err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.buf[r.pos:])
	if n <= 0 {
		r.fail("uvarint")
		return 0
	}
	r.pos += n
	return v
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
	if r.Err != nil {
		return 0
	}
	v, n := binary.Varint(r.buf[r.pos:])
	if n <= 0 {
		r.fail("varint")
		return 0
	}
	r.pos += n
	return v
}

// Raw reads n bytes without copying them.
func (r *Reader) Raw(n int) []byte {
	if r.Err != nil || n < 0 || n > len(r.buf)-r.pos {
		r.fail("bytes")
		return nil
	}
	b := r.buf[r.pos : r.pos+n]
	r.pos += n
	return b
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

// Unpack checks a file's framing and returns its decompressed payload.
func Unpack(file string) ([]byte, error) {
	if len(file) < len(Magic)+1 || file[:len(Magic)] != Magic {
		return nil, errors.New("not a schema file: bad magic")
	}
	if v := file[len(Magic)]; v != Version {
		return nil, fmt.Errorf("schema file format %d, want %d", v, Version)
	}
	rest := file[len(Magic)+1:]
	size, n := binary.Uvarint([]byte(rest[:min(len(rest), binary.MaxVarintLen64)]))
	if n <= 0 || size > maxPayload {
		return nil, errors.New("schema file has a bad payload length")
	}
	payload := make([]byte, size)
	fr := flate.NewReader(strings.NewReader(rest[n:]))
	defer fr.Close()
	if _, err := io.ReadFull(fr, payload); err != nil {
		return nil, fmt.Errorf("decompress schema: %w", err)
	}
	var extra [1]byte
	if m, err := fr.Read(extra[:]); m != 0 || !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("schema payload does not end where announced (%v)", err)
	}
	return payload, nil
}

// Pos returns the offset of the next field.
func (r *Reader) Pos() int { return r.pos }
