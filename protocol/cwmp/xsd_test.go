package cwmp_test

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"gatewarden/protocol/cwmp"
)

// The acceptance bar for the encoder: every envelope it can emit validates
// against the Broadband Forum schemas with `xmllint --nonet --schema`. The
// BBF schemas import the SOAP envelope and encoding namespaces by URL and
// include each other by URL; testdata/xsd/catalog.xml maps all of those to
// local files (our SOAP stand-ins, and ../shared/datamodels beside the
// clone), so validation never touches the network.

const (
	xsdNSEnvelope = "http://schemas.xmlsoap.org/soap/envelope/"
	xsdNSEncoding = "http://schemas.xmlsoap.org/soap/encoding/"
	xsdNSSchema   = "http://www.w3.org/2001/XMLSchema"
	xsdNSInstance = "http://www.w3.org/2001/XMLSchema-instance"
	xsdCWMPPrefix = "urn:dslforum-org:cwmp-"
)

// xsdSchemaByNamespace picks the BBF schema for an envelope's cwmp namespace.
// CWMP 1.3 and 1.4 kept the cwmp-1-2 namespace, and cwmp-1-4.xsd includes
// and redefines cwmp-1-3.xsd, which includes cwmp-1-2.xsd, so a cwmp-1-2
// envelope is checked against the union of all three.
var xsdSchemaByNamespace = map[string]string{
	"urn:dslforum-org:cwmp-1-0": "cwmp-1-0.xsd",
	"urn:dslforum-org:cwmp-1-1": "cwmp-1-1.xsd",
	"urn:dslforum-org:cwmp-1-2": "cwmp-1-4.xsd",
}

// xsdAliasNamespaces are the cwmp URNs some stacks send for CWMP 1.3 and
// 1.4 although BBF kept cwmp-1-2 for both; no schema declares them.
var xsdAliasNamespaces = map[string]string{
	"urn:dslforum-org:cwmp-1-3": "urn:dslforum-org:cwmp-1-2",
	"urn:dslforum-org:cwmp-1-4": "urn:dslforum-org:cwmp-1-2",
}

// xsdValueTypes are the xsi:type values a sender may put on a Value (digest §1.5).
var xsdValueTypes = []string{"string", "int", "unsignedInt", "long", "unsignedLong", "boolean", "dateTime", "base64Binary", "hexBinary"}

// xsdRepoRoot walks up from the test's working directory to the folder
// holding go.mod; shared/ sits beside it.
func xsdRepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatalf("get working directory: %v", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's working directory")
		}
		dir = parent
	}
}

// xsdSharedDir is ../shared relative to the repository root.
func xsdSharedDir(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(xsdRepoRoot(t), "..", "shared")
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("shared files not found beside the repository (%s): %v", dir, err)
	}
	return dir
}

// xsdValidator runs xmllint against the BBF schemas through the catalog.
type xsdValidator struct {
	xmllint   string
	catalog   string
	schemaDir string
}

// xsdVerdict is xmllint's answer for one file.
type xsdVerdict struct {
	valid bool
	msgs  []string
}

func newXSDValidator(t *testing.T) *xsdValidator {
	t.Helper()
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		t.Fatalf("xmllint is not on PATH (%v): run `make setup` (testbench/setup.sh installs libxml2-utils); XSD validation is an acceptance test and is never skipped", err)
	}
	schemaDir := filepath.Join(xsdSharedDir(t), "datamodels")
	for _, name := range []string{"cwmp-1-0.xsd", "cwmp-1-1.xsd", "cwmp-1-2.xsd", "cwmp-1-3.xsd", "cwmp-1-4.xsd"} {
		if _, err := os.Stat(filepath.Join(schemaDir, name)); err != nil {
			t.Fatalf("BBF schema missing: %v", err)
		}
	}
	catalog, err := filepath.Abs(filepath.Join("testdata", "xsd", "catalog.xml"))
	if err != nil {
		t.Fatal(err)
	}
	xsdCheckCatalog(t, catalog, schemaDir)
	return &xsdValidator{xmllint: xmllint, catalog: catalog, schemaDir: schemaDir}
}

