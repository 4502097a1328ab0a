package cwmp

import (
	"testing"

	"github.com/beevik/etree"
)

// TestNamespaceScopeInnermostWins checks that a redeclared prefix or default
// namespace resolves to the nearest declaration, as the XML namespaces
// recommendation requires, and that an unbound prefix resolves to "".
func TestNamespaceScopeInnermostWins(t *testing.T) {
	doc, err := parseDocument([]byte(`<a:E xmlns:a="urn:outer" xmlns="urn:default-outer">` +
		`<H xmlns:a="urn:inner" xmlns="urn:default-inner"><a:X/><Y/><b:Z/><c:W xmlns:c="urn:own"/></H></a:E>`))
	if err != nil {
		t.Fatal(err)
	}
	h := doc.Root().SelectElement("H")
	scope := namespaceScope(h)
	want := map[string]string{"X": "urn:inner", "Y": "urn:default-inner", "Z": "", "W": "urn:own"}
	for c := range h.ChildElementsSeq() {
		if got := resolveIn(c, scope); got != want[c.Tag] {
			t.Errorf("%s resolved to %q, want %q", c.Tag, got, want[c.Tag])
		}
		if got := c.NamespaceURI(); got != want[c.Tag] {
			t.Errorf("etree resolves %s to %q, want %q", c.Tag, got, want[c.Tag])
		}
	}
	if got := resolveIn(doc.Root(), namespaceScope(&etree.Element{})); got != "urn:outer" {
		t.Errorf("root resolved to %q, want urn:outer", got)
	}
}
