package cwmp

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

type otherBody struct{}

func (otherBody) Method() string { return "Inform" }

// TestEncodeRefusesWhatTheNamespaceLacks: nothing is written when the
// envelope needs elements its namespace does not define.
func TestEncodeRefusesWhatTheNamespaceLacks(t *testing.T) {
	tests := []struct {
		name string
		env  *Envelope
		want string
	}{
		{"nil envelope", nil, "nil envelope"},
		{"nil body", &Envelope{}, "nil body"},
		{"foreign namespace", &Envelope{Namespace: "urn:dslforum-org:cwmp-1-5", Body: &GetRPCMethods{}}, "not a cwmp namespace"},
		{"foreign body type", &Envelope{Body: otherBody{}}, "not a cwmp RPC type"},
		{"SessionTimeout in cwmp-1-1", &Envelope{Namespace: NamespaceCWMP11, Header: Header{SessionTimeout: ptr(uint32(30))}, Body: &GetRPCMethods{}}, "SessionTimeout does not exist"},
		{"SupportedCWMPVersions in cwmp-1-0", &Envelope{Namespace: NamespaceCWMP10, Header: Header{SupportedCWMPVersions: "1.0"}, Body: &GetRPCMethods{}}, "SupportedCWMPVersions does not exist"},
		{"UseCWMPVersion in cwmp-1-1", &Envelope{Namespace: NamespaceCWMP11, Header: Header{UseCWMPVersion: "1.1"}, Body: &InformResponse{}}, "UseCWMPVersion does not exist"},
		{"ChangeDUState in cwmp-1-1", &Envelope{Namespace: NamespaceCWMP11, Body: &ChangeDUState{}}, "ChangeDUState does not exist"},
		{"GetAllQueuedTransfers in cwmp-1-0", &Envelope{Namespace: NamespaceCWMP10, Body: &GetAllQueuedTransfers{}}, "GetAllQueuedTransfers does not exist"},
		{"typed nil body", &Envelope{Body: (*Inform)(nil)}, "nil *cwmp.Inform body"},
		{"nil operation", &Envelope{Body: &ChangeDUState{Operations: []Operation{(*InstallOpStruct)(nil)}}}, "nil operation"},
		{"missing operation", &Envelope{Body: &ChangeDUState{Operations: []Operation{nil}}}, "not a cwmp operation"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := Encode(&buf, tc.env)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one mentioning %q", err, tc.want)
			}
			if buf.Len() != 0 {
				t.Errorf("wrote %d bytes before failing", buf.Len())
			}
			if _, err := Marshal(tc.env); err == nil {
				t.Error("Marshal accepted it")
			}
		})
	}
}