// xsdCheckCatalog makes sure the committed catalog's relative targets land on
// the stand-ins beside it and on the same shared/datamodels the rest of the
// test uses, so a moved file fails here with a clear message rather than as
// an xmllint attempt to load a network entity.
func xsdCheckCatalog(t *testing.T, catalog, schemaDir string) {
	t.Helper()
	data, err := os.ReadFile(catalog)
	if err != nil {
		t.Fatalf("read catalog: %v", err)
	}
	var cat struct {
		Entries []struct {
			XMLName xml.Name
			Attrs   []xml.Attr `xml:",any,attr"`
		} `xml:",any"`
	}
	if err := xml.Unmarshal(data, &cat); err != nil {
		t.Fatalf("parse catalog %s: %v", catalog, err)
	}
	base := filepath.Dir(catalog)
	wantBBF := filepath.Clean(schemaDir)
	mapped := map[string]bool{}
	for _, e := range cat.Entries {
		attr := func(name string) string {
			for _, a := range e.Attrs {
				if a.Name.Local == name {
					return a.Value
				}
			}
			return ""
		}
		switch e.XMLName.Local {
		case "uri", "system":
			from := attr("name") + attr("systemId")
			target := filepath.Join(base, attr("uri"))
			if _, err := os.Stat(target); err != nil {
				t.Fatalf("catalog maps %s to a missing file: %v", from, err)
			}
			mapped[from] = true
		case "rewriteURI", "rewriteSystem":
			from := attr("uriStartString") + attr("systemIdStartString")
			target := filepath.Clean(filepath.Join(base, attr("rewritePrefix")))
			if target != wantBBF {
				t.Fatalf("catalog rewrites %s to %s, but the BBF schemas are in %s", from, target, wantBBF)
			}
			mapped[from] = true
		}
	}
	for _, url := range []string{xsdNSEnvelope, xsdNSEncoding, "http://www.broadband-forum.org/cwmp/"} {
		if !mapped[url] {
			t.Fatalf("catalog %s does not map %s", catalog, url)
		}
	}
}

// validate runs one xmllint for all files against one BBF schema.
func (v *xsdValidator) validate(t *testing.T, schema string, originals []string) map[string]xsdVerdict {
	t.Helper()
	// xmllint names files URI-escaped in its messages; plain copies keep
	// its output matchable wherever the repository was cloned.
	dir := t.TempDir()
	files := make([]string, len(originals))
	for i, f := range originals {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		files[i] = filepath.Join(dir, fmt.Sprintf("f%04d.xml", i))
		if err := os.WriteFile(files[i], data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	args := append([]string{"--nonet", "--noout", "--schema", filepath.Join(v.schemaDir, schema)}, files...)
	cmd := exec.Command(v.xmllint, args...)
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool {
		return strings.HasPrefix(kv, "XML_CATALOG_FILES=") || strings.HasPrefix(kv, "XML_DEBUG_CATALOG=")
	})
	cmd.Env = append(env, "XML_CATALOG_FILES="+v.catalog)
	var stderr bytes.Buffer
	cmd.Stdout = &stderr
	cmd.Stderr = &stderr
	err := cmd.Run()
	out := stderr.String()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("run xmllint: %v", err)
	}
	// 3 is "validation failed" and 1 a parse error in an instance; anything
	// else (5: schema did not compile) is a broken harness, not a verdict.
	if code := cmd.ProcessState.ExitCode(); code != 0 && code != 1 && code != 3 {
		t.Fatalf("xmllint --schema %s exited %d:\n%s", schema, code, out)
	}
	for _, bad := range []string{"I/O error", "failed to load", "network entity", "Skipping the import", "failed to compile", "Schemas parser"} {
		if strings.Contains(out, bad) {
			t.Fatalf("xmllint could not load the schemas locally (%q); check testdata/xsd/catalog.xml:\n%s", bad, out)
		}
	}
	lines := strings.Split(out, "\n")
	verdicts := make(map[string]xsdVerdict, len(files))
	for i, f := range files {
		var vd xsdVerdict
		seen := false
		for _, l := range lines {
			switch {
			case l == f+" validates":
				vd.valid, seen = true, true
			case l == f+" fails to validate", l == f+" validation generated an internal error":
				seen = true
			case strings.HasPrefix(l, f+":"):
				vd.msgs = append(vd.msgs, strings.TrimPrefix(l, f+":"))
				if strings.Contains(l, "parser error") {
					seen = true
				}
			}
		}
		if !seen {
			t.Fatalf("xmllint said nothing about %s:\n%s", f, out)
		}
		if vd.valid && len(vd.msgs) > 0 {
			vd.valid = false
		}
		verdicts[originals[i]] = vd
	}
	return verdicts
}

