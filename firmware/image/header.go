package image

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
)

// Layout constants of format version 1.
const (
	Magic         = "GWFW"
	FormatVersion = 1
	// PreambleSize: magic, format version, flags, header length.
	PreambleSize = 4 + 2 + 2 + 4
	// SignatureSize: key ID and ed25519 signature.
	SignatureSize = KeyIDSize + 64
	KeyIDSize     = 8
	// MaxHeaderSize bounds what a reader buffers before the signature is
	// checked, so a hostile length field cannot make it allocate more.
	MaxHeaderSize = 64 << 10

	MaxVersionLen = 64
	MaxBoards     = 64
	MaxBoardLen   = 64
	MaxEntries    = 16
	MaxNameLen    = 64
	// MaxEntrySize is far above any router flash; it keeps offsets in int64.
	MaxEntrySize = 1 << 40
)

// Header is the signed description of a package.
type Header struct {
	// Version is the firmware version the package installs (SoftwareVersion after boot).
	Version string `json:"version"`
	// Boards the package fits; a device accepts it only if its board is listed.
	Boards  []string `json:"boards"`
	Entries []Entry  `json:"entries"`
}

// Entry is one payload: its bytes follow the signature in header order.
type Entry struct {
	_      [0]func() // not comparable: spares the binary an equality function
	Name   string    `json:"name"`
	Target string    `json:"target"`
	Size   int64     `json:"size"`
	SHA256 HexBytes  `json:"sha256"`
}

// HexBytes prints as lowercase hex in JSON (fwtool inspect).
type HexBytes [sha256.Size]byte

// MarshalText implements encoding.TextMarshaler.
func (h HexBytes) MarshalText() ([]byte, error) { return []byte(hex.EncodeToString(h[:])), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (h *HexBytes) UnmarshalText(b []byte) error {
	if hex.DecodedLen(len(b)) != len(h) {
		return fmt.Errorf("sha256 must be %d hex digits", 2*len(h))
	}
	_, err := hex.Decode(h[:], b)
	return err
}

// PayloadSize is the sum of the entry sizes.
func (h *Header) PayloadSize() int64 {
	var n int64
	for _, e := range h.Entries {
		n += e.Size
	}
	return n
}

// HasBoard reports whether board is among the compatible boards.
func (h *Header) HasBoard(board string) bool {
	for _, b := range h.Boards {
		if b == board {
			return true
		}
	}
	return false
}

// Validate checks the limits and naming rules every header must satisfy.
func (h *Header) Validate() error {
	if err := checkText("version", h.Version, MaxVersionLen); err != nil {
		return err
	}
	if len(h.Boards) == 0 {
		return fmt.Errorf("no compatible board listed")
	}
	if len(h.Boards) > MaxBoards {
		return fmt.Errorf("%d boards listed, at most %d allowed", len(h.Boards), MaxBoards)
	}
	// Duplicates are found by scanning the earlier items rather than with
	// maps: the lists are short (MaxBoards, MaxEntries), and map code is
	// large in the router binary.
	for i, b := range h.Boards {
		if err := checkText("board", b, MaxBoardLen); err != nil {
			return err
		}
		for _, o := range h.Boards[:i] {
			if o == b {
				return fmt.Errorf("board %q listed twice", b)
			}
		}
	}
	if len(h.Entries) == 0 {
		return fmt.Errorf("no payload entry")
	}
	if len(h.Entries) > MaxEntries {
		return fmt.Errorf("%d payload entries, at most %d allowed", len(h.Entries), MaxEntries)
	}
	for i, e := range h.Entries {
		if err := checkText(fmt.Sprintf("entry %d name", i), e.Name, MaxNameLen); err != nil {
			return err
		}
		if err := checkText(fmt.Sprintf("entry %q target", e.Name), e.Target, MaxNameLen); err != nil {
			return err
		}
		for j := range i {
			if h.Entries[j].Name == e.Name {
				return fmt.Errorf("entry name %q used twice", e.Name)
			}
		}
		for j := range i {
			if h.Entries[j].Target == e.Target {
				return fmt.Errorf("target %q written by two entries", e.Target)
			}
		}
		if e.Size < 0 || e.Size > MaxEntrySize {
			return fmt.Errorf("entry %q size %d out of range", e.Name, e.Size)
		}
	}
	return nil
}

// checkText allows printable ASCII only: these strings end up in logs,
// TR-181 parameters and file names.
func checkText(what, s string, max int) error {
	if s == "" {
		return fmt.Errorf("%s is empty", what)
	}
	if len(s) > max {
		return fmt.Errorf("%s is %d bytes, at most %d allowed", what, len(s), max)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return fmt.Errorf("%s %q has a character outside printable ASCII (no spaces)", what, s)
		}
	}
	return nil
}

