package cwmp

import (
	"io"
	"strconv"
	"sync"
	"unicode/utf8"
)

// encoder appends XML to a byte buffer and hands full chunks to the writer,
// so a large GetParameterValuesResponse never sits in memory twice.
// Writing is reflection-free: every RPC type writes its own elements.
//
// Layout: one line per RPC argument and per array member, with a struct's
// fields on its line. That keeps golden files diffable line by line while
// giving a decoder few whitespace tokens to wade through (decoding cost is
// per token).
type encoder struct {
	w     io.Writer // nil: keep everything in buf (Marshal)
	buf   []byte
	err   error
	depth int // open structs: their fields stay on one line
}

const (
	encoderChunk   = 32 << 10  // flush threshold when streaming
	encoderPoolCap = 256 << 10 // larger buffers are not pooled
)

var encoderPool = sync.Pool{New: func() any { return &encoder{buf: make([]byte, 0, encoderChunk+4096)} }}

func getEncoder(w io.Writer) *encoder {
	e := encoderPool.Get().(*encoder)
	e.w, e.buf, e.err, e.depth = w, e.buf[:0], nil, 0
	return e
}

func putEncoder(e *encoder) {
	if cap(e.buf) > encoderPoolCap {
		return
	}
	e.w = nil
	encoderPool.Put(e)
}

// maybeFlush writes the buffer out once it is worth a write call.
func (e *encoder) maybeFlush() {
	if e.w != nil && len(e.buf) >= encoderChunk {
		e.flush()
	}
}

func (e *encoder) flush() {
	if e.w == nil || len(e.buf) == 0 {
		return
	}
	if e.err == nil {
		_, e.err = e.w.Write(e.buf)
	}
	e.buf = e.buf[:0]
}

// raw appends s. The writers go through it rather than appending to buf
// themselves: the router is built without inlining, and each append
// carries its own growth code.
func (e *encoder) raw(s string) { e.buf = append(e.buf, s...) }

// eol ends a line unless a struct is open.
func (e *encoder) eol() {
	if e.depth == 0 {
		e.buf = append(e.buf, '\n')
	}
}

// leaf writes <name>value</name> and ends the line (see eol).
// The leaf writers share startTag and closeArray for their tags: every
// append is growth code of its own, and with the router built without
// inlining, three copies of the tag writing cost 2 KB.
func (e *encoder) leaf(name, value string) {
	e.startTag(name)
	e.buf = appendEscaped(e.buf, value, false)
	e.closeArray(name)
}

func (e *encoder) leafUint(name string, v uint32) {
	e.startTag(name)
	e.buf = strconv.AppendUint(e.buf, uint64(v), 10)
	e.closeArray(name)
}

func (e *encoder) leafInt(name string, v int32) {
	e.startTag(name)
	e.buf = strconv.AppendInt(e.buf, int64(v), 10)
	e.closeArray(name)
}

// leafBool writes 1 or 0: both are xsd:boolean, and 0/1 is what the widest
// range of CPE parsers has been seen to accept (genieacs sends it too).
func (e *encoder) leafBool(name string, v bool) {
	if v {
		e.leaf(name, "1")
	} else {
		e.leaf(name, "0")
	}
}

func (e *encoder) leafTime(name string, v DateTime) { e.leaf(name, v.wire()) }

// open starts a struct; its fields stay on the struct's line.
func (e *encoder) open(name string) {
	e.startTag(name)
	e.depth++
}

// startTag writes <name>.
func (e *encoder) startTag(name string) {
	e.raw("<")
	e.raw(name)
	e.raw(">")
}

func (e *encoder) close(name string) {
	e.depth--
	e.closeArray(name)
}

// closeArray ends an array, a leaf, or (through close) a struct.
func (e *encoder) closeArray(name string) {
	e.raw("</")
	e.raw(name)
	e.raw(">")
	e.eol()
}

// array opens a soap-enc array with its arrayType, e.g.
// <ParameterList soap-enc:arrayType="cwmp:ParameterValueStruct[3]">.
func (e *encoder) array(name, itemType string, n int) {
	e.raw("<")
	e.raw(name)
	e.raw(` soap-enc:arrayType="`)
	e.raw(itemType)
	e.raw("[")
	e.buf = strconv.AppendInt(e.buf, int64(n), 10)
	e.raw(`]">`)
	e.eol()
}

func (e *encoder) stringArray(name string, items []string) {
	e.array(name, "xsd:string", len(items))
	for _, s := range items {
		e.leaf("string", s)
	}
	e.closeArray(name)
}

// appendEscaped escapes s for element content (attr false) or a
// double-quoted attribute value (attr true). Characters XML 1.0 cannot carry
// and invalid UTF-8 become U+FFFD; CR (and in attributes TAB and LF) become
// character references so a parser's line-end and attribute normalisation
// gives back the same string.
func appendEscaped(dst []byte, s string, attr bool) []byte {
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if b >= 0x20 && b < utf8.RuneSelf && b != '&' && b != '<' && b != '>' && b != '"' {
			i++
			continue
		}
		var rep string
		width := 1
		switch {
		case b == '&':
			rep = "&amp;"
		case b == '<':
			rep = "&lt;"
		case b == '>':
			rep = "&gt;"
		case b == '"':
			if !attr {
				i++
				continue
			}
			rep = "&quot;"
		case b == '\r':
			rep = "&#xD;"
		case b == '\n':
			if !attr {
				i++
				continue
			}
			rep = "&#xA;"
		case b == '\t':
			if !attr {
				i++
				continue
			}
			rep = "&#x9;"
		case b < 0x20:
			rep = "\uFFFD"
		default:
			r, n := utf8.DecodeRuneInString(s[i:])
			if !(r == utf8.RuneError && n == 1) && r != 0xFFFE && r != 0xFFFF {
				i += n
				continue
			}
			rep, width = "\uFFFD", n
		}
		dst = append(dst, s[start:i]...)
		dst = append(dst, rep...)
		i += width
		start = i
	}
	return append(dst, s[start:]...)
}