// xsdNamespaceOf returns the one cwmp namespace an envelope uses. Mixing
// cwmp namespaces in one envelope is itself an error.
func xsdNamespaceOf(data []byte) (string, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	found := map[string]bool{}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", fmt.Errorf("parse: %w", err)
		}
		if se, ok := tok.(xml.StartElement); ok && strings.HasPrefix(se.Name.Space, xsdCWMPPrefix) {
			found[se.Name.Space] = true
		}
	}
	if len(found) != 1 {
		return "", fmt.Errorf("want exactly one cwmp namespace, found %v", found)
	}
	for ns := range found {
		return ns, nil
	}
	panic("unreachable")
}

var xsdArrayTypeRE = regexp.MustCompile(`^([^:\[\]]+):([^:\[\]]+)\[([0-9]+)\]$`)

// xsdEncodingProblems checks the SOAP-encoding rules XSD 1.0 cannot express
// (digest §1.5): an arrayType's prefix is declared and names the cwmp, XSD or
// SOAP-ENC namespace, its count equals the number of members, and the members
// are named after the type; every Value carries an xsi:type from the allowed
// set.
func xsdEncodingProblems(data []byte) []string {
	type frame struct {
		name      xml.Name
		ns        map[string]string
		arrayType string
		arrayNS   string
		arrayN    int
		members   int
		badMember string
	}
	var problems []string
	stack := []*frame{{ns: map[string]string{"xml": "http://www.w3.org/XML/1998/namespace"}}}
	dec := xml.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return append(problems, fmt.Sprintf("parse: %v", err))
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			parent := stack[len(stack)-1]
			f := &frame{name: tok.Name, ns: parent.ns}
			for _, a := range tok.Attr {
				if a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns") {
					f.ns = maps.Clone(f.ns)
					prefix := a.Name.Local
					if a.Name.Space == "" {
						prefix = ""
					}
					f.ns[prefix] = a.Value
				}
			}
			if parent.arrayType != "" {
				parent.members++
				if tok.Name.Local != parent.arrayType && parent.badMember == "" {
					parent.badMember = tok.Name.Local
				}
			}
			for _, a := range tok.Attr {
				switch {
				case a.Name.Space == xsdNSEncoding && a.Name.Local == "arrayType":
					m := xsdArrayTypeRE.FindStringSubmatch(a.Value)
					if m == nil {
						problems = append(problems, fmt.Sprintf("<%s>: arrayType %q is not prefix:Type[N]", tok.Name.Local, a.Value))
						continue
					}
					ns, ok := f.ns[m[1]]
					if !ok {
						problems = append(problems, fmt.Sprintf("<%s>: arrayType %q uses undeclared prefix %q", tok.Name.Local, a.Value, m[1]))
					}
					// Members are cwmp structs, xsd:string or (VoucherList,
					// OptionList) soapenc:base64.
					if ns != xsdNSSchema && ns != xsdNSEncoding && !strings.HasPrefix(ns, xsdCWMPPrefix) {
						problems = append(problems, fmt.Sprintf("<%s>: arrayType %q: prefix %q is bound to %q, not the cwmp, XSD or SOAP-ENC namespace", tok.Name.Local, a.Value, m[1], ns))
					}
					n, _ := strconv.Atoi(m[3])
					f.arrayType, f.arrayNS, f.arrayN = m[2], ns, n
				}
			}
			if tok.Name.Local == "Value" && parent.name.Local == "ParameterValueStruct" {
				problems = append(problems, xsdValueTypeProblems(tok, f.ns)...)
			}
			stack = append(stack, f)
		case xml.EndElement:
			f := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if f.arrayType == "" {
				continue
			}
			if f.members != f.arrayN {
				problems = append(problems, fmt.Sprintf("<%s>: arrayType says %d members, element has %d", f.name.Local, f.arrayN, f.members))
			}
			if f.badMember != "" {
				problems = append(problems, fmt.Sprintf("<%s>: member <%s> is not named after arrayType %s", f.name.Local, f.badMember, f.arrayType))
			}
		}
	}
	return problems
}

