package packaging

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"
)

// entry is one member of a tar archive.
type entry struct {
	Name     string
	Typeflag byte
	Mode     int64
	Uname    string
	Linkname string
	Body     []byte
}

// readTarGz reads a gzip-compressed tar, in order.
func readTarGz(t *testing.T, what string, b []byte) []entry {
	t.Helper()
	if len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
		t.Fatalf("%s: not gzip (opkg tells an ipk from a deb by this magic)", what)
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	tr := tar.NewReader(zr)
	var out []entry
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		body, err := io.ReadAll(tr)
		if err != nil {
			t.Fatalf("%s: %s: %v", what, h.Name, err)
		}
		out = append(out, entry{Name: h.Name, Typeflag: h.Typeflag, Mode: h.Mode, Uname: h.Uname, Linkname: h.Linkname, Body: body})
	}
	return out
}

// readAr reads a Debian ar archive: the global header, then 60-byte member
// headers, each member padded to an even length.
func readAr(t *testing.T, b []byte) []entry {
	t.Helper()
	const magic = "!<arch>\n"
	if !bytes.HasPrefix(b, []byte(magic)) {
		t.Fatal("deb: no ar magic")
	}
	b = b[len(magic):]
	var out []entry
	for len(b) > 0 {
		if len(b) < 60 {
			t.Fatalf("deb: truncated member header (%d bytes)", len(b))
		}
		h := string(b[:60])
		if h[58:60] != "`\n" {
			t.Fatalf("deb: bad member header %q", h)
		}
		name := strings.TrimSuffix(strings.TrimSpace(h[0:16]), "/")
		size, err := strconv.ParseInt(strings.TrimSpace(h[48:58]), 10, 64)
		if err != nil || size < 0 || int64(len(b)-60) < size {
			t.Fatalf("deb: member %s: bad size %q", name, h[48:58])
		}
		out = append(out, entry{Name: name, Body: b[60 : 60+size]})
		b = b[60+size:]
		if size%2 == 1 && len(b) > 0 {
			b = b[1:]
		}
	}
	return out
}

func member(t *testing.T, what string, es []entry, name string) entry {
	t.Helper()
	for _, e := range es {
		if e.Name == name {
			return e
		}
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name)
	}
	t.Fatalf("%s: no %s among %q", what, name, names)
	return entry{}
}

// parseControl reads a Debian-style control file: "Field: value" lines,
// continuation lines starting with a space.
func parseControl(t *testing.T, b []byte) map[string]string {
	t.Helper()
	fields := map[string]string{}
	last := ""
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			if last == "" {
				t.Fatalf("control: continuation before any field: %q", line)
			}
			fields[last] += "\n" + line
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			t.Fatalf("control: line without a field: %q", line)
		}
		if _, dup := fields[k]; dup {
			t.Fatalf("control: field %s twice", k)
		}
		fields[k] = strings.TrimSpace(v)
		last = k
	}
	return fields
}

func (e entry) String() string { return fmt.Sprintf("%s (%c, %o)", e.Name, e.Typeflag, e.Mode) }
