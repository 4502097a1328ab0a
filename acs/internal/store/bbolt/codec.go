package bbolt

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"gatewarden/acs/internal/store"
)

// Parameters are the bulk of the file (about a thousand per device) and
// every Inform rewrites some, so they get a compact binary form instead of
// JSON; the name is the key. Layout:
//
//	flags    1 byte: paramVersion in the high nibble, flag bits below
//	updated  varint Unix nanoseconds (absent with flagNoTime or
//	         flagStamped)
//	typeLen  uvarint, then the type
//	value    the rest
//
// A stamped parameter (flagStamped) was reported by the device's latest
// Inform, and its Updated is that Inform's time, kept once in the device
// record (see reportStamp) rather than in every parameter: so an Inform
// that repeats the values of the last one rewrites none of them.
const (
	paramVersion  = 0x10
	flagWritKnown = 1 << 0
	flagWritable  = 1 << 1
	flagNoTime    = 1 << 2
	flagStamped   = 1 << 3
	flagMask      = flagWritKnown | flagWritable | flagNoTime | flagStamped
)

var errCorrupt = errors.New("corrupt record")

func paramFlags(p *store.Param, stamped bool) byte {
	flags := byte(paramVersion)
	if p.Writable != nil {
		flags |= flagWritKnown
		if *p.Writable {
			flags |= flagWritable
		}
	}
	switch {
	case stamped:
		flags |= flagStamped
	case p.Updated.IsZero():
		flags |= flagNoTime
	}
	return flags
}

func appendParam(dst []byte, p *store.Param) []byte { return appendParamAs(dst, p, false) }

// appendParamAs encodes p, stamped (p.Updated then not written) or not.
func appendParamAs(dst []byte, p *store.Param, stamped bool) []byte {
	dst = append(dst, paramFlags(p, stamped))
	if !stamped && !p.Updated.IsZero() {
		dst = binary.AppendVarint(dst, p.Updated.UnixNano())
	}
	dst = binary.AppendUvarint(dst, uint64(len(p.Type)))
	dst = append(dst, p.Type...)
	return append(dst, p.Value...)
}

// paramStamped reports whether an encoded parameter is stamped.
func paramStamped(b []byte) bool { return len(b) > 0 && b[0]&flagStamped != 0 }

// decodeParam fills p (except Name) from an encoded value; a stamped
// parameter gets a zero Updated (decodeParamAt gives it its time).
func decodeParam(b []byte, p *store.Param) error { return decodeParamAt(b, p, time.Time{}) }

// decodeParamAt is decodeParam with the time of the device's report stamp.
func decodeParamAt(b []byte, p *store.Param, stamp time.Time) error {
	if len(b) == 0 || b[0]&^flagMask != paramVersion || b[0]&(flagWritKnown|flagWritable) == flagWritable ||
		b[0]&(flagStamped|flagNoTime) == flagStamped|flagNoTime {
		return fmt.Errorf("param: %w", errCorrupt)
	}
	flags := b[0]
	b = b[1:]
	p.Updated = time.Time{}
	if flags&flagStamped != 0 {
		p.Updated = stamp
	} else if flags&flagNoTime == 0 {
		n, w := binary.Varint(b)
		if w <= 0 {
			return fmt.Errorf("param time: %w", errCorrupt)
		}
		p.Updated = time.Unix(0, n).UTC()
		b = b[w:]
	}
	tl, w := binary.Uvarint(b)
	if w <= 0 || tl > uint64(len(b)-w) {
		return fmt.Errorf("param type: %w", errCorrupt)
	}
	b = b[w:]
	p.Type = string(b[:tl])
	p.Value = string(b[tl:])
	p.Writable = nil
	if flags&flagWritKnown != 0 {
		v := flags&flagWritable != 0
		p.Writable = &v
	}
	return nil
}

// mergeParam returns the encoding of p (enc, encoded beforehand, stamped
// or not) made to keep what the stored encoding old knew and p does not:
// writability (Informs never say) and the type. The common case patches
// one byte of enc in place; it is reset first because a write op may run
// twice.
func mergeParam(enc []byte, p *store.Param, old []byte) []byte {
	stamped := enc[0]&flagStamped != 0
	enc[0] = paramFlags(p, stamped)
	if len(old) == 0 || old[0]&^flagMask != paramVersion {
		return enc
	}
	if p.Type == "" {
		var prev store.Param
		if decodeParam(old, &prev) == nil && prev.Type != "" {
			q := *p
			q.Type = prev.Type
			if q.Writable == nil {
				q.Writable = prev.Writable
			}
			return appendParamAs(make([]byte, 0, len(enc)+len(q.Type)), &q, stamped)
		}
	}
	if p.Writable == nil && old[0]&flagWritKnown != 0 {
		enc[0] |= old[0] & (flagWritKnown | flagWritable)
	}
	return enc
}

// Events: varint Unix nanoseconds, uvarint code length, code, command key.
func appendEvent(dst []byte, e *store.Event) []byte {
	dst = binary.AppendVarint(dst, e.Time.UnixNano())
	dst = binary.AppendUvarint(dst, uint64(len(e.Code)))
	dst = append(dst, e.Code...)
	return append(dst, e.CommandKey...)
}

func decodeEvent(b []byte, e *store.Event) error {
	n, w := binary.Varint(b)
	if w <= 0 {
		return fmt.Errorf("event time: %w", errCorrupt)
	}
	b = b[w:]
	cl, w := binary.Uvarint(b)
	if w <= 0 || cl > uint64(len(b)-w) {
		return fmt.Errorf("event code: %w", errCorrupt)
	}
	b = b[w:]
	e.Time = time.Unix(0, n).UTC()
	e.Code = string(b[:cl])
	e.CommandKey = string(b[cl:])
	return nil
}