func xsdValueTypeProblems(se xml.StartElement, ns map[string]string) []string {
	for _, a := range se.Attr {
		if a.Name.Space != xsdNSInstance || a.Name.Local != "type" {
			continue
		}
		prefix, local, ok := strings.Cut(a.Value, ":")
		if !ok {
			return []string{fmt.Sprintf("Value xsi:type %q has no prefix", a.Value)}
		}
		if ns[prefix] != xsdNSSchema {
			return []string{fmt.Sprintf("Value xsi:type %q: prefix %q is bound to %q, not %s", a.Value, prefix, ns[prefix], xsdNSSchema)}
		}
		if !slices.Contains(xsdValueTypes, local) {
			return []string{fmt.Sprintf("Value xsi:type %q is not one of %v", a.Value, xsdValueTypes)}
		}
		return nil
	}
	return []string{"Value without xsi:type"}
}

// xsdCase is one file to validate and the schema chosen for it.
type xsdCase struct {
	name   string // for t.Run
	path   string // absolute, as given to xmllint
	schema string
}

// xsdRun validates all cases, one xmllint per schema, and returns the verdicts.
func xsdRun(t *testing.T, v *xsdValidator, cases []xsdCase) map[string]xsdVerdict {
	t.Helper()
	bySchema := map[string][]string{}
	for _, c := range cases {
		bySchema[c.schema] = append(bySchema[c.schema], c.path)
	}
	all := map[string]xsdVerdict{}
	schemas := make([]string, 0, len(bySchema))
	for s := range bySchema {
		schemas = append(schemas, s)
	}
	sort.Strings(schemas)
	for _, s := range schemas {
		for f, vd := range v.validate(t, s, bySchema[s]) {
			all[f] = vd
		}
	}
	return all
}

// xsdBatch collects encoder output to validate, one xmllint per schema.
type xsdBatch struct {
	t        *testing.T
	tmp      string
	cases    []xsdCase
	problems map[string][]string
	order    []string
}

func newXSDBatch(t *testing.T) *xsdBatch {
	return &xsdBatch{t: t, tmp: t.TempDir(), problems: map[string][]string{}}
}

func (b *xsdBatch) fail(name, msg string) {
	b.problems[name] = append(b.problems[name], msg)
}

