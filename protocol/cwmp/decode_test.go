package cwmp

import (
	"bytes"
	"errors"
	"io"
	"math"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

// soapMsg wraps header entries and a body in a SOAP 1.1 envelope with the
// usual prefixes; ns is the cwmp namespace.
func soapMsg(ns, header, body string) string {
	return `<?xml version="1.0" encoding="UTF-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:soap-enc="http://schemas.xmlsoap.org/soap/encoding/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:cwmp="` + ns + `">
<soap:Header>` + header + `</soap:Header>
<soap:Body>` + body + `</soap:Body>
</soap:Envelope>`
}

const idHeader = `<cwmp:ID soap:mustUnderstand="1">id-1</cwmp:ID>`

func mustDecode(t *testing.T, msg string) *Envelope {
	t.Helper()
	env, err := Decode([]byte(msg))
	if err != nil {
		t.Fatalf("decode: %v\n%s", err, msg)
	}
	return env
}

func TestDecodeLenient(t *testing.T) {
	pvs := func(env *Envelope) []ParameterValueStruct {
		return env.Body.(*GetParameterValuesResponse).ParameterList
	}
	tests := []struct {
		name  string
		msg   string
		check func(t *testing.T, env *Envelope)
	}{
		{"UTF-8 BOM and no XML declaration", "\xef\xbb\xbf" + strings.TrimPrefix(soapMsg(NamespaceCWMP12, idHeader, `<cwmp:Reboot><CommandKey>k</CommandKey></cwmp:Reboot>`), `<?xml version="1.0" encoding="UTF-8"?>`),
			func(t *testing.T, env *Envelope) { eq(t, env.Body, Body(&Reboot{CommandKey: "k"})) }},
		{"ISO-8859-1 declared and used",
			"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>" + strings.TrimPrefix(soapMsg(NamespaceCWMP10, idHeader, "<cwmp:GetParameterValuesResponse><ParameterList><ParameterValueStruct><Name>X</Name><Value>Caf\xe9</Value></ParameterValueStruct></ParameterList></cwmp:GetParameterValuesResponse>"), `<?xml version="1.0" encoding="UTF-8"?>`),
			func(t *testing.T, env *Envelope) { eq(t, pvs(env)[0].Value, "Café") }},
		{"default namespaces everywhere and odd prefixes",
			`<Envelope xmlns="http://schemas.xmlsoap.org/soap/envelope/"><Header><ID xmlns="urn:dslforum-org:cwmp-1-1" mustUnderstand="1">d-1</ID></Header>` +
				`<Body><q:AddObject xmlns:q="urn:dslforum-org:cwmp-1-1"><ObjectName xmlns="">A.B.</ObjectName><q:ParameterKey>pk</q:ParameterKey></q:AddObject></Body></Envelope>`,
			func(t *testing.T, env *Envelope) {
				eq(t, env.Namespace, NamespaceCWMP11)
				eq(t, env.Header.ID, "d-1")
				eq(t, env.Body, Body(&AddObject{ObjectName: "A.B.", ParameterKey: "pk"}))
			}},
		{"booleans in every spelling", soapMsg(NamespaceCWMP12, idHeader, `<cwmp:GetParameterNamesResponse><ParameterList>`+
			`<ParameterInfoStruct><Name>a</Name><Writable> 1 </Writable></ParameterInfoStruct>`+
			`<ParameterInfoStruct><Name>b</Name><Writable>TRUE</Writable></ParameterInfoStruct>`+
			`<ParameterInfoStruct><Name>c</Name><Writable>False</Writable></ParameterInfoStruct>`+
			`<ParameterInfoStruct><Name>d</Name><Writable>0</Writable></ParameterInfoStruct>`+
			`<ParameterInfoStruct><Name>e</Name><Writable/></ParameterInfoStruct>`+
			`</ParameterList></cwmp:GetParameterNamesResponse>`),
			func(t *testing.T, env *Envelope) {
				var got []bool
				for _, p := range env.Body.(*GetParameterNamesResponse).ParameterList {
					got = append(got, p.Writable)
				}
				eq(t, got, []bool{true, true, false, false, false})
			}},
		{"numbers with spaces, plus sign, empty", soapMsg(NamespaceCWMP12, idHeader, "<cwmp:AddObjectResponse><InstanceNumber>\n +7 \n</InstanceNumber><Status></Status></cwmp:AddObjectResponse>"),
			func(t *testing.T, env *Envelope) { eq(t, env.Body, Body(&AddObjectResponse{InstanceNumber: 7})) }},
		{"arrayType wrong, missing, members oddly named", soapMsg(NamespaceCWMP12, idHeader, `<cwmp:GetParameterValues><ParameterNames soap-enc:arrayType="xsd:string[9]"><string>A.</string><item>B.</item></ParameterNames></cwmp:GetParameterValues>`),
			func(t *testing.T, env *Envelope) {
				eq(t, env.Body.(*GetParameterValues).ParameterNames, []string{"A.", "B."})
			}},
		{"xsi:type spellings", soapMsg(NamespaceCWMP12, idHeader, `<cwmp:GetParameterValuesResponse><ParameterList>`+
			`<ParameterValueStruct><Name>a</Name><Value>  keep  </Value></ParameterValueStruct>`+
			`<ParameterValueStruct><Name>b</Name><Value xsi:type="xsd:base64Binary">QQ==</Value></ParameterValueStruct>`+
			`<ParameterValueStruct><Name>c</Name><Value xsi:type="soap-enc:base64">QQ==</Value></ParameterValueStruct>`+
			`<ParameterValueStruct><Name>d</Name><Value xmlns:x="http://www.w3.org/2001/XMLSchema-instance" x:type=" xs:unsignedInt "> 5 </Value></ParameterValueStruct>`+
			`<ParameterValueStruct><Name>e</Name><Value xsi:type="">v</Value></ParameterValueStruct>`+
			`<ParameterValueStruct><Name> f </Name></ParameterValueStruct>`+
			`</ParameterList></cwmp:GetParameterValuesResponse>`),
			func(t *testing.T, env *Envelope) {
				eq(t, pvs(env), []ParameterValueStruct{
					{Name: "a", Value: "  keep  ", Type: "string"}, {Name: "b", Value: "QQ==", Type: "base64"},
					{Name: "c", Value: "QQ==", Type: "base64"}, {Name: "d", Value: "5", Type: "unsignedInt"},
					{Name: "e", Value: "v", Type: "string"}, {Name: "f", Type: "string"},
				})
			}},
		{"empty CommandKey both ways", soapMsg(NamespaceCWMP12, idHeader, `<cwmp:ScheduleInform><DelaySeconds>5</DelaySeconds><CommandKey/></cwmp:ScheduleInform>`),
			func(t *testing.T, env *Envelope) { eq(t, env.Body, Body(&ScheduleInform{DelaySeconds: 5})) }},
		{"unknown header without mustUnderstand, and one for another actor", soapMsg(NamespaceCWMP12,
			idHeader+`<x:Trace xmlns:x="urn:example">1</x:Trace><x:Must xmlns:x="urn:example" soap:actor="urn:other-node" soap:mustUnderstand="1">1</x:Must>`,
			`<cwmp:FactoryReset/>`),
			func(t *testing.T, env *Envelope) { eq(t, env.Header, Header{ID: "id-1"}) }},
		{"NoMoreRequests is read and ignored", soapMsg(NamespaceCWMP10, idHeader+`<cwmp:NoMoreRequests>1</cwmp:NoMoreRequests>`, `<cwmp:GetRPCMethods/>`),
			func(t *testing.T, env *Envelope) { eq(t, env.Header.NoMoreRequests, true) }},
		{"1.2 headers in a cwmp-1-0 message are unknown headers", soapMsg(NamespaceCWMP10, idHeader+`<cwmp:SessionTimeout soap:mustUnderstand="0">30</cwmp:SessionTimeout>`, `<cwmp:GetRPCMethods/>`),
			func(t *testing.T, env *Envelope) { eq(t, env.Header.SessionTimeout, (*uint32)(nil)) }},
		{"all header fields", soapMsg(NamespaceCWMP12, idHeader+`<cwmp:HoldRequests soap:mustUnderstand="1"> true </cwmp:HoldRequests>`+
			`<cwmp:SessionTimeout>45</cwmp:SessionTimeout><cwmp:SupportedCWMPVersions> 1.0, 1.4 </cwmp:SupportedCWMPVersions><cwmp:UseCWMPVersion>1.4</cwmp:UseCWMPVersion>`, `<cwmp:GetRPCMethods/>`),
			func(t *testing.T, env *Envelope) {
				eq(t, env.Header, Header{ID: "id-1", HoldRequests: ptr(true), SessionTimeout: ptr(uint32(45)), SupportedCWMPVersions: "1.0, 1.4", UseCWMPVersion: "1.4"})
			}},
		{"header ID verbatim", soapMsg(NamespaceCWMP12, `<cwmp:ID soap:mustUnderstand="1"> spaced </cwmp:ID>`, `<cwmp:GetRPCMethods/>`),
			func(t *testing.T, env *Envelope) { eq(t, env.Header.ID, " spaced ") }},
		{"missing children take zero values and Unknown Time", soapMsg(NamespaceCWMP12, idHeader, `<cwmp:TransferComplete><X_Vendor>1</X_Vendor><FaultStruct><FaultCode>0</FaultCode></FaultStruct></cwmp:TransferComplete>`),
			func(t *testing.T, env *Envelope) {
				eq(t, env.Body, Body(&TransferComplete{StartTime: UnknownTime, CompleteTime: UnknownTime}))
			}},
		{"dateTime in lower case, without offset, empty", soapMsg(NamespaceCWMP12, idHeader,
			`<cwmp:DownloadResponse><Status>0</Status><StartTime> 2024-01-02t03:04:05z </StartTime><CompleteTime/></cwmp:DownloadResponse>`),
			func(t *testing.T, env *Envelope) {
				eq(t, env.Body, Body(&DownloadResponse{StartTime: "2024-01-02T03:04:05Z", CompleteTime: UnknownTime}))
			}},
		{"SOAP fault with prefixed faultcode and no detail", soapMsg(NamespaceCWMP12, idHeader,
			`<soap:Fault><faultcode>soap:Server</faultcode><faultstring> busy </faultstring></soap:Fault>`),
			func(t *testing.T, env *Envelope) {
				eq(t, env.Body, Body(&Fault{SOAPFaultCode: "Server", SOAPFaultString: "busy"}))
			}},
		{"SOAP fault fields default as on encode", soapMsg(NamespaceCWMP12, "",
			`<soap:Fault><detail><cwmp:Fault><FaultCode>9005</FaultCode></cwmp:Fault></detail></soap:Fault>`),
			func(t *testing.T, env *Envelope) {
				eq(t, env.Namespace, NamespaceCWMP12)
				eq(t, env.Body, Body(&Fault{SOAPFaultCode: "Client", SOAPFaultString: CWMPFaultString, FaultCode: 9005}))
			}},
		{"ChangeDUState operations by xsi:type", soapMsg(NamespaceCWMP12, idHeader, `<cwmp:ChangeDUState>`+
			`<Operations xsi:type="cwmp:UninstallOpStruct"><UUID>u</UUID><URL>ignored</URL></Operations>`+
			`<Operations xmlns:b="urn:dslforum-org:cwmp-1-2" xsi:type="b:InstallOpStruct"><URL>http://x/</URL></Operations>`+
			`</cwmp:ChangeDUState>`),
			func(t *testing.T, env *Envelope) {
				eq(t, env.Body, Body(&ChangeDUState{Operations: []Operation{&UninstallOpStruct{UUID: "u"}, &InstallOpStruct{URL: "http://x/"}}}))
			}},
		{"base64 vouchers with line breaks", soapMsg(NamespaceCWMP12, idHeader, "<cwmp:SetVouchers><VoucherList><base64>SGVs\nbG8=</base64><base64>SGk</base64></VoucherList></cwmp:SetVouchers>"),
			func(t *testing.T, env *Envelope) {
				eq(t, env.Body, Body(&SetVouchers{VoucherList: [][]byte{[]byte("Hello"), []byte("Hi")}}))
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.check(t, mustDecode(t, tc.msg)) })
	}
}

func eq[V any](t *testing.T, got, want V) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v, want %#v", got, want)
	}
}

