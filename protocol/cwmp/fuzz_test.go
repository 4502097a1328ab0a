package cwmp

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// fuzzQuirks are small device-shaped inputs that reach the lenient paths.
var fuzzQuirks = []string{
	soapMsg(NamespaceCWMP10, idHeader+`<cwmp:NoMoreRequests>1</cwmp:NoMoreRequests><cwmp:HoldRequests>true</cwmp:HoldRequests>`,
		`<cwmp:Inform><DeviceId><OUI> 00D09E </OUI></DeviceId><Event><EventStruct><EventCode>1 BOOT</EventCode><CommandKey/></EventStruct></Event>`+
			`<CurrentTime/><ParameterList><ParameterValueStruct><Name>A</Name><Value xsi:type="xsd:int"> 5 </Value></ParameterValueStruct></ParameterList></cwmp:Inform>`),
	soapMsg(NamespaceCWMP13, idHeader+`<cwmp:SessionTimeout>30</cwmp:SessionTimeout><x:T xmlns:x="urn:x" soap:mustUnderstand="0"/>`,
		`<cwmp:ChangeDUState><Operations xsi:type="cwmp:InstallOpStruct"><URL>u</URL></Operations><CommandKey>k</CommandKey></cwmp:ChangeDUState>`),
	soapMsg(NamespaceCWMP12, "", `<soap:Fault><faultcode>SOAP-ENV:Client</faultcode><faultstring/><detail><cwmp:Fault><FaultCode>9003</FaultCode>`+
		`<SetParameterValuesFault><ParameterName>P</ParameterName><FaultCode>9007</FaultCode></SetParameterValuesFault></cwmp:Fault></detail></soap:Fault>`),
	soapMsg(NamespaceCWMP12, idHeader, "<cwmp:SetVouchers><VoucherList><base64>SGk=</base64></VoucherList></cwmp:SetVouchers>"),
	soapMsg(NamespaceCWMP12, idHeader, "<cwmp:GetOptionsResponse><OptionList><OptionStruct><StartDate>2024-01-01T00:00:00Z</StartDate><ExpirationDate/></OptionStruct></OptionList></cwmp:GetOptionsResponse>"),
	"\xef\xbb\xbf<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><Envelope xmlns=\"http://schemas.xmlsoap.org/soap/envelope/\"><Body><c:Reboot xmlns:c=\"urn:dslforum-org:cwmp-1-4\"><CommandKey>\xe9</CommandKey></c:Reboot></Body></Envelope>",
}

// FuzzDecode: Decode never panics and fails only with *DecodeError; what
// it accepts, Encode writes, and decoding that gives the same envelope
// (NoMoreRequests aside: it is never encoded), whose encoding is stable.
func FuzzDecode(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "golden", "*.xml"))
	for _, s := range seeds {
		data, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, q := range fuzzQuirks {
		f.Add([]byte(q))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		env, err := Decode(data)
		if env == nil {
			t.Fatal("nil envelope")
		}
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error %T: %v", err, err)
			}
			if de.ID != env.Header.ID {
				t.Fatalf("DecodeError.ID %q, header ID %q", de.ID, env.Header.ID)
			}
			return
		}
		out, err := Marshal(env)
		if err != nil {
			t.Fatalf("decoded envelope does not encode: %v", err)
		}
		again, err := Decode(out)
		if err != nil {
			t.Fatalf("re-decode: %v\n%s", err, out)
		}
		want := *env
		want.Header.NoMoreRequests = false
		if !reflect.DeepEqual(&want, again) {
			t.Fatalf("round trip changed the envelope\n got %s\nwant %s\nwire:\n%s", dumpEnvelope(again), dumpEnvelope(&want), out)
		}
		out2, err := Marshal(again)
		if err != nil || !bytes.Equal(out, out2) {
			t.Fatalf("encoding is not stable (%v)", err)
		}
	})
}

// xmlSafe is what an XML round trip can give back for s: characters XML
// 1.0 cannot carry, and invalid UTF-8, become U+FFFD.
func xmlSafe(s string) string {
	var b strings.Builder
	for _, r := range s { // invalid UTF-8 arrives as utf8.RuneError
		if r == '\t' || r == '\n' || r == '\r' || (r >= 0x20 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || r >= 0x10000 {
			b.WriteRune(r)
		} else {
			b.WriteRune(utf8.RuneError)
		}
	}
	return b.String()
}

// FuzzEncodeText: whatever strings a caller puts into an envelope, the
// encoder writes well-formed XML, and verbatim fields (a string Value, the
// header ID, a Password) come back exactly, up to what XML can carry.
func FuzzEncodeText(f *testing.F) {
	for _, s := range []string{"", "plain", "a<b>&\"c\"'", "l1\r\nl2\r", "\t x \n", "\x00\x01\xff\xfe", "]]>", "\uFFFE\uFFFF", "ünï 🛜", "\xed\xa0\x80"} {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, s, typ string) {
		env := &Envelope{Namespace: NamespaceCWMP12, Header: Header{ID: s}, Body: &Download{
			CommandKey: s, Password: s, URL: s,
		}}
		gpv := &Envelope{Header: Header{ID: "x"}, Body: &GetParameterValuesResponse{ParameterList: []ParameterValueStruct{{Name: s, Value: s, Type: typ}}}}
		for _, e := range []*Envelope{env, gpv} {
			out, err := Marshal(e)
			if err != nil {
				t.Fatal(err)
			}
			back, err := Decode(out)
			if err != nil {
				t.Fatalf("encoder wrote XML its decoder refuses: %v\n%q", err, out)
			}
			want := xmlSafe(s)
			if e == gpv {
				p := back.Body.(*GetParameterValuesResponse).ParameterList[0]
				if p.Name != strings.Trim(want, " \t\r\n") {
					t.Fatalf("Name %q, want %q", p.Name, strings.Trim(want, " \t\r\n"))
				}
				if p.Type == "string" && p.Value != want {
					t.Fatalf("Value %q, want %q", p.Value, want)
				}
				continue
			}
			if want != "" && back.Header.ID != want {
				t.Fatalf("ID %q, want %q", back.Header.ID, want)
			}
			d := back.Body.(*Download)
			if d.Password != want || d.CommandKey != strings.Trim(want, " \t\r\n") {
				t.Fatalf("Download %+v, want password %q", d, want)
			}
		}
	})
}