// add queues one envelope under name and returns its cwmp namespace.
func (b *xsdBatch) add(name string, data []byte) string {
	b.order = append(b.order, name)
	ns, err := xsdNamespaceOf(data)
	if err != nil {
		b.fail(name, err.Error())
		return ""
	}
	check, schemaNS := data, ns
	if alias, ok := xsdAliasNamespaces[ns]; ok {
		// Answering in kind (digest §1.3) means echoing a non-BBF URN;
		// the content must still be valid CWMP 1.2-1.4, so a copy moved
		// into the namespace it stands for is validated.
		check, schemaNS = bytes.ReplaceAll(data, []byte(ns), []byte(alias)), alias
	}
	schema, ok := xsdSchemaByNamespace[schemaNS]
	if !ok {
		b.fail(name, fmt.Sprintf("namespace %s has no BBF schema: the encoder must emit cwmp-1-0, cwmp-1-1 or cwmp-1-2 (or answer cwmp-1-3/1-4 in kind)", ns))
		return ns
	}
	for _, p := range xsdEncodingProblems(check) {
		b.fail(name, p)
	}
	path := filepath.Join(b.tmp, fmt.Sprintf("%04d.xml", len(b.order)))
	if err := os.WriteFile(path, check, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.cases = append(b.cases, xsdCase{name: name, path: path, schema: schema})
	return ns
}

// addReencoded decodes data, encodes it again with today's encoder and
// queues the result; it returns the decoded envelope or nil.
func (b *xsdBatch) addReencoded(name string, data []byte) *cwmp.Envelope {
	env, err := cwmp.Decode(data)
	if err != nil {
		b.order = append(b.order, name)
		b.fail(name, fmt.Sprintf("does not decode: %v", err))
		return nil
	}
	var buf bytes.Buffer
	if err := cwmp.Encode(&buf, env); err != nil {
		b.order = append(b.order, name)
		b.fail(name, fmt.Sprintf("decoded envelope does not encode: %v", err))
		return nil
	}
	if ns := b.add(name, buf.Bytes()); ns != env.Namespace {
		b.fail(name, fmt.Sprintf("decoded namespace %q, re-encoded %q", env.Namespace, ns))
	}
	return env
}

// run validates everything queued and reports one subtest per envelope.
func (b *xsdBatch) run(v *xsdValidator) {
	verdicts := xsdRun(b.t, v, b.cases)
	byName := map[string]xsdCase{}
	for _, c := range b.cases {
		byName[c.name] = c
	}
	for _, n := range slices.Compact(slices.Sorted(slices.Values(b.order))) {
		b.t.Run(n, func(t *testing.T) {
			for _, p := range b.problems[n] {
				t.Error(p)
			}
			c, ok := byName[n]
			if !ok {
				return
			}
			if vd := verdicts[c.path]; !vd.valid {
				t.Errorf("does not validate against %s:\n%s", c.schema, strings.Join(vd.msgs, "\n"))
			}
		})
	}
}

// TestEnvelopesValidateAgainstXSD validates every checked-in golden envelope
// and the encoder's output for it today (decode, encode again), so a codec
// change that breaks the wire format fails here even before the golden
// files are regenerated.
func TestEnvelopesValidateAgainstXSD(t *testing.T) {
	v := newXSDValidator(t)
	goldens, err := filepath.Glob(filepath.Join("testdata", "golden", "*.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(goldens) == 0 {
		t.Fatal("no testdata/golden/*.xml: the codec's golden test writes one envelope per RPC and header variant; there is nothing to validate")
	}
	b := newXSDBatch(t)
	for _, g := range goldens {
		data, err := os.ReadFile(g)
		if err != nil {
			t.Fatal(err)
		}
		base := filepath.Base(g)
		goldenNS := b.add("golden/"+base, data)
		if env := b.addReencoded("reencoded/"+base, data); env != nil && env.Namespace != goldenNS {
			b.fail("reencoded/"+base, fmt.Sprintf("golden namespace %q decoded as %q", goldenNS, env.Namespace))
		}
	}
	b.run(v)
	t.Run("negative control", func(t *testing.T) { xsdBrokenGoldenFails(t, v, goldens[0]) })
}

// xsdBrokenGoldenFails puts an undeclared element at the start of a golden
// envelope's Body and expects the very validation path used above to reject
// it, so a pass of TestEnvelopesValidateAgainstXSD cannot be vacuous.
func xsdBrokenGoldenFails(t *testing.T, v *xsdValidator, golden string) {
	data, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	loc := regexp.MustCompile(`<([A-Za-z_][\w.\-]*:)?Body(\s[^>]*)?>`).FindIndex(data)
	if loc == nil {
		t.Fatalf("%s: no Body start tag", golden)
	}
	broken := slices.Concat(data[:loc[1]], []byte(`<X_Bogus xmlns="urn:example:bogus"/>`), data[loc[1]:])
	b := newXSDBatch(t)
	b.add("broken "+filepath.Base(golden), broken)
	if len(b.cases) != 1 {
		t.Fatalf("broken copy of %s was not queued: %v", golden, b.problems)
	}
	vd := xsdRun(t, v, b.cases)[b.cases[0].path]
	if vd.valid {
		t.Fatalf("a copy of %s with a bogus element in Body validates: the harness cannot fail", golden)
	}
	if msg := strings.Join(vd.msgs, "\n"); !strings.Contains(msg, "X_Bogus") {
		t.Errorf("rejected, but not for the bogus element:\n%s", msg)
	}
}

// TestQuirkCorpusReencodesToValidXSD: whatever odd shape a peer sent, once
// decoded, our encoder turns it into a schema-valid envelope. The quirk
// corpus exercises values the golden files do not (CDATA, CR, non-ASCII,
// empty arrays, 780-entry lists, answering cwmp-1-3/1-4 in kind).
func TestQuirkCorpusReencodesToValidXSD(t *testing.T) {
	v := newXSDValidator(t)
	files, err := filepath.Glob(filepath.Join("testdata", "quirks", "*.xml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no quirk corpus (%v)", err)
	}
	b := newXSDBatch(t)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		b.addReencoded(filepath.Base(f), data)
	}
	b.run(v)
}

// xsdMutation breaks a valid control envelope in one way.
type xsdMutation struct {
	name    string
	control string // file in testdata/xsd/controls
	schema  string // "" = the one for the control's namespace
	old     string // every occurrence is replaced, so tag pairs stay matched
	new     string
	want    string // substring of xmllint's message, to prove the failure is the intended one
}

var xsdMutations = []xsdMutation{
	{"misspelt argument", "inform-cwmp-1-2.xml", "", "<MaxEnvelopes>1</MaxEnvelopes>", "<MaxEnvelope>1</MaxEnvelope>", "MaxEnvelope': This element is not expected"},
	{"arguments out of order", "inform-cwmp-1-2.xml", "", "<CurrentTime>2024-01-01T00:00:00Z</CurrentTime>\n<RetryCount>0</RetryCount>", "<RetryCount>0</RetryCount>\n<CurrentTime>2024-01-01T00:00:00Z</CurrentTime>", "not expected"},
	{"misspelt RPC", "informresponse-cwmp-1-2.xml", "", "cwmp:InformResponse>", "cwmp:InformRespons>", "No matching global element declaration"},
	{"unknown header", "inform-cwmp-1-2.xml", "", "cwmp:SessionTimeout", "cwmp:SessionTimeOut", "No matching global element declaration"},
	{"1.3 header against the 1.2 schema alone", "inform-cwmp-1-2.xml", "cwmp-1-2.xsd", "", "", "SessionTimeout': No matching global element declaration"},
	{"qualified argument", "inform-cwmp-1-2.xml", "", "DeviceId>", "cwmp:DeviceId>", "not expected"},
	{"mustUnderstand true", "inform-cwmp-1-2.xml", "", `mustUnderstand="1">42`, `mustUnderstand="true">42`, "pattern"},
	{"ID without mustUnderstand", "informresponse-cwmp-1-2.xml", "", `<cwmp:ID soap:mustUnderstand="1">`, `<cwmp:ID>`, "mustUnderstand' is required"},
	{"arrayType without count", "inform-cwmp-1-2.xml", "", `"cwmp:EventStruct[2]"`, `"cwmp:EventStruct"`, "pattern"},
	{"arrayType missing", "inform-cwmp-1-2.xml", "", ` soap-enc:arrayType="cwmp:ParameterValueStruct[2]"`, ``, "arrayType' is required"},
	{"icwmp xsi:type on array", "gpvresponse-cwmp-1-1.xml", "", `<ParameterList soap-enc:`, `<ParameterList xsi:type="soap-enc:Array" soap-enc:`, "not validly derived"},
	{"value not of its xsi:type", "gpvresponse-cwmp-1-1.xml", "", `"xsd:unsignedInt">12<`, `"xsd:unsignedInt">twelve<`, "unsignedInt"},
	{"lower-case OUI", "inform-cwmp-1-2.xml", "", "<OUI>00AABB</OUI>", "<OUI>00aabb</OUI>", "OUI"},
	{"CommandKey over 32 characters", "inform-cwmp-1-2.xml", "", "<CommandKey>reboot-1</CommandKey>", "<CommandKey>" + strings.Repeat("k", 33) + "</CommandKey>", "CommandKey"},
	{"two elements in Body", "informresponse-cwmp-1-2.xml", "", "</cwmp:InformResponse>", "</cwmp:InformResponse><cwmp:GetRPCMethods/>", "not expected"},
	{"faultcode missing", "fault-cwmp-1-0.xml", "", "<faultcode>Client</faultcode>", "", "faultstring': This element is not expected"},
	{"unknown element in detail", "fault-cwmp-1-0.xml", "", "cwmp:Fault>", "cwmp:X_Fault>", "No matching global element declaration"},
	{"NoMoreRequests was dropped from the XSDs", "fault-cwmp-1-0.xml", "", "</soap:Header>", "<cwmp:NoMoreRequests>1</cwmp:NoMoreRequests></soap:Header>", "NoMoreRequests': No matching global element declaration"},
	{"8006 before CWMP 1.4", "fault-cwmp-1-0.xml", "", "<FaultCode>9003</FaultCode>", "<FaultCode>8006</FaultCode>", "FaultCode"},
}

// TestXSDHarnessRejectsBrokenEnvelopes is the negative control: the valid
// controls pass, and each deliberately broken copy fails for the intended
// reason, so a green TestEnvelopesValidateAgainstXSD means something.
func TestXSDHarnessRejectsBrokenEnvelopes(t *testing.T) {
	v := newXSDValidator(t)
	controls, err := filepath.Glob(filepath.Join("testdata", "xsd", "controls", "*.xml"))
	if err != nil || len(controls) == 0 {
		t.Fatalf("no controls in testdata/xsd/controls (%v)", err)
	}
	tmp := t.TempDir()
	var cases []xsdCase
	schemaOf := map[string]string{}
	for _, c := range controls {
		abs, _ := filepath.Abs(c)
		data, err := os.ReadFile(abs)
		if err != nil {
			t.Fatal(err)
		}
		ns, err := xsdNamespaceOf(data)
		if err != nil {
			t.Fatalf("%s: %v", c, err)
		}
		schemaOf[filepath.Base(c)] = xsdSchemaByNamespace[ns]
		if p := xsdEncodingProblems(data); len(p) > 0 {
			t.Errorf("control %s: %v", c, p)
		}
		cases = append(cases, xsdCase{name: "control/" + filepath.Base(c), path: abs, schema: xsdSchemaByNamespace[ns]})
	}
	for i, m := range xsdMutations {
		data, err := os.ReadFile(filepath.Join("testdata", "xsd", "controls", m.control))
		if err != nil {
			t.Fatal(err)
		}
		if m.old != "" && !bytes.Contains(data, []byte(m.old)) {
			t.Fatalf("mutation %q: %q not found in %s", m.name, m.old, m.control)
		}
		out := filepath.Join(tmp, fmt.Sprintf("mutation-%02d.xml", i))
		if m.old != "" {
			data = bytes.ReplaceAll(data, []byte(m.old), []byte(m.new))
		}
		if err := os.WriteFile(out, data, 0o644); err != nil {
			t.Fatal(err)
		}
		schema := m.schema
		if schema == "" {
			schema = schemaOf[m.control]
		}
		cases = append(cases, xsdCase{name: "mutation/" + m.name, path: out, schema: schema})
	}
	verdicts := xsdRun(t, v, cases)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			vd := verdicts[c.path]
			if strings.HasPrefix(c.name, "control/") {
				if !vd.valid {
					t.Errorf("valid control fails %s:\n%s", c.schema, strings.Join(vd.msgs, "\n"))
				}
				return
			}
			if vd.valid {
				t.Fatalf("broken envelope validates against %s: the harness cannot fail", c.schema)
			}
			for _, m := range xsdMutations {
				if "mutation/"+m.name == c.name && !strings.Contains(strings.Join(vd.msgs, "\n"), m.want) {
					t.Errorf("fails, but not for the intended reason (want %q):\n%s", m.want, strings.Join(vd.msgs, "\n"))
				}
			}
		})
	}
}