func TestDecodeErrors(t *testing.T) {
	deep := soapMsg(NamespaceCWMP12, idHeader, "<cwmp:Inform>"+strings.Repeat("<a>", 40)+strings.Repeat("</a>", 40)+"</cwmp:Inform>")
	tests := []struct {
		name    string
		msg     string
		kind    ErrorKind
		id      string
		msgPart string
	}{
		{"empty", "", KindMalformed, "", "empty message"},
		{"not XML", "HTTP/1.1 200 OK\r\n\r\n", KindMalformed, "", "no root element"},
		{"not XML either", "<<<>", KindMalformed, "", "not well-formed"},
		{"truncated after the header", truncate(soapMsg(NamespaceCWMP12, idHeader, `<cwmp:Inform><DeviceId><OUI>00`), "<OUI>0"), KindMalformed, "id-1", "not well-formed"},
		{"DOCTYPE", `<!DOCTYPE x [<!ENTITY a "b">]>` + soapMsg(NamespaceCWMP12, idHeader, `<cwmp:GetRPCMethods/>`)[38:], KindMalformed, "", "document type"},
		{"too deep", deep, KindMalformed, "id-1", "not well-formed"},
		{"wrong root", `<html><body/></html>`, KindMalformed, "", "want a SOAP 1.1 Envelope"},
		{"SOAP 1.2", `<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope" xmlns:c="urn:dslforum-org:cwmp-1-2"><e:Header><c:ID>s12</c:ID></e:Header><e:Body><c:GetRPCMethods/></e:Body></e:Envelope>`, KindSOAP12, "s12", "SOAP 1.2"},
		{"no Body", strings.Replace(soapMsg(NamespaceCWMP12, idHeader, ""), "<soap:Body></soap:Body>", "", 1), KindMalformed, "id-1", "no Body"},
		{"empty Body", soapMsg(NamespaceCWMP12, idHeader, "  "), KindMalformed, "id-1", "Body is empty"},
		{"two RPCs", soapMsg(NamespaceCWMP12, idHeader, `<cwmp:GetRPCMethods/><cwmp:GetRPCMethods/>`), KindMalformed, "id-1", "carries 2 elements"},
		{"bad number", soapMsg(NamespaceCWMP12, idHeader, `<cwmp:Inform><RetryCount>x</RetryCount></cwmp:Inform>`), KindMalformed, "id-1", `Inform/RetryCount: "x" is not an unsignedInt`},
		{"bad number deep in a list", soapMsg(NamespaceCWMP12, idHeader, `<cwmp:GetQueuedTransfersResponse><TransferList><QueuedTransferStruct><State>1</State></QueuedTransferStruct><QueuedTransferStruct><State>two</State></QueuedTransferStruct></TransferList></cwmp:GetQueuedTransfersResponse>`),
			KindMalformed, "id-1", `GetQueuedTransfersResponse/TransferList/QueuedTransferStruct[2]/State: "two" is not an int`},
		{"negative unsignedInt", soapMsg(NamespaceCWMP12, idHeader, `<cwmp:ScheduleInform><DelaySeconds>-1</DelaySeconds></cwmp:ScheduleInform>`), KindMalformed, "id-1", "not an unsignedInt"},
		{"int overflow", soapMsg(NamespaceCWMP12, idHeader, `<cwmp:SetParameterValuesResponse><Status>2147483648</Status></cwmp:SetParameterValuesResponse>`), KindMalformed, "id-1", "not an int"},
		{"bad boolean", soapMsg(NamespaceCWMP12, idHeader, `<cwmp:GetParameterNames><NextLevel>yes</NextLevel></cwmp:GetParameterNames>`), KindMalformed, "id-1", `GetParameterNames/NextLevel: "yes" is not a boolean`},
		{"bad header number", soapMsg(NamespaceCWMP12, idHeader+`<cwmp:SessionTimeout>-5</cwmp:SessionTimeout>`, `<cwmp:GetRPCMethods/>`), KindMalformed, "id-1", "Header/SessionTimeout"},
		{"bad dateTime", soapMsg(NamespaceCWMP12, idHeader, `<cwmp:Inform><CurrentTime>2024-13-01T00:00:00Z</CurrentTime></cwmp:Inform>`), KindMalformed, "id-1", "Inform/CurrentTime"},
		{"bad base64", soapMsg(NamespaceCWMP12, idHeader, `<cwmp:SetVouchers><VoucherList><base64>!!</base64></VoucherList></cwmp:SetVouchers>`), KindMalformed, "id-1", "not base64"},
		{"operation without type", soapMsg(NamespaceCWMP12, idHeader, `<cwmp:ChangeDUState><Operations><URL>x</URL></Operations></cwmp:ChangeDUState>`), KindMalformed, "id-1", "ChangeDUState/Operations: xsi:type"},
		{"unsupported charset", `<?xml version="1.0" encoding="EBCDIC"?>` + soapMsg(NamespaceCWMP12, idHeader, `<cwmp:GetRPCMethods/>`)[38:], KindMalformed, "", "not well-formed"},
		{"Inform without DeviceId", soapMsg(NamespaceCWMP12, idHeader, `<cwmp:Inform><MaxEnvelopes>1</MaxEnvelopes></cwmp:Inform>`), KindMalformed, "id-1", "Inform: missing required element DeviceId"},
		{"TransferComplete without FaultCode", soapMsg(NamespaceCWMP12, idHeader, `<cwmp:TransferComplete><FaultStruct><FaultString>x</FaultString></FaultStruct></cwmp:TransferComplete>`), KindMalformed, "id-1", "TransferComplete/FaultStruct: missing required element FaultCode"},
		{"DU result without Fault", soapMsg(NamespaceCWMP12, idHeader, `<cwmp:DUStateChangeComplete><Results><UUID>u</UUID></Results></cwmp:DUStateChangeComplete>`), KindMalformed, "id-1", "missing required element Fault"},
		{"fault detail without FaultCode", soapMsg(NamespaceCWMP12, idHeader, `<soap:Fault><faultcode>Client</faultcode><detail><cwmp:Fault><FaultString>x</FaultString></cwmp:Fault></detail></soap:Fault>`), KindMalformed, "id-1", "Fault/detail/Fault: missing required element FaultCode"},
		{"SetParameterValuesFault without FaultCode", soapMsg(NamespaceCWMP12, idHeader, `<soap:Fault><detail><cwmp:Fault><FaultCode>9003</FaultCode><SetParameterValuesFault><ParameterName>p</ParameterName></SetParameterValuesFault></cwmp:Fault></detail></soap:Fault>`), KindMalformed, "id-1", "SetParameterValuesFault: missing required element FaultCode"},
		{"unbound prefix on the RPC", strings.Replace(soapMsg(NamespaceCWMP12, `<c:ID xmlns:c="urn:dslforum-org:cwmp-1-2">id-1</c:ID>`, `<c:Reboot/>`), ` xmlns:cwmp="urn:dslforum-org:cwmp-1-2"`, "", 1), KindMalformed, "id-1", "c:Reboot uses an undeclared namespace prefix"},
		{"unbound prefix on a header", soapMsg(NamespaceCWMP12, idHeader+`<z:Y/>`, `<cwmp:Reboot/>`), KindMalformed, "id-1", "z:Y uses an undeclared"},
		{"unbound prefix on the root", `<s:Envelope/>`, KindMalformed, "", "s:Envelope uses an undeclared"},
		{"mustUnderstand=1 unknown header", soapMsg(NamespaceCWMP12, idHeader+`<x:Y xmlns:x="urn:x" soap:mustUnderstand="1"/>`, `<cwmp:GetRPCMethods/>`), KindMustUnderstand, "id-1", "{urn:x}Y"},
		{"mustUnderstand=true unknown cwmp header", soapMsg(NamespaceCWMP12, idHeader+`<cwmp:Bogus soap:mustUnderstand=" TRUE "/>`, `<cwmp:GetRPCMethods/>`), KindMustUnderstand, "id-1", "Bogus"},
		{"UseCWMPVersion in a cwmp-1-1 message", soapMsg(NamespaceCWMP11, idHeader+`<cwmp:UseCWMPVersion soap:mustUnderstand="1">1.4</cwmp:UseCWMPVersion>`, `<cwmp:InformResponse/>`), KindMustUnderstand, "id-1", "UseCWMPVersion"},
		{"unknown cwmp method", soapMsg(NamespaceCWMP12, idHeader, `<cwmp:X_ACME_Reset/>`), KindUnknownMethod, "id-1", "X_ACME_Reset"},
		{"method newer than the namespace", soapMsg(NamespaceCWMP11, idHeader, `<cwmp:ScheduleDownload/>`), KindUnknownMethod, "id-1", "ScheduleDownload does not exist in urn:dslforum-org:cwmp-1-1"},
		{"body in a foreign namespace", soapMsg(NamespaceCWMP12, idHeader, `<x:Inform xmlns:x="urn:other"/>`), KindUnknownMethod, "id-1", "{urn:other}Inform"},
		{"unqualified body element", soapMsg(NamespaceCWMP12, idHeader, `<Inform/>`), KindUnknownMethod, "id-1", "is not a CWMP method"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env, err := Decode([]byte(tc.msg))
			if env == nil {
				t.Fatal("nil envelope on error")
			}
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error %v (%T), want *DecodeError", err, err)
			}
			if de.Kind != tc.kind {
				t.Errorf("kind %v, want %v (%v)", de.Kind, tc.kind, err)
			}
			if de.ID != tc.id || env.Header.ID != tc.id {
				t.Errorf("ID %q / header %q, want %q", de.ID, env.Header.ID, tc.id)
			}
			if !strings.Contains(err.Error(), tc.msgPart) {
				t.Errorf("error %q does not mention %q", err, tc.msgPart)
			}
		})
	}
}

