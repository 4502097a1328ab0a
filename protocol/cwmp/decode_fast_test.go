package cwmp

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// fastSeeds are the repository's messages (golden, quirks, malformed,
// fuzz regressions) plus Informs written in the ways devices write them,
// with and without XML the fast path leaves to the reference decoder.
func fastSeeds(t testing.TB) [][]byte {
	var out [][]byte
	for _, dir := range []string{"golden", "quirks", "malformed"} {
		files, err := filepath.Glob(filepath.Join("testdata", dir, "*.xml"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, b)
		}
	}
	for _, q := range fuzzQuirks {
		out = append(out, []byte(q))
	}
	for _, m := range fastInforms() {
		out = append(out, []byte(m))
	}
	return out
}

const fastInformBody = `<cwmp:Inform><DeviceId><Manufacturer>Acme &amp; Co</Manufacturer><OUI>00D09E</OUI>` +
	`<ProductClass>GW</ProductClass><SerialNumber> SN1 </SerialNumber></DeviceId>` +
	`<Event soap-enc:arrayType="cwmp:EventStruct[1]"><EventStruct><EventCode>2 PERIODIC</EventCode><CommandKey></CommandKey></EventStruct></Event>` +
	`<MaxEnvelopes>1</MaxEnvelopes><CurrentTime>2024-03-05T14:07:31+01:00</CurrentTime><RetryCount>0</RetryCount>` +
	`<ParameterList soap-enc:arrayType="cwmp:ParameterValueStruct[3]">` +
	`<ParameterValueStruct><Name>Device.DeviceInfo.SoftwareVersion</Name><Value xsi:type="xsd:string"> 1.0 &#x41;&#66; </Value></ParameterValueStruct>` +
	`<ParameterValueStruct><Name>Device.DeviceInfo.UpTime</Name><Value xsi:type="xsd:unsignedInt"> 42 </Value></ParameterValueStruct>` +
	`<ParameterValueStruct><Name>Device.X</Name><Value>caf` + "\u00e9" + `</Value></ParameterValueStruct>` +
	`</ParameterList></cwmp:Inform>`

