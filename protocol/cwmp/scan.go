package cwmp

import (
	"bytes"
	"strings"
	"sync"
	"unicode/utf8"
)

// The Inform is the one message an ACS decodes in every session, so it
// gets a fast path beside the etree decoder: scan reads a strict subset of
// XML into a flat array of elements (no tokens, no per-element
// allocations, strings sliced from one copy of the message), and
// decodeInformFast walks that array with the reference decoder's rules.
//
// The fast path never reports an error. Whatever it does not handle, or
// cannot vouch that encoding/xml and etree would read the same way,
// makes it give up, and Decode runs the reference decoder instead: so
// errors, and every message that is not a plain Inform, come from one
// place. The subset is what CPEs send: UTF-8, an optional XML declaration,
// elements, attributes, character data with the predefined and numeric
// character references. Comments, CDATA, DOCTYPE, processing
// instructions, other encodings, non-ASCII names and duplicate attributes
// all go to the reference decoder. FuzzDecodeFast holds the two decoders
// to the same results.

// scanMaxDepth is the deepest nesting the fast path reads; the Inform
// needs six levels, the reference decoder allows maxDepth.
const scanMaxDepth = 16

// maxScanAttrs bounds the attributes of one element the fast path reads
// (an envelope declares a handful of namespaces).
const maxScanAttrs = 32

// xnode is one element of a scanned document. Children form a list through
// first/next; the root is node 0.
type xnode struct {
	prefix, local string
	// ns is the resolved namespace URI, kept for the top three levels
	// only (Envelope, its children, header entries and the RPC): deeper
	// elements are matched by local name.
	ns          string
	parent      int32
	first, last int32 // element children, -1 when none
	next        int32 // next sibling element, -1 when last
	attrs       int32 // index of the first attribute in xdoc.attrs
	nattrs      int32
	depth       int32
	// text is the first run of character data directly inside the
	// element; pieces counts the runs (more than one only when child
	// elements split it). The others are a list in xdoc.extra from
	// xfirst to xlast.
	text          string
	pieces        int32
	xfirst, xlast int32
}

type xattr struct{ prefix, local, value string }

// xextra is a second or later run of an element's character data.
type xextra struct {
	text string
	next int32 // -1 at the end
}

type xbinding struct{ prefix, uri string }

// xdoc is a scanned document.
type xdoc struct {
	src   string
	nodes []xnode
	attrs []xattr
	extra []xextra
	scope []xbinding // namespace bindings of the open elements, while scanning
}

// scan reads data into a document; false means the fast path does not
// take this message (which says nothing about whether it is well-formed).
// The RPC element is checked as soon as its start tag is read, so a message
// other than an Inform costs only the scan of its header.
func scan(data []byte) (*xdoc, bool) {
	d := xdocPool.Get().(*xdoc)
	if !d.read(data) {
		d.release()
		return nil, false
	}
	return d, true
}

func (d *xdoc) read(data []byte) bool {
	d.src = string(data)
	s := d.src
	if cap(d.nodes) == 0 {
		// Every element needs a '<' for its start tag; counting them
		// sizes the arrays once (end tags make it an overestimate by
		// about half).
		lt := bytes.Count(data, []byte("<"))
		d.nodes = make([]xnode, 0, lt/2+2)
		d.extra = make([]xextra, 0, lt/2+2)
		d.attrs = make([]xattr, 0, bytes.Count(data, []byte("="))+1)
		d.scope = make([]xbinding, 0, 8)
	}

	i := skipSpace(s, 0)
	if strings.HasPrefix(s[i:], "<?xml") {
		end, ok := scanDeclaration(s, i)
		if !ok {
			return false
		}
		i = skipSpace(s, end)
	}
	if i >= len(s) || s[i] != '<' {
		return false
	}
	cur := int32(-1) // the open element
	for i < len(s) {
		if s[i] != '<' {
			end := strings.IndexByte(s[i:], '<')
			if end < 0 {
				return false // character data after the root, or an unclosed root
			}
			if cur < 0 {
				return false // character data between top-level elements
			}
			raw := s[i : i+end]
			i += end
			text, ok := charData(raw)
			if !ok {
				return false
			}
			d.addText(cur, text)
			continue
		}
		if i+1 >= len(s) {
			return false
		}
		switch s[i+1] {
		case '/':
			prefix, local, j, ok := scanName(s, i+2)
			if !ok || cur < 0 {
				return false
			}
			j = skipSpace(s, j)
			if j >= len(s) || s[j] != '>' {
				return false
			}
			n := &d.nodes[cur]
			if n.local != local || n.prefix != prefix {
				return false
			}
			i = j + 1
			cur = d.closeElement(cur)
			if cur < 0 {
				// The root is closed: only white space may follow.
				if skipSpace(s, i) != len(s) {
					return false
				}
				return true
			}
		case '?', '!':
			return false
		default:
			if cur < 0 && len(d.nodes) > 0 {
				return false // a second top-level element
			}
			next, j, ok := d.startElement(s, i+1, cur)
			if !ok {
				return false
			}
			i = j
			cur = next
		}
	}
	return false // end of input inside the root
}

