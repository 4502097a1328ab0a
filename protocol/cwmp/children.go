package cwmp

import "github.com/beevik/etree"

// firstChild and nextChild walk an element's child elements:
//
//	for c, at := firstChild(el); c != nil; c, at = nextChild(el, at) {
//
// etree's ChildElementsSeq does the same, but each range-over-func loop
// compiles to a closure plus the inlined iterator, per loop, in every
// decoder; these plain calls keep the decoders a good deal smaller.
func firstChild(el *etree.Element) (*etree.Element, int) { return nextChild(el, -1) }

// nextChild returns the first child element after position at in
// el.Child, and its position; nil when there is none. Out of line, or
// it would be copied twice into every loop.
//
//go:noinline
func nextChild(el *etree.Element, at int) (*etree.Element, int) {
	for i := at + 1; i < len(el.Child); i++ {
		if c, ok := el.Child[i].(*etree.Element); ok {
			return c, i
		}
	}
	return nil, len(el.Child)
}