func TestDecodeFromLimitsAndIO(t *testing.T) {
	msg := []byte(soapMsg(NamespaceCWMP12, idHeader, `<cwmp:GetRPCMethods/>`))
	if _, err := DecodeFrom(bytes.NewReader(msg), int64(len(msg))); err != nil {
		t.Fatalf("at the limit: %v", err)
	}
	_, err := DecodeFrom(bytes.NewReader(msg), int64(len(msg)-1))
	var de *DecodeError
	if !errors.As(err, &de) || de.Kind != KindTooLarge || de.ACSFault() != 8004 || de.CPEFault() != 9004 {
		t.Fatalf("over the limit: %v", err)
	}
	if _, err := DecodeFrom(bytes.NewReader(msg), math.MaxInt64); err != nil {
		t.Fatalf("no practical limit: %v", err)
	}
	if _, err := DecodeFrom(bytes.NewReader(msg), 0); err != nil {
		t.Fatalf("default limit: %v", err)
	}
	big := bytes.Repeat([]byte(" "), DefaultMaxMessageBytes+1)
	if _, err := DecodeFrom(bytes.NewReader(big), -1); !errors.As(err, &de) || de.Kind != KindTooLarge {
		t.Fatalf("default limit exceeded: %v", err)
	}
	cause := errors.New("reset")
	_, err = DecodeFrom(io.MultiReader(bytes.NewReader(msg[:20]), iotest.ErrReader(cause)), 1<<20)
	if !errors.As(err, &de) || de.Kind != KindIO || !errors.Is(err, cause) || de.ACSFault() != 8002 || de.CPEFault() != 9002 {
		t.Fatalf("reader error: %v", err)
	}
}