// TestXSDEncodingChecksCanFail shows the Go-side SOAP-encoding checks catch
// what XSD 1.0 lets through.
func TestXSDEncodingChecksCanFail(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "xsd", "controls", "inform-cwmp-1-2.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if p := xsdEncodingProblems(data); len(p) != 0 {
		t.Fatalf("control has problems: %v", p)
	}
	for _, tc := range []struct{ old, new, want string }{
		{`"cwmp:EventStruct[2]"`, `"cwmp:EventStruct[3]"`, "says 3 members, element has 2"},
		{`"cwmp:EventStruct[2]"`, `"tns:EventStruct[2]"`, "undeclared prefix"},
		{`"cwmp:EventStruct[2]"`, `"soap:EventStruct[2]"`, "not the cwmp, XSD or SOAP-ENC namespace"},
		{`"cwmp:EventStruct[2]"`, `"cwmp:Event[2]"`, "not named after arrayType"},
		{` xsi:type="xsd:unsignedInt"`, ``, "Value without xsi:type"},
		{`xsi:type="xsd:unsignedInt"`, `xsi:type="xsd:unsignedByte"`, "is not one of"},
	} {
		broken := bytes.Replace(data, []byte(tc.old), []byte(tc.new), 1)
		p := strings.Join(xsdEncodingProblems(broken), "\n")
		if !strings.Contains(p, tc.want) {
			t.Errorf("%s -> %s: want a problem containing %q, got %q", tc.old, tc.new, tc.want, p)
		}
	}
}

// TestMalformedCorpusIsRejectedByXSD keeps the malformed corpus honest: each
// file there is invalid by the BBF schemas too, not just by our decoder.
func TestMalformedCorpusIsRejectedByXSD(t *testing.T) {
	v := newXSDValidator(t)
	files, err := filepath.Glob(filepath.Join("testdata", "malformed", "*.xml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no malformed corpus (%v)", err)
	}
	var cases []xsdCase
	for _, f := range files {
		abs, _ := filepath.Abs(f)
		data, err := os.ReadFile(abs)
		if err != nil {
			t.Fatal(err)
		}
		schema := "cwmp-1-4.xsd"
		if ns, err := xsdNamespaceOf(data); err == nil && xsdSchemaByNamespace[ns] != "" {
			schema = xsdSchemaByNamespace[ns]
		}
		cases = append(cases, xsdCase{name: filepath.Base(f), path: abs, schema: schema})
	}
	verdicts := xsdRun(t, v, cases)
	for _, c := range cases {
		if verdicts[c.path].valid {
			t.Errorf("malformed/%s validates against %s: it is not malformed", c.name, c.schema)
		}
	}
}
