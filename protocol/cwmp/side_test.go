package cwmp

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/beevik/etree"
)

// TestSideTables: every RPC has a decoder exactly in the tables of the
// sides that send it, and its Body type has the argument writers of
// exactly those sides.
func TestSideTables(t *testing.T) {
	for name, spec := range rpcTable {
		fromACS, fromCPE := spec.sender&sentByACS != 0, spec.sender&sentByCPE != 0
		if !fromACS && !fromCPE {
			t.Errorf("%s: no sender", name)
		}
		fa, inACS := findDecoder(acsMessages[:], name)
		fc, inCPE := findDecoder(cpeMessages[:], name)
		if inACS != fromACS || inCPE != fromCPE {
			t.Errorf("%s: sent by ACS %v CPE %v, decoded as ACS message %v, CPE message %v", name, fromACS, fromCPE, inACS, inCPE)
			continue
		}
		f := fa
		if f == nil {
			f = fc
		}
		b := f(&decoder{}, etree.NewElement(name))
		if b.Method() != name {
			t.Errorf("%s decodes to a %s", name, b.Method())
		}
		_, up := b.(upBody)
		_, down := b.(downBody)
		if up != fromCPE || down != fromACS {
			t.Errorf("%s (%T): writers up %v down %v, want %v %v", name, b, up, down, fromCPE, fromACS)
		}
	}
	for _, tab := range [][]namedDecoder{acsMessages[:], cpeMessages[:]} {
		seen := map[string]bool{}
		for _, d := range tab {
			if _, ok := rpcTable[d.name]; !ok {
				t.Errorf("%s has a decoder but is not in rpcTable", d.name)
			}
			if seen[d.name] {
				t.Errorf("%s has two decoders in one table", d.name)
			}
			seen[d.name] = true
		}
	}
	var f any = &Fault{}
	if _, ok := f.(upBody); !ok {
		t.Error("a CPE cannot encode Fault")
	}
	if _, ok := f.(downBody); !ok {
		t.Error("an ACS cannot encode Fault")
	}
}

func goldenMessages(t testing.TB) map[string][]byte {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "golden", "*.xml"))
	if err != nil || len(files) < 50 {
		t.Fatalf("golden messages: %d files, %v", len(files), err)
	}
	out := map[string][]byte{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(f)] = data
	}
	for i, q := range fuzzQuirks {
		out["quirk"+itoa(i)] = []byte(q)
	}
	return out
}

// sentByCPEOnly reports whether DecodeCPE leaves method's arguments unread.
func sentByCPEOnly(method string) bool {
	spec, ok := rpcTable[method]
	return ok && spec.sender&sentByACS == 0
}

// TestMarshalCPE: MarshalCPE and EncodeCPE write Marshal's bytes for every
// message a CPE sends and refuse the rest.
func TestMarshalCPE(t *testing.T) {
	cpeSends := 0
	for name, data := range goldenMessages(t) {
		env, err := Decode(data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		want, err := Marshal(env)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, err := MarshalCPE(env)
		method := env.Body.Method()
		spec, known := rpcTable[method]
		if method != "Fault" && (!known || spec.sender&sentByCPE == 0) {
			if err == nil || !strings.Contains(err.Error(), "a CPE sends") {
				t.Errorf("%s: MarshalCPE of %s: %v, want a refusal", name, method, err)
			}
			continue
		}
		cpeSends++
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: MarshalCPE differs from Marshal (%v)\n%s\n%s", name, err, got, want)
		}
		var buf bytes.Buffer
		if err := EncodeCPE(&buf, env); err != nil || !bytes.Equal(buf.Bytes(), want) {
			t.Errorf("%s: EncodeCPE differs from Marshal (%v)", name, err)
		}
	}
	if cpeSends < 20 {
		t.Fatalf("only %d messages a CPE sends were checked", cpeSends)
	}
	// The refusals of Marshal hold for MarshalCPE too.
	if _, err := MarshalCPE(&Envelope{Namespace: NamespaceCWMP10, Body: &DUStateChangeComplete{}}); err == nil {
		t.Error("MarshalCPE put DUStateChangeComplete into cwmp-1-0")
	}
	if _, err := MarshalCPE(&Envelope{Body: (*Inform)(nil)}); err == nil {
		t.Error("MarshalCPE accepted a nil *Inform")
	}
}

// checkDecodeCPE holds DecodeCPE to Decode: the same result, except that a
// message only a CPE sends comes back unread, named by its method, even
// when its arguments would not decode.
func checkDecodeCPE(t *testing.T, data []byte) {
	t.Helper()
	want, werr := Decode(data)
	got, gerr := DecodeCPE(data)
	if got == nil {
		t.Fatal("DecodeCPE returned a nil envelope")
	}
	if want.Body != nil && sentByCPEOnly(want.Body.Method()) {
		var de *DecodeError
		if werr != nil && !errors.As(werr, &de) {
			t.Fatalf("Decode: %T %v", werr, werr)
		}
		if gerr != nil {
			t.Fatalf("DecodeCPE refused a %s Decode read (err %v): %v", want.Body.Method(), werr, gerr)
		}
		u, ok := got.Body.(*unread)
		if !ok || u.Method() != want.Body.Method() {
			t.Fatalf("DecodeCPE body %#v, want an unread %s", got.Body, want.Body.Method())
		}
		w := *want
		w.Body = got.Body
		if !reflect.DeepEqual(&w, got) {
			t.Fatalf("DecodeCPE %s, Decode %s", dumpEnvelope(got), dumpEnvelope(want))
		}
		return
	}
	if !reflect.DeepEqual(gerr, werr) {
		t.Fatalf("DecodeCPE error %v, Decode error %v", gerr, werr)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("DecodeCPE %s, Decode %s", dumpEnvelope(got), dumpEnvelope(want))
	}
}

func TestDecodeCPE(t *testing.T) {
	unreadSeen := 0
	for name, data := range goldenMessages(t) {
		t.Run(name, func(t *testing.T) { checkDecodeCPE(t, data) })
		if env, _ := DecodeCPE(data); env != nil {
			if _, ok := env.Body.(*unread); ok {
				unreadSeen++
			}
		}
	}
	if unreadSeen < 10 {
		t.Fatalf("only %d golden messages were left unread", unreadSeen)
	}
	// Arguments a CPE never reads cannot fail its decode; the envelope
	// still can.
	bad := soapMsg(NamespaceCWMP12, idHeader, "<cwmp:Inform><RetryCount>x</RetryCount></cwmp:Inform>")
	if _, err := Decode([]byte(bad)); err == nil {
		t.Fatal("Decode accepted a bad RetryCount")
	}
	env, err := DecodeCPE([]byte(bad))
	if err != nil || env.Body.Method() != "Inform" {
		t.Fatalf("DecodeCPE: %v, %#v", err, env.Body)
	}
	old := soapMsg(NamespaceCWMP10, idHeader, "<cwmp:DUStateChangeComplete/>")
	if _, err := DecodeCPE([]byte(old)); err == nil {
		t.Fatal("DecodeCPE accepted DUStateChangeComplete in cwmp-1-0")
	}
}

// FuzzDecodeCPE holds DecodeCPE to Decode on any input.
func FuzzDecodeCPE(f *testing.F) {
	for _, data := range goldenMessages(f) {
		f.Add(data)
	}
	f.Fuzz(checkDecodeCPE)
}