func TestEncodeDefaultNamespaceAndHeaderAttributes(t *testing.T) {
	out, err := Marshal(&Envelope{Header: Header{ID: "7", HoldRequests: ptr(false), SessionTimeout: ptr(uint32(30)), SupportedCWMPVersions: "1.0,1.4", UseCWMPVersion: "1.4"}, Body: &GetRPCMethods{}})
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	for _, want := range []string{
		`<?xml version="1.0" encoding="UTF-8"?>` + "\n<soap-env:Envelope ",
		`xmlns:cwmp="urn:dslforum-org:cwmp-1-2"`,
		`<cwmp:ID soap-env:mustUnderstand="1">7</cwmp:ID>`,
		`<cwmp:HoldRequests soap-env:mustUnderstand="1">0</cwmp:HoldRequests>`,
		`<cwmp:SessionTimeout soap-env:mustUnderstand="0">30</cwmp:SessionTimeout>`,
		`<cwmp:SupportedCWMPVersions soap-env:mustUnderstand="0">1.0,1.4</cwmp:SupportedCWMPVersions>`,
		`<cwmp:UseCWMPVersion soap-env:mustUnderstand="1">1.4</cwmp:UseCWMPVersion>`,
		"<cwmp:GetRPCMethods></cwmp:GetRPCMethods>",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	env, err := Decode(out)
	if err != nil || env.Namespace != NamespaceCWMP12 {
		t.Fatalf("decode: %v, namespace %q", err, env.Namespace)
	}
}

func TestEncodeEscaping(t *testing.T) {
	tests := []struct{ in, text, attr string }{
		{"plain", "plain", "plain"},
		{`a<b>&"c"`, `a&lt;b&gt;&amp;"c"`, `a&lt;b&gt;&amp;&quot;c&quot;`},
		{"l1\r\nl2\tx", "l1&#xD;\nl2\tx", "l1&#xD;&#xA;l2&#x9;x"},
		{"nul\x00bell\x07", "nul\uFFFDbell\uFFFD", "nul\uFFFDbell\uFFFD"},
		{"bad\xffutf8", "bad\uFFFDutf8", "bad\uFFFDutf8"},
		{"nonchar\uFFFE", "nonchar\uFFFD", "nonchar\uFFFD"},
		{"ünï 🛜", "ünï 🛜", "ünï 🛜"},
		{"]]>", "]]&gt;", "]]&gt;"},
	}
	for _, tc := range tests {
		if got := string(appendEscaped(nil, tc.in, false)); got != tc.text {
			t.Errorf("text %q: got %q, want %q", tc.in, got, tc.text)
		}
		if got := string(appendEscaped(nil, tc.in, true)); got != tc.attr {
			t.Errorf("attr %q: got %q, want %q", tc.in, got, tc.attr)
		}
	}
	// What XML can carry comes back unchanged through a decoder.
	for _, v := range []string{"l1\r\nl2\tx", `a<b>&"c"`, "  edges  ", "ünï 🛜", "]]>"} {
		env := env12("x", &GetParameterValuesResponse{ParameterList: []ParameterValueStruct{{Name: "N", Value: v, Type: "string"}}})
		out, err := Marshal(env)
		if err != nil {
			t.Fatal(err)
		}
		back, err := Decode(out)
		if err != nil {
			t.Fatal(err)
		}
		if got := back.Body.(*GetParameterValuesResponse).ParameterList[0].Value; got != v {
			t.Errorf("value %q came back as %q", v, got)
		}
	}
}

func TestEncodeValueTypes(t *testing.T) {
	for typ, want := range map[string]string{
		"": "xsd:string", "string": "xsd:string", "base64": "xsd:base64Binary", "unsignedLong": "xsd:unsignedLong",
		"hexBinary": "xsd:hexBinary", "dateTime": "xsd:dateTime", `we"ird`: "xsd:we&quot;ird",
	} {
		if got := valueTypeAttr(typ); got != want {
			t.Errorf("%q: %q, want %q", typ, got, want)
		}
	}
}

type failingWriter struct {
	n   int
	err error
}

func (w *failingWriter) Write(p []byte) (int, error) {
	w.n++
	return 0, w.err
}

// TestEncodeStreamsLargeMessages: a large response goes out in several
// writes, equal to Marshal's single buffer, and a writer error surfaces.
func TestEncodeStreamsLargeMessages(t *testing.T) {
	env := env12("big", &GetParameterValuesResponse{ParameterList: benchParams(2000)})
	var chunks int
	var buf bytes.Buffer
	if err := Encode(writerFunc(func(p []byte) (int, error) { chunks++; return buf.Write(p) }), env); err != nil {
		t.Fatal(err)
	}
	if chunks < 3 {
		t.Errorf("%d writes for %d bytes: not streamed", chunks, buf.Len())
	}
	m, _ := Marshal(env)
	if !bytes.Equal(m, buf.Bytes()) {
		t.Fatal("streamed output differs from Marshal")
	}
	cause := errors.New("broken pipe")
	w := &failingWriter{err: cause}
	if err := Encode(w, env); !errors.Is(err, cause) {
		t.Fatalf("error %v, want %v", err, cause)
	}
	if w.n != 1 {
		t.Errorf("kept writing after an error: %d writes", w.n)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func TestEncodeOptionalElements(t *testing.T) {
	out, err := Marshal(env12("o", &ChangeDUState{Operations: []Operation{&UpdateOpStruct{}, &InstallOpStruct{URL: "u"}}}))
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	if strings.Contains(s, "<CommandKey>") || strings.Contains(s, "<UUID>") {
		t.Errorf("empty optional elements written:\n%s", s)
	}
	if !strings.Contains(s, `<Operations xsi:type="cwmp:UpdateOpStruct"></Operations>`) || !strings.Contains(s, "<URL>u</URL>") {
		t.Errorf("operations not as expected:\n%s", s)
	}
}

func TestFaultHelpers(t *testing.T) {
	f := NewFault(FaultInvalidParameterValue, "")
	if f.SOAPFaultCode != "Client" || f.SOAPFaultString != "CWMP fault" || f.FaultString != "Invalid parameter value" {
		t.Errorf("NewFault: %+v", f)
	}
	if got := NewFault(FaultInternalError, "disk full").Error(); got != "cwmp fault 9002 Internal error: disk full" {
		t.Errorf("Error() = %q", got)
	}
	out, err := Marshal(env12("f", &Fault{SOAPFaultCode: "MustUnderstand", FaultCode: FaultACSInvalidArguments}))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "<faultcode>soap-env:MustUnderstand</faultcode>\n<faultstring>CWMP fault</faultstring>") {
		t.Errorf("SOAP-defined faultcode not qualified:\n%s", out)
	}
	for code, want := range map[FaultCode][2]string{
		9000: {"Server", "Method not supported"}, 9003: {"Client", "Invalid arguments"}, 9005: {"Client", "Invalid parameter name"},
		9009: {"Server", "Notification request rejected"}, 9022: {"Client", "Invalid UUID Format"}, 9032: {"Server", "Invalid Deployment Unit Update – Version already exists"},
		8003: {"Client", "Invalid arguments"}, 8005: {"Server", "Retry request"}, 8006: {"Client", "ACS version incompatible with CPE"},
		9850: {"Server", "Vendor defined fault"}, 9500: {"Server", "Reserved fault code"}, 42: {"Server", "Unknown fault code"},
	} {
		if got := [2]string{code.SOAPFaultCode(), code.Text()}; got != want {
			t.Errorf("%d: %v, want %v", code, got, want)
		}
	}
	if !FaultACSRetryRequest.IsACS() || FaultACSRetryRequest.IsCPE() || !FaultDUVersionExists.IsCPE() {
		t.Error("IsACS/IsCPE wrong")
	}
}