// fastInforms are Informs in many spellings; each must decode the same
// through both decoders, whichever one takes it.
func fastInforms() []string {
	h := idHeader + `<cwmp:SessionTimeout>30</cwmp:SessionTimeout><cwmp:SupportedCWMPVersions>1.0,1.4</cwmp:SupportedCWMPVersions>`
	base := soapMsg(NamespaceCWMP12, h, fastInformBody)
	return []string{
		base,
		soapMsg(NamespaceCWMP10, h, fastInformBody),
		soapMsg(NamespaceCWMP14, idHeader+`<cwmp:NoMoreRequests> 1 </cwmp:NoMoreRequests><x:T xmlns:x="urn:x" soap:mustUnderstand="0"/>`, fastInformBody),
		soapMsg(NamespaceCWMP12, idHeader+`<cwmp:HoldRequests>true</cwmp:HoldRequests>`, fastInformBody),
		soapMsg(NamespaceCWMP12, idHeader+`<x:T xmlns:x="urn:x" soap:mustUnderstand="1"/>`, fastInformBody),
		soapMsg(NamespaceCWMP12, idHeader+`<cwmp:SessionTimeout soap:actor="urn:other">x</cwmp:SessionTimeout>`, fastInformBody),
		soapMsg(NamespaceCWMP12, `<cwmp:ID>a</cwmp:ID><cwmp:ID>b</cwmp:ID>`, fastInformBody),
		strings.ReplaceAll(base, "\n", "\r\n"),
		strings.ReplaceAll(base, "><", ">\n  <"),
		strings.Replace(base, `<?xml version="1.0" encoding="UTF-8"?>`, `<?xml version='1.0' encoding='utf-8' standalone='yes'?>`, 1),
		strings.Replace(base, `<?xml version="1.0" encoding="UTF-8"?>`, "\xef\xbb\xbf", 1),
		strings.Replace(base, `<?xml version="1.0" encoding="UTF-8"?>`, `<?xml version="1.1"?>`, 1),
		strings.Replace(base, `<?xml version="1.0" encoding="UTF-8"?>`, `<?xml version="1.0" encoding="ISO-8859-1"?>`, 1),
		strings.Replace(base, "<RetryCount>0", "<RetryCount><!-- none -->0", 1),
		strings.Replace(base, "<RetryCount>0", "<RetryCount>x", 1),
		strings.Replace(base, "<RetryCount>0", "<RetryCount>+7", 1),
		strings.Replace(base, "<CurrentTime>2024", "<CurrentTime>not", 1),
		strings.Replace(base, "<OUI>00D09E</OUI>", "<OUI>00<b/>D0<!---->9E</OUI>", 1),
		strings.Replace(base, "<OUI>00D09E</OUI>", "<OUI>00<b/>D09E</OUI>", 1),
		strings.Replace(base, "<OUI>00D09E</OUI>", "<OUI><![CDATA[00D09E]]></OUI>", 1),
		strings.Replace(base, "<OUI>00D09E</OUI>", "<OUI>00D09E]]></OUI>", 1),
		strings.Replace(base, "<OUI>00D09E</OUI>", "<OUI>&#0;</OUI>", 1),
		strings.Replace(base, "<OUI>00D09E</OUI>", "<OUI>&#xD800;</OUI>", 1),
		strings.Replace(base, "<OUI>00D09E</OUI>", "<OUI>&nbsp;</OUI>", 1),
		strings.Replace(base, "<OUI>00D09E</OUI>", "<OUI>\x01</OUI>", 1),
		strings.Replace(base, "<OUI>00D09E</OUI>", "<OUI>\xff</OUI>", 1),
		strings.Replace(base, "<OUI>00D09E</OUI>", "<OUI a='1' a='2'>00D09E</OUI>", 1),
		strings.Replace(base, "</DeviceId>", "</DeviceID>", 1),
		strings.Replace(base, "<DeviceId>", "<x:DeviceId>", 1),
		strings.Replace(base, "<cwmp:Inform>", `<cwmp:Inform xmlns:cwmp="urn:dslforum-org:cwmp-1-1">`, 1),
		strings.Replace(base, "<cwmp:Inform>", `<Inform xmlns="urn:dslforum-org:cwmp-1-2">`, 1),
		strings.Replace(base, "</cwmp:Inform>", `</cwmp:Inform><cwmp:Inform/>`, 1),
		strings.Replace(base, "<cwmp:Inform>", `<q:Inform>`, 1),
		strings.Replace(base, "</soap:Body>", `</soap:Body><soap:Body/>`, 1),
		strings.Replace(base, "<soap:Header>", `<soap:Header xmlns:cwmp="urn:other">`, 1),
		strings.Replace(base, `xsi:type="xsd:unsignedInt"`, `type="base64Binary" xsi:type="int"`, 1),
		strings.Replace(base, `<Name>Device.X</Name>`, `<Name>Device.X</Name><Name>Device.Y</Name><Value/>`, 1),
		base[:len(base)-20],
		base + "<extra/>",
		base + " \n",
		"<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body><cwmp:Inform xmlns:cwmp=\"urn:dslforum-org:cwmp-1-0\"><DeviceId/></cwmp:Inform></soap:Body></soap:Envelope>",
		"<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body><cwmp:Inform xmlns:cwmp=\"urn:dslforum-org:cwmp-1-0\"/></soap:Body></soap:Envelope>",
	}
}

