package datamodel

import (
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sharedDir returns ../shared/datamodels beside the repository root, or
// skips the test when it is absent (CI lays it out; a bare clone lacks it).
func sharedDir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("no go.mod above the test directory")
		}
		dir = parent
	}
	shared := filepath.Join(dir, "..", "shared", "datamodels")
	if _, err := os.Stat(filepath.Join(shared, "tr-181-2-17-0-cwmp-full.xml")); err != nil {
		t.Skipf("BBF XML not found beside the repository (%v); CI provides ../shared", err)
	}
	return shared
}

// xmlParam is what the test reads about a parameter straight from the XML,
// independently of the generator.
type xmlParam struct {
	access, activeNotify, version, dataType, primitive string
	forcedInform, hidden, secured, command, list       bool
}

type xmlObject struct {
	access, minEntries, maxEntries, version string
}

// walkModel reads the objects and parameters of the <model> element of a
// BBF full XML file with a plain token loop: objects are <object name=...>
// children of <model>, parameters <parameter name=...> children of those.
// Profiles (which reference objects with ref=) are skipped.
func walkModel(t *testing.T, path string) (map[string]xmlObject, map[string]xmlParam) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	attr := func(e xml.StartElement, name string) string {
		for _, a := range e.Attr {
			if a.Name.Space == "" && a.Name.Local == name {
				return a.Value
			}
		}
		return ""
	}
	objects := map[string]xmlObject{}
	params := map[string]xmlParam{}
	d := xml.NewDecoder(f)
	depth, modelDepth := 0, -1
	var object, param string
	var cur xmlParam
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		switch e := tok.(type) {
		case xml.StartElement:
			depth++
			switch {
			case e.Name.Local == "model" && modelDepth < 0:
				modelDepth = depth
			case modelDepth < 0:
			case depth == modelDepth+1 && e.Name.Local == "object":
				// Names are XSD tokens: surrounding whitespace is not part
				// of them (tr-098-1-8-0-full.xml has "Queueing ").
				object = strings.TrimSpace(attr(e, "name"))
				objects[object] = xmlObject{attr(e, "access"), attr(e, "minEntries"), attr(e, "maxEntries"), attr(e, "version")}
			case depth == modelDepth+2 && e.Name.Local == "parameter" && object != "":
				param = object + strings.TrimSpace(attr(e, "name"))
				cur = xmlParam{
					access:       attr(e, "access"),
					activeNotify: attr(e, "activeNotify"),
					version:      attr(e, "version"),
					forcedInform: attr(e, "forcedInform") == "true",
				}
				if cur.version == "" {
					cur.version = objects[object].version
				}
			case depth == modelDepth+3 && e.Name.Local == "syntax" && param != "":
				cur.hidden = attr(e, "hidden") == "true"
				cur.secured = attr(e, "secured") == "true"
				cur.command = attr(e, "command") == "true"
			case depth == modelDepth+4 && param != "":
				switch e.Name.Local {
				case "list":
					cur.list = true
				case "dataType":
					cur.dataType = attr(e, "ref") + attr(e, "base")
				case "string", "int", "unsignedInt", "long", "unsignedLong", "boolean", "dateTime", "base64", "hexBinary", "decimal":
					cur.primitive = e.Name.Local
				}
			}
		case xml.EndElement:
			switch {
			case depth == modelDepth+2 && param != "":
				params[param] = cur
				param = ""
			case depth == modelDepth+1:
				object = ""
			case depth == modelDepth:
				modelDepth = -1
			}
			depth--
		}
	}
	if len(objects) == 0 {
		t.Fatalf("%s: no model objects found", path)
	}
	return objects, params
}
