package datamodel

import (
	"bytes"
	"path/filepath"
	"testing"

	"gatewarden/protocol/datamodel/internal/dmformat"
	"gatewarden/protocol/datamodel/internal/dmgen"
)

// TestGeneratedUpToDate regenerates the schema files from the BBF XML and
// compares them with the embedded ones, byte for byte.
func TestGeneratedUpToDate(t *testing.T) {
	dir := sharedDir(t)
	for _, m := range []struct {
		embedded, xml string
	}{
		{tr181File, "tr-181-2-17-0-cwmp-full.xml"},
		{tr098File, "tr-098-1-8-0-full.xml"},
	} {
		payload, _, err := dmgen.Generate(filepath.Join(dir, m.xml), filepath.Join(dir, "tr-106-types.xml"), nil)
		if err != nil {
			t.Fatalf("generate %s: %v", m.xml, err)
		}
		embedded, err := dmformat.Unpack(m.embedded)
		if err != nil {
			t.Fatalf("unpack the file embedded for %s: %v", m.xml, err)
		}
		if string(payload) != embedded {
			t.Errorf("the schema embedded for %s is out of date: run go generate ./protocol/datamodel", m.xml)
			continue
		}
		file, err := dmformat.Pack(payload)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(file, []byte(m.embedded)) {
			t.Errorf("the file embedded for %s holds the right schema but is not what go generate writes "+
				"(a different compressor?): run go generate ./protocol/datamodel", m.xml)
		}
	}
}
