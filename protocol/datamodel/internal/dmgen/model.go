package dmgen

import (
	"fmt"
	"strconv"
	"strings"

	"gatewarden/protocol/datamodel/internal/dmformat"
)

// gnode is an object or parameter as the generator builds it.
type gnode struct {
	path                         string // template path, for messages
	name                         string
	object, table                bool
	access, notify, status       byte
	forced, hidden, secured, cmd bool
	major, minor                 int
	explicitVersion              bool
	kids                         []*gnode
	minEntries, maxEntries       int // maxEntries -1: unbounded
	numEntriesParam, enableParam string
	uniqueKeys                   []uniqueKey
	typ                          int
	hasDefault                   bool
	defaultKind                  byte
	defaultValue                 string
}

type uniqueKey struct {
	functional bool
	params     []string
}

// buildModel turns a <model> element into a tree. Objects are listed flat
// with full names, parents before children; their parameters are nested.
func (g *generator) buildModel(model *element) (*gnode, error) {
	objects := map[string]*gnode{}
	var root *gnode
	for _, o := range model.children("object") {
		name := g.tokenName(o, o.attr("name"))
		if name == "" {
			base := o.attr("base")
			existing, ok := objects[base]
			if !ok {
				return nil, o.errorf("object extends unknown object %q", base)
			}
			if err := g.objectAttrs(existing, o, true); err != nil {
				return nil, err
			}
			if err := g.objectParams(existing, o); err != nil {
				return nil, err
			}
			continue
		}
		if _, dup := objects[name]; dup {
			return nil, o.errorf("object %q defined twice", name)
		}
		segName, table, parentPath, err := splitObjectName(name)
		if err != nil {
			return nil, o.errorf("%v", err)
		}
		n := &gnode{path: name, name: segName, object: true, table: table, typ: -1}
		if err := g.objectAttrs(n, o, false); err != nil {
			return nil, err
		}
		if parentPath == "" {
			if root != nil {
				return nil, o.errorf("second root object %q", name)
			}
			root = n
		} else {
			parent, ok := objects[parentPath]
			if !ok {
				return nil, o.errorf("object %q comes before its parent %q", name, parentPath)
			}
			if n.major == 0 && !n.explicitVersion {
				n.major, n.minor = parent.major, parent.minor
			}
			if err := addChild(parent, n); err != nil {
				return nil, o.errorf("%v", err)
			}
		}
		objects[name] = n
		if err := g.objectParams(n, o); err != nil {
			return nil, err
		}
	}
	if root == nil {
		return nil, model.errorf("model has no objects")
	}
	return root, nil
}

// splitObjectName splits "A.B.{i}.C.{i}." into the name "C", table true and
// the parent "A.B.{i}.".
func splitObjectName(name string) (seg string, table bool, parent string, err error) {
	if !strings.HasSuffix(name, ".") {
		return "", false, "", fmt.Errorf("object name %q does not end in '.'", name)
	}
	parts := strings.Split(strings.TrimSuffix(name, "."), ".")
	if parts[len(parts)-1] == "{i}" {
		table = true
		parts = parts[:len(parts)-1]
	}
	if len(parts) == 0 {
		return "", false, "", fmt.Errorf("bad object name %q", name)
	}
	for _, p := range parts {
		if p == "" || p == "{i}" && p == parts[len(parts)-1] {
			return "", false, "", fmt.Errorf("bad object name %q", name)
		}
	}
	seg = parts[len(parts)-1]
	if len(parts) > 1 {
		parent = strings.Join(parts[:len(parts)-1], ".") + "."
	}
	return seg, table, parent, nil
}

// tokenName trims a name as XSD does for the token type of the name
// attributes: tr-098-1-8-0-full.xml has parameters named "Queueing ".
func (g *generator) tokenName(e *element, name string) string {
	trimmed := strings.TrimSpace(name)
	if trimmed != name {
		g.warnf("line %d: name %q has surrounding whitespace; using %q", e.line, name, trimmed)
	}
	return trimmed
}

func addChild(parent, n *gnode) error {
	for _, k := range parent.kids {
		if k.name == n.name {
			return fmt.Errorf("%q has two children named %q", parent.path, n.name)
		}
	}
	parent.kids = append(parent.kids, n)
	return nil
}

func parseVersion(v string) (int, int, error) {
	maj, min, ok := strings.Cut(v, ".")
	a, err1 := strconv.Atoi(maj)
	b, err2 := strconv.Atoi(min)
	if !ok || err1 != nil || err2 != nil || a < 0 || b < 0 || a > 0xffff || b > 0xffff {
		return 0, 0, fmt.Errorf("unsupported version %q", v)
	}
	return a, b, nil
}

// version reads version, falling back to dmr:version, which older report
// files use for the same thing.
func version(e *element) (int, int, bool, error) {
	v := e.attr("version")
	if v == "" {
		v = e.reportAttr("version")
	}
	if v == "" {
		return 0, 0, false, nil
	}
	a, b, err := parseVersion(v)
	if err != nil {
		return 0, 0, false, e.errorf("%v", err)
	}
	return a, b, true, nil
}