// xdocPool keeps the arrays of scanned documents: they are dropped after
// each decode (the decoded strings point into xdoc.src, never into them).
var xdocPool = sync.Pool{New: func() any { return new(xdoc) }}

// maxPooledNodes keeps a rare huge message's arrays out of the pool.
const maxPooledNodes = 4096

// release returns d to the pool; d must not be used afterwards.
func (d *xdoc) release() {
	if cap(d.nodes) > maxPooledNodes || cap(d.attrs) > maxPooledNodes || cap(d.extra) > maxPooledNodes {
		return
	}
	d.src = ""
	clear(d.nodes)
	clear(d.attrs)
	clear(d.extra)
	clear(d.scope[:cap(d.scope)])
	d.nodes, d.attrs, d.extra, d.scope = d.nodes[:0], d.attrs[:0], d.extra[:0], d.scope[:0]
	xdocPool.Put(d)
}

// startElement reads a start tag from just after its '<' and returns the
// element that is open afterwards (the new one, or parent again for an
// empty-element tag) and the position after the tag.
func (d *xdoc) startElement(s string, i int, parent int32) (int32, int, bool) {
	prefix, local, i, ok := scanName(s, i)
	if !ok || prefix == "xmlns" || prefix == "xml" {
		return 0, 0, false
	}
	depth := int32(1)
	if parent >= 0 {
		depth = d.nodes[parent].depth + 1
	}
	if depth > scanMaxDepth {
		return 0, 0, false
	}
	idx := int32(len(d.nodes))
	d.nodes = append(d.nodes, xnode{prefix: prefix, local: local, parent: parent,
		first: -1, last: -1, next: -1, xfirst: -1, xlast: -1, attrs: int32(len(d.attrs)), depth: depth})
	empty := false
	for {
		i = skipSpace(s, i)
		if i >= len(s) {
			return 0, 0, false
		}
		if s[i] == '>' {
			i++
			break
		}
		if s[i] == '/' {
			if i+1 >= len(s) || s[i+1] != '>' {
				return 0, 0, false
			}
			i += 2
			empty = true
			break
		}
		var a xattr
		a.prefix, a.local, i, ok = scanName(s, i)
		if !ok {
			return 0, 0, false
		}
		i = skipSpace(s, i)
		if i >= len(s) || s[i] != '=' {
			return 0, 0, false
		}
		i = skipSpace(s, i+1)
		if i >= len(s) || (s[i] != '"' && s[i] != '\'') {
			return 0, 0, false
		}
		q := s[i]
		end := strings.IndexByte(s[i+1:], q)
		if end < 0 {
			return 0, 0, false
		}
		raw := s[i+1 : i+1+end]
		i += end + 2
		if strings.IndexByte(raw, '<') >= 0 {
			return 0, 0, false
		}
		if a.value, ok = attrData(raw); !ok {
			return 0, 0, false
		}
		// etree merges a repeated attribute into the first; the fast
		// path leaves such documents to it, and elements with so many
		// attributes that looking for repeats would be slow.
		if len(d.attrs)-int(d.nodes[idx].attrs) >= maxScanAttrs {
			return 0, 0, false
		}
		for _, b := range d.attrs[d.nodes[idx].attrs:] {
			if b.prefix == a.prefix && b.local == a.local {
				return 0, 0, false
			}
		}
		d.attrs = append(d.attrs, a)
		switch {
		case a.prefix == "xmlns":
			d.scope = append(d.scope, xbinding{a.local, a.value})
		case a.prefix == "" && a.local == "xmlns":
			d.scope = append(d.scope, xbinding{"", a.value})
		}
	}
	n := &d.nodes[idx]
	n.nattrs = int32(len(d.attrs)) - n.attrs
	if depth <= 3 {
		n.ns = d.lookup(prefix)
	}
	if parent >= 0 {
		p := &d.nodes[parent]
		if p.last >= 0 {
			d.nodes[p.last].next = idx
		} else {
			p.first = idx
		}
		p.last = idx
	}
	if depth == 3 && !d.rpcWanted(idx) {
		return 0, 0, false
	}
	if empty {
		return d.closeElement(idx), i, true
	}
	return idx, i, true
}

