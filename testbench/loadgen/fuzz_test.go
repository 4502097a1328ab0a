package loadgen

import (
	"strings"
	"testing"

	"gatewarden/protocol/cwmp"
)

func marshalSeed(f *testing.F, env *cwmp.Envelope) []byte {
	f.Helper()
	b, err := cwmp.Marshal(env)
	if err != nil {
		f.Fatal(err)
	}
	return b
}

// FuzzReply feeds arbitrary ACS messages to the dumb CPE: it must never
// panic, and whatever it answers must be a valid CWMP response or fault
// carrying the request's ID.
func FuzzReply(f *testing.F) {
	for _, b := range []cwmp.Body{
		&cwmp.GetParameterValues{ParameterNames: []string{"Device.", "Device.DeviceInfo.SerialNumber"}},
		&cwmp.SetParameterValues{ParameterKey: "k", ParameterList: []cwmp.ParameterValueStruct{{Name: "Device.X", Value: "<&>"}}},
		&cwmp.GetParameterNames{ParameterPath: "Device.ManagementServer.", NextLevel: true},
		&cwmp.GetParameterNames{ParameterPath: "", NextLevel: true},
		&cwmp.GetParameterAttributes{ParameterNames: []string{"Device.RootDataModelVersion"}},
		&cwmp.Reboot{CommandKey: "r"},
		&cwmp.FactoryReset{},
		&cwmp.Download{CommandKey: "d"},
		&cwmp.InformResponse{MaxEnvelopes: 1},
		cwmp.NewFault(cwmp.FaultACSRequestDenied, "no"),
	} {
		f.Add(marshalSeed(f, &cwmp.Envelope{Header: cwmp.Header{ID: "x1"}, Body: b}))
	}
	f.Add(marshalSeed(f, &cwmp.Envelope{Namespace: "urn:dslforum-org:cwmp-1-0", Header: cwmp.Header{ID: "old"}, Body: &cwmp.GetRPCMethods{}}))
	f.Add([]byte("<not xml"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, body []byte) {
		w := &worker{}
		d := &device{serial: Serial(1)}
		out, kind := w.reply(d, body)
		if kind != "" {
			return
		}
		req, err := cwmp.Decode(body)
		if err != nil {
			t.Fatalf("answered an undecodable message")
		}
		env, err := cwmp.Decode(out)
		if err != nil {
			t.Fatalf("answer does not decode: %v\n%s", err, out)
		}
		if env.Header.ID != req.Header.ID {
			t.Fatalf("answer ID %q for request ID %q", env.Header.ID, req.Header.ID)
		}
		if m := env.Body.Method(); m != "Fault" && m != req.Body.Method()+"Response" {
			t.Fatalf("%s answered with %s", req.Body.Method(), m)
		}
	})
}

// FuzzAckMemo checks the memo's one promise: a body it accepts decodes
// as an InformResponse. The fuzzer varies the reference answer the memo
// learns from and the ID of the next session; the next answer is the
// reference with that ID where the memo believes the echoed ID sits.
func FuzzAckMemo(f *testing.F) {
	f.Add(marshalSeed(f, &cwmp.Envelope{Header: cwmp.Header{ID: "tb-1-1"}, Body: &cwmp.InformResponse{MaxEnvelopes: 1}}), "tb-1-1", "tb-22-333")
	f.Add(marshalSeed(f, &cwmp.Envelope{Header: cwmp.Header{ID: "tb-1-22"}, Body: &cwmp.InformResponse{MaxEnvelopes: 1}}), "tb-1-22", "tb-1-2")
	f.Add([]byte(`<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:cwmp="urn:dslforum-org:cwmp-1-0">`+
		`<soap:Header><cwmp:ID soap:mustUnderstand="1">&#116;b-0-1</cwmp:ID><x>tb-0-1</x></soap:Header>`+
		`<soap:Body><cwmp:InformResponse><MaxEnvelopes>1</MaxEnvelopes></cwmp:InformResponse></soap:Body></soap:Envelope>`), "tb-0-1", "tb-0-2")
	f.Add(marshalSeed(f, &cwmp.Envelope{Header: cwmp.Header{ID: "tb-1-2"}, Body: cwmp.NewFault(cwmp.FaultACSInternalError, "x")}), "tb-1-2", "tb-1-3")
	f.Fuzz(func(t *testing.T, ref []byte, id, next string) {
		if !validID(id) || !validID(next) {
			return // the client only ever sends IDs of its own syntax
		}
		env, err := cwmp.Decode(ref)
		if err != nil {
			return
		}
		if _, ok := env.Body.(*cwmp.InformResponse); !ok {
			return // the memo only learns from InformResponses
		}
		var m ackMemo
		m.remember(ref, []byte(id), env.Header.ID == id)
		if !m.matches(ref, []byte(id)) {
			t.Fatal("memo does not recognise the answer it learnt")
		}
		body := ref
		if m.withID {
			body = append(append(append([]byte(nil), m.head...), next...), m.tail...)
		}
		if !m.matches(body, []byte(next)) {
			return
		}
		got, err := cwmp.Decode(body)
		if err != nil {
			t.Fatalf("memo accepted an undecodable body: %v\n%s", err, body)
		}
		if _, ok := got.Body.(*cwmp.InformResponse); !ok {
			t.Fatalf("memo accepted a %T", got.Body)
		}
	})
}

// validID is the syntax of the IDs the client generates: tb-N-N, N one
// or more digits.
func validID(id string) bool {
	rest, ok := strings.CutPrefix(id, "tb-")
	if !ok {
		return false
	}
	w, seq, ok := strings.Cut(rest, "-")
	return ok && digits(w) && digits(seq)
}

func digits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

func TestClientIDsHaveTheMemoisedSyntax(t *testing.T) {
	w := &worker{id: 12}
	for range 3 {
		w.nextID()
		if !validID(string(w.idBuf)) {
			t.Fatalf("client ID %q", w.idBuf)
		}
	}
	if string(w.idBuf) != "tb-12-3" {
		t.Fatalf("third ID of worker 12 is %q", w.idBuf)
	}
}