// objectAttrs reads an object's attributes; with extend, only attributes
// present change the object (an object given by base= adds to an earlier
// definition).
func (g *generator) objectAttrs(n *gnode, o *element, extend bool) error {
	if !extend {
		n.minEntries, n.maxEntries = 1, 1
	}
	if v := o.attr("access"); v != "" || !extend {
		switch v {
		case "", "readOnly":
			n.access = dmformat.AccessReadOnly
		case "readWrite":
			n.access = dmformat.AccessReadWrite
		default:
			return o.errorf("unknown object access %q", v)
		}
	}
	if v := o.attr("minEntries"); v != "" {
		m, err := strconv.Atoi(v)
		if err != nil || m < 0 {
			return o.errorf("bad minEntries %q", v)
		}
		n.minEntries = m
	}
	if v := o.attr("maxEntries"); v != "" {
		if v == "unbounded" {
			n.maxEntries = -1
		} else {
			m, err := strconv.Atoi(v)
			if err != nil || m < n.minEntries {
				return o.errorf("bad maxEntries %q", v)
			}
			n.maxEntries = m
		}
	}
	if (n.maxEntries == -1 || n.maxEntries > 1) != n.table {
		g.warnf("%s: maxEntries %d does not match the name's {i}", n.path, n.maxEntries)
	}
	if v := o.attr("numEntriesParameter"); v != "" {
		n.numEntriesParam = v
	}
	if v := o.attr("enableParameter"); v != "" {
		n.enableParam = v
	}
	if o.attr("status") != "" || !extend {
		st, err := statusOf(o)
		if err != nil {
			return err
		}
		n.status = st
	}
	maj, min, ok, err := version(o)
	if err != nil {
		return err
	}
	if ok {
		n.major, n.minor, n.explicitVersion = maj, min, true
	}
	for _, uk := range o.children("uniqueKey") {
		k := uniqueKey{functional: uk.attr("functional") != "false"}
		for _, p := range uk.children("parameter") {
			k.params = append(k.params, p.attr("ref"))
		}
		n.uniqueKeys = append(n.uniqueKeys, k)
	}
	return nil
}

func (g *generator) objectParams(obj *gnode, o *element) error {
	for _, p := range o.children("parameter") {
		if p.attr("name") == "" {
			base := p.attr("base")
			var existing *gnode
			for _, k := range obj.kids {
				if !k.object && k.name == base {
					existing = k
				}
			}
			if existing == nil {
				return p.errorf("parameter extends unknown parameter %q", base)
			}
			if err := g.paramAttrs(existing, p, true); err != nil {
				return err
			}
			continue
		}
		name := g.tokenName(p, p.attr("name"))
		n := &gnode{path: obj.path + name, name: name, major: obj.major, minor: obj.minor}
		if err := g.paramAttrs(n, p, false); err != nil {
			return err
		}
		if err := addChild(obj, n); err != nil {
			return p.errorf("%v", err)
		}
	}
	return nil
}

func (g *generator) paramAttrs(n *gnode, p *element, extend bool) error {
	if v := p.attr("access"); v != "" || !extend {
		switch v {
		case "", "readOnly":
			n.access = dmformat.AccessReadOnly
		case "readWrite":
			n.access = dmformat.AccessReadWrite
		case "writeOnceReadOnly":
			n.access = dmformat.AccessWriteOnceReadOnly
		default:
			return p.errorf("unknown parameter access %q", v)
		}
	}
	if v := p.attr("activeNotify"); v != "" || !extend {
		switch v {
		case "", "normal":
			n.notify = dmformat.NotifyNormal
		case "forceEnabled":
			n.notify = dmformat.NotifyForceEnabled
		case "forceDefaultEnabled":
			n.notify = dmformat.NotifyForceDefaultEnabled
		case "canDeny":
			n.notify = dmformat.NotifyCanDeny
		default:
			return p.errorf("unknown activeNotify %q", v)
		}
	}
	if v := p.attr("forcedInform"); v != "" || !extend {
		n.forced = v == "true"
	}
	if p.attr("status") != "" || !extend {
		st, err := statusOf(p)
		if err != nil {
			return err
		}
		n.status = st
	}
	maj, min, ok, err := version(p)
	if err != nil {
		return err
	}
	if ok {
		n.major, n.minor = maj, min
	}
	syn := p.child("syntax")
	if syn == nil {
		if extend {
			return nil
		}
		return p.errorf("parameter %q has no syntax", n.path)
	}
	n.hidden = syn.attr("hidden") == "true"
	n.secured = syn.attr("secured") == "true"
	n.cmd = syn.attr("command") == "true"
	t, err := g.syntaxType(syn)
	if err != nil {
		return fmt.Errorf("%s: %w", n.path, err)
	}
	n.typ = t
	n.hasDefault = false
	for _, d := range syn.children("default") {
		st, err := statusOf(d)
		if err != nil {
			return err
		}
		if st == dmformat.StatusDeleted {
			continue
		}
		switch k := d.attr("type"); k {
		case "object":
			n.defaultKind = dmformat.DefaultObject
		case "factory":
			n.defaultKind = dmformat.DefaultFactory
		case "implementation":
			n.defaultKind = dmformat.DefaultImplementation
		case "parameter":
			n.defaultKind = dmformat.DefaultParameter
		default:
			return d.errorf("unknown default type %q", k)
		}
		n.hasDefault, n.defaultValue = true, d.attr("value")
	}
	return nil
}