// sameDecode fails unless Decode and the reference decoder agree exactly,
// and, when the fast path took the message, that the reference accepted it.
func sameDecode(t *testing.T, data []byte) (fast bool) {
	t.Helper()
	fenv, ok := decodeFast(bytes.TrimPrefix(data, utf8BOM))
	renv, rerr := decodeReference(data)
	if ok {
		if rerr != nil {
			t.Fatalf("fast path accepted what the reference refuses (%v):\n%q", rerr, data)
		}
		if !reflect.DeepEqual(fenv, renv) {
			t.Fatalf("fast path differs:\n got %s\nwant %s\ninput %q", dumpEnvelope(fenv), dumpEnvelope(renv), data)
		}
	}
	env, err := Decode(data)
	if !reflect.DeepEqual(env, renv) {
		t.Fatalf("Decode differs from the reference:\n got %s\nwant %s", dumpEnvelope(env), dumpEnvelope(renv))
	}
	var de, rde *DecodeError
	switch {
	case (err == nil) != (rerr == nil):
		t.Fatalf("Decode error %v, reference %v", err, rerr)
	case err != nil && (!errors.As(err, &de) || !errors.As(rerr, &rde) || de.Kind != rde.Kind || de.Msg != rde.Msg || de.ID != rde.ID):
		t.Fatalf("Decode error %v, reference %v", err, rerr)
	}
	return ok
}

func TestDecodeFastMatchesReference(t *testing.T) {
	taken := 0
	for _, s := range fastSeeds(t) {
		if sameDecode(t, s) {
			taken++
		}
	}
	// The fast path must carry the plain Informs, or it is dead code.
	for _, m := range []string{fastInforms()[0], fastInforms()[7], fastInforms()[8]} {
		if _, ok := decodeFast([]byte(m)); !ok {
			t.Errorf("fast path did not take a plain Inform:\n%s", m)
		}
	}
	golden, err := os.ReadFile(filepath.Join("testdata", "golden", "Inform.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := decodeFast(golden); !ok {
		t.Error("fast path did not take testdata/golden/Inform.xml")
	}
	data, err := Marshal(benchInform())
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := decodeFast(data); !ok {
		t.Error("fast path did not take the encoder's Inform")
	}
	t.Logf("fast path took %d of the seeds", taken)
}

// TestDecodeFastLeavesOtherMessages: anything but an Inform goes to the
// reference decoder, stopping at the RPC element.
func TestDecodeFastLeavesOtherMessages(t *testing.T) {
	for _, name := range []string{"InformResponse", "GetParameterValuesResponse", "TransferComplete", "Fault-SetParameterValues"} {
		b, err := os.ReadFile(filepath.Join("testdata", "golden", name+".xml"))
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := decodeFast(b); ok {
			t.Errorf("fast path took %s", name)
		}
	}
}

// FuzzDecodeFast is the differential check: whatever the fast path
// accepts, the etree decoder accepts too and decodes identically; and
// Decode as a whole returns exactly what the reference returns (the
// envelope, the error's kind, message and ID).
func FuzzDecodeFast(f *testing.F) {
	for _, s := range fastSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sameDecode(t, data)
	})
}

func BenchmarkDecodeInformReference(b *testing.B) {
	data, err := Marshal(benchInform())
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for range b.N {
		if _, err := decodeReference(data); err != nil {
			b.Fatal(err)
		}
	}
}

// TestDecodeFastHostileInputIsCheap: values split by child elements and
// long header lists must not make the fast path quadratic.
func TestDecodeFastHostileInputIsCheap(t *testing.T) {
	var b strings.Builder
	for range 20000 {
		b.WriteString(`<ParameterValueStruct><Name>N</Name><Value>a<x/>b<x/>c</Value></ParameterValueStruct>`)
	}
	var h strings.Builder
	for range 20000 {
		h.WriteString(`<cwmp:X a="1" b="2"/>`)
	}
	msg := soapMsg(NamespaceCWMP12, h.String(), `<cwmp:Inform><DeviceId><OUI>1</OUI><SerialNumber>2</SerialNumber></DeviceId>`+
		`<ParameterList>`+b.String()+`</ParameterList></cwmp:Inform>`)
	start := time.Now()
	env, ok := decodeFast([]byte(msg))
	if !ok {
		t.Fatal("fast path did not take the message")
	}
	if got := env.Body.(*Inform).ParameterList; len(got) != 20000 || got[19999].Value != "abc" {
		t.Fatalf("decoded %d parameters, last %+v", len(got), got[len(got)-1])
	}
	// Generous, as in TestDecodeHostileInputIsCheap: a quadratic walk
	// takes minutes here.
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("decode took %v", d)
	}
}
