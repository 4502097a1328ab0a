package dmgen

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// element is a BBF XML element without its text: the generator needs only
// names, attributes and structure. Descriptions are dropped while reading.
type element struct {
	name  string
	attrs []xml.Attr
	kids  []*element
	line  int
}

// attr returns an attribute without a namespace prefix.
func (e *element) attr(local string) string {
	for _, a := range e.attrs {
		if a.Name.Space == "" && a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// reportAttr returns an attribute of the datamodel-report namespace (dmr:),
// whose version differs between files.
func (e *element) reportAttr(local string) string {
	for _, a := range e.attrs {
		if strings.Contains(a.Name.Space, "datamodel-report") && a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

func (e *element) child(name string) *element {
	for _, k := range e.kids {
		if k.name == name {
			return k
		}
	}
	return nil
}

func (e *element) children(name string) []*element {
	var out []*element
	for _, k := range e.kids {
		if k.name == name {
			out = append(out, k)
		}
	}
	return out
}

func (e *element) errorf(format string, args ...any) error {
	return fmt.Errorf("line %d <%s>: %s", e.line, e.name, fmt.Sprintf(format, args...))
}

// readTree parses a BBF data-model file. The entities of its DOCTYPE (used
// by tr-106-types.xml to build patterns) are expanded.
func readTree(path string) (*element, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open data model: %w", err)
	}
	defer f.Close()
	d := xml.NewDecoder(f)
	d.Strict = true
	var stack []*element
	var root *element
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", path, err)
		}
		switch t := tok.(type) {
		case xml.Directive:
			if ents := parseEntities(string(t)); len(ents) > 0 {
				d.Entity = ents
			}
		case xml.StartElement:
			if t.Name.Local == "description" {
				if err := d.Skip(); err != nil {
					return nil, fmt.Errorf("parse %s: %w", path, err)
				}
				continue
			}
			line, _ := d.InputPos()
			e := &element{name: t.Name.Local, attrs: t.Attr, line: line}
			if len(stack) == 0 {
				root = e
			} else {
				parent := stack[len(stack)-1]
				parent.kids = append(parent.kids, e)
			}
			stack = append(stack, e)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		}
	}
	if root == nil {
		return nil, fmt.Errorf("parse %s: no root element", path)
	}
	return root, nil
}

// parseEntities reads the general entities of a DOCTYPE's internal subset
// (<!ENTITY name "value">), expanding references between them.
func parseEntities(doctype string) map[string]string {
	ents := map[string]string{}
	rest := doctype
	for {
		i := strings.Index(rest, "<!ENTITY")
		if i < 0 {
			break
		}
		rest = strings.TrimLeft(rest[i+len("<!ENTITY"):], " \t\r\n")
		end := strings.IndexAny(rest, " \t\r\n")
		if end < 0 {
			break
		}
		name := rest[:end]
		rest = strings.TrimLeft(rest[end:], " \t\r\n")
		if rest == "" || (rest[0] != '"' && rest[0] != '\'') {
			continue
		}
		q := rest[0]
		closeAt := strings.IndexByte(rest[1:], q)
		if closeAt < 0 {
			break
		}
		ents[name] = rest[1 : 1+closeAt]
		rest = rest[2+closeAt:]
	}
	for range 5 {
		for name, v := range ents {
			for other, ov := range ents {
				v = strings.ReplaceAll(v, "&"+other+";", ov)
			}
			ents[name] = v
		}
	}
	return ents
}