func TestDecodeErrorFaults(t *testing.T) {
	for kind, want := range map[ErrorKind][2]FaultCode{
		KindMalformed:      {8003, 9003},
		KindSOAP12:         {8003, 9003},
		KindMustUnderstand: {8003, 9003},
		KindTooLarge:       {8004, 9004},
		KindIO:             {8002, 9002},
		KindUnknownMethod:  {8000, 9000},
	} {
		e := &DecodeError{Kind: kind}
		if got := [2]FaultCode{e.ACSFault(), e.CPEFault()}; got != want {
			t.Errorf("%v: faults %v, want %v", kind, got, want)
		}
		if strings.HasPrefix(kind.String(), "kind(") {
			t.Errorf("%d has no name", kind)
		}
	}
}

// TestDecodeHostileInputIsCheap: many namespace declarations and many
// header entries must not make namespace resolution quadratic.
func TestDecodeHostileInputIsCheap(t *testing.T) {
	var b strings.Builder
	b.WriteString(`<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:cwmp="urn:dslforum-org:cwmp-1-2"`)
	for i := range 30000 {
		b.WriteString(` xmlns:p` + itoa(i) + `="urn:x"`)
	}
	b.WriteString(`><soap:Header>`)
	for range 30000 {
		// The last prefix declared: a resolver that rescans the
		// Envelope's attributes for each entry does 30000² steps.
		b.WriteString(`<p29999:H/>`)
	}
	b.WriteString(`</soap:Header><soap:Body><cwmp:GetRPCMethods/></soap:Body></soap:Envelope>`)
	start := time.Now()
	if _, err := Decode([]byte(b.String())); err != nil {
		t.Fatal(err)
	}
	// A generous bound: the quadratic resolver this guards against takes
	// minutes here, while a loaded CI machine may slow the linear one.
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("decode took %v", d)
	}
}

// truncate cuts s just after the first occurrence of marker.
func truncate(s, marker string) string {
	return s[:strings.Index(s, marker)+len(marker)]
}