// rpcWanted is false for the first element of a Body that is not a cwmp
// Inform: the message is then left to the reference decoder at once.
func (d *xdoc) rpcWanted(idx int32) bool {
	n := &d.nodes[idx]
	p := &d.nodes[n.parent]
	if p.local != "Body" || (p.ns != NamespaceSOAPEnvelope && p.ns != "") || p.first != idx {
		return true
	}
	return n.local == "Inform" && IsCWMPNamespace(n.ns)
}

// closeElement ends element idx: its namespace bindings go out of scope.
// It returns the parent.
func (d *xdoc) closeElement(idx int32) int32 {
	n := &d.nodes[idx]
	for _, a := range d.attrs[n.attrs : n.attrs+n.nattrs] {
		if a.prefix == "xmlns" || (a.prefix == "" && a.local == "xmlns") {
			d.scope = d.scope[:len(d.scope)-1]
		}
	}
	return n.parent
}

// lookup resolves a prefix among the bindings in force; the innermost
// wins, and an element's own declarations are the innermost.
func (d *xdoc) lookup(prefix string) string {
	for i := len(d.scope) - 1; i >= 0; i-- {
		if d.scope[i].prefix == prefix {
			return d.scope[i].uri
		}
	}
	return ""
}

func (d *xdoc) addText(idx int32, text string) {
	n := &d.nodes[idx]
	n.pieces++
	if n.pieces == 1 {
		n.text = text
		return
	}
	x := int32(len(d.extra))
	d.extra = append(d.extra, xextra{text, -1})
	if n.xlast >= 0 {
		d.extra[n.xlast].next = x
	} else {
		n.xfirst = x
	}
	n.xlast = x
}

// textOf is the element's character data, runs joined (as etree's
// CharData children are by the reference decoder's text).
func (d *xdoc) textOf(idx int32) string {
	n := &d.nodes[idx]
	if n.pieces <= 1 {
		return n.text
	}
	var b strings.Builder
	b.WriteString(n.text)
	for x := n.xfirst; x >= 0; x = d.extra[x].next {
		b.WriteString(d.extra[x].text)
	}
	return b.String()
}

// attr finds an attribute by local name whatever its prefix, namespace
// declarations excepted (attrValue of the reference decoder).
func (d *xdoc) attr(idx int32, local string) (string, bool) {
	n := &d.nodes[idx]
	for _, a := range d.attrs[n.attrs : n.attrs+n.nattrs] {
		if a.local == local && a.prefix != "xmlns" {
			return a.value, true
		}
	}
	return "", false
}

func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	return i
}

func isNameStart(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || c == '_'
}

func isNameChar(c byte) bool {
	return isNameStart(c) || '0' <= c && c <= '9' || c == '.' || c == '-'
}

// scanName reads an ASCII name with at most one colon, neither first nor
// last; anything else (which encoding/xml may read differently or
// refuse) is not taken.
func scanName(s string, i int) (prefix, local string, end int, ok bool) {
	start := i
	if i >= len(s) || !isNameStart(s[i]) {
		return "", "", 0, false
	}
	colon := -1
	for i++; i < len(s); i++ {
		c := s[i]
		if c == ':' {
			if colon >= 0 || i+1 >= len(s) || !isNameStart(s[i+1]) {
				return "", "", 0, false
			}
			colon = i
			continue
		}
		if c >= utf8.RuneSelf {
			return "", "", 0, false
		}
		if !isNameChar(c) {
			break
		}
	}
	if colon < 0 {
		return "", s[start:i], i, true
	}
	return s[start:colon], s[colon+1 : i], i, true
}