// encode encodes the header body (without the preamble). Not
// MarshalBinary: the agent calls encoding.BinaryMarshaler (the hash
// state), which would keep this packer-only code in its binary.
func (h *Header) encode() ([]byte, error) {
	if err := h.Validate(); err != nil {
		return nil, fmt.Errorf("invalid header: %w", err)
	}
	var b []byte
	b = appendString(b, h.Version)
	b = binary.BigEndian.AppendUint16(b, uint16(len(h.Boards)))
	for _, s := range h.Boards {
		b = appendString(b, s)
	}
	b = binary.BigEndian.AppendUint16(b, uint16(len(h.Entries)))
	for _, e := range h.Entries {
		b = appendString(b, e.Name)
		b = appendString(b, e.Target)
		b = binary.BigEndian.AppendUint64(b, uint64(e.Size))
		b = append(b, e.SHA256[:]...)
	}
	if len(b) > MaxHeaderSize {
		return nil, fmt.Errorf("header is %d bytes, at most %d allowed", len(b), MaxHeaderSize)
	}
	return b, nil
}

func appendString(b []byte, s string) []byte {
	b = binary.BigEndian.AppendUint16(b, uint16(len(s)))
	return append(b, s...)
}

// ParseHeaderBody decodes a header body. The encoding is canonical: every
// byte is accounted for, so a flipped bit either fails here or changes the
// signed bytes.
func ParseHeaderBody(b []byte) (*Header, error) {
	d := decoder{b: b}
	h := &Header{}
	h.Version = d.str("version")
	nb := d.u16("board count")
	if d.err == nil && int(nb) > MaxBoards {
		d.fail("board count %d above the limit of %d", nb, MaxBoards)
	}
	for i := 0; i < int(nb) && d.err == nil; i++ {
		h.Boards = append(h.Boards, d.str("board"))
	}
	ne := d.u16("entry count")
	if d.err == nil && int(ne) > MaxEntries {
		d.fail("entry count %d above the limit of %d", ne, MaxEntries)
	}
	for i := 0; i < int(ne) && d.err == nil; i++ {
		var e Entry
		e.Name = d.str("entry name")
		e.Target = d.str("entry target")
		size := d.u64("entry size")
		if size > MaxEntrySize {
			d.fail("entry size %d above the limit", size)
		}
		e.Size = int64(size)
		copy(e.SHA256[:], d.take(sha256.Size, "entry sha256"))
		h.Entries = append(h.Entries, e)
	}
	if d.err != nil {
		return nil, d.err
	}
	if len(d.b) != 0 {
		return nil, fmt.Errorf("%d unexpected bytes at the end of the header", len(d.b))
	}
	if err := h.Validate(); err != nil {
		return nil, err
	}
	return h, nil
}

type decoder struct {
	b   []byte
	off int
	err error
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("at header byte %d: %s", d.off, fmt.Sprintf(format, args...))
	}
}

func (d *decoder) take(n int, what string) []byte {
	if d.err != nil {
		return nil
	}
	if len(d.b) < n {
		d.fail("header ends inside %s", what)
		return nil
	}
	v := d.b[:n]
	d.b = d.b[n:]
	d.off += n
	return v
}

func (d *decoder) u16(what string) uint16 {
	v := d.take(2, what)
	if v == nil {
		return 0
	}
	return binary.BigEndian.Uint16(v)
}

func (d *decoder) u64(what string) uint64 {
	v := d.take(8, what)
	if v == nil {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

func (d *decoder) str(what string) string {
	n := d.u16(what + " length")
	return string(d.take(int(n), what))
}