// scanDeclaration reads an XML declaration at s[i:] that announces
// version 1.0 and, if anything, UTF-8; it returns the position after it.
func scanDeclaration(s string, i int) (int, bool) {
	i += len("<?xml")
	end := strings.Index(s[i:], "?>")
	if end < 0 || i >= len(s) || skipSpace(s, i) == i {
		return 0, false
	}
	body, after := s[i:i+end], i+end+2
	// version, encoding and standalone in this order, each at most once,
	// with plain values: on such a declaration encoding/xml's own lookup
	// of version and encoding finds exactly the values checked here.
	want := [...]string{"version", "encoding", "standalone"}
	j, k := 0, 0
	for {
		j = skipSpace(body, j)
		if j == len(body) {
			break
		}
		_, name, e, ok := scanName(body, j)
		if !ok {
			return 0, false
		}
		for k < len(want) && want[k] != name {
			k++
		}
		if k == len(want) {
			return 0, false
		}
		j = e
		if j+1 >= len(body) || body[j] != '=' || (body[j+1] != '"' && body[j+1] != '\'') {
			return 0, false
		}
		q := body[j+1]
		ve := strings.IndexByte(body[j+2:], q)
		if ve < 0 {
			return 0, false
		}
		v := body[j+2 : j+2+ve]
		j += ve + 3
		switch {
		case name == "version" && v == "1.0":
		case name == "encoding" && strings.EqualFold(v, "utf-8"):
		case name == "standalone" && (v == "yes" || v == "no"):
		default:
			return 0, false
		}
		k++
	}
	return after, true
}

// charData decodes a run of character data the way encoding/xml does for
// the inputs it takes: no "]]>", references only to the predefined
// entities and characters, CR and CRLF read as LF, and only characters XML
// allows.
func charData(raw string) (string, bool) {
	if strings.Contains(raw, "]]>") {
		return "", false
	}
	return attrData(raw)
}

// attrData decodes an attribute value (the same rules, "]]>" allowed).
func attrData(raw string) (string, bool) {
	plain := true
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c == '&' || c == '\r':
			plain = false
		case c < 0x20 && c != '\t' && c != '\n':
			return "", false
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRuneInString(raw[i:])
			if r == utf8.RuneError && size == 1 || !xmlChar(r) {
				return "", false
			}
			i += size - 1
		}
	}
	if plain {
		return raw, true
	}
	return unescape(raw)
}

// unescape resolves references and line ends in character data already
// checked for characters other than these.
func unescape(raw string) (string, bool) {
	var b strings.Builder
	b.Grow(len(raw))
	var prev byte
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c == '&':
			semi := strings.IndexByte(raw[i:], ';')
			if semi < 0 {
				return "", false
			}
			r, ok := reference(raw[i+1 : i+semi])
			if !ok {
				return "", false
			}
			b.WriteRune(r)
			i += semi
			prev = 0
			continue
		case c == '\r':
			b.WriteByte('\n')
		case c == '\n' && prev == '\r':
		default:
			b.WriteByte(c)
		}
		prev = c
	}
	return b.String(), true
}

// reference resolves the text between '&' and ';'.
func reference(ref string) (rune, bool) {
	switch ref {
	case "lt":
		return '<', true
	case "gt":
		return '>', true
	case "amp":
		return '&', true
	case "apos":
		return '\'', true
	case "quot":
		return '"', true
	}
	if len(ref) < 2 || ref[0] != '#' {
		return 0, false
	}
	digits, base := ref[1:], rune(10)
	if digits[0] == 'x' {
		digits, base = digits[1:], 16
	}
	if len(digits) == 0 || len(digits) > 7 {
		return 0, false
	}
	var r rune
	for i := 0; i < len(digits); i++ {
		c := digits[i]
		var v rune
		switch {
		case '0' <= c && c <= '9':
			v = rune(c - '0')
		case base == 16 && 'a' <= c && c <= 'f':
			v = rune(c-'a') + 10
		case base == 16 && 'A' <= c && c <= 'F':
			v = rune(c-'A') + 10
		default:
			return 0, false
		}
		r = r*base + v
	}
	if !xmlChar(r) {
		return 0, false
	}
	return r, true
}

// xmlChar is XML 1.0's Char production (encoding/xml's
// isInCharacterRange).
func xmlChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}
