package cwmp

import (
	"bytes"
	"encoding/xml"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"

	"gatewarden/protocol/cwmp/internal/xsdgen"
)

// tr181Param is a parameter of the TR-181 data model and its base type.
type tr181Param struct{ name, typ string }

var (
	tr181Once   sync.Once
	tr181Params []tr181Param
	tr181Err    error
)

// loadTR181 reads parameter names and types from the BBF TR-181 XML beside
// the repository, so benchmark payloads use real names, not invented ones.
func loadTR181() ([]tr181Param, error) {
	tr181Once.Do(func() {
		path, err := xsdgen.SharedDir(".", "datamodels", "tr-181-2-17-0-cwmp-full.xml")
		if err != nil {
			tr181Err = err
			return
		}
		f, err := os.Open(path)
		if err != nil {
			tr181Err = err
			return
		}
		defer f.Close()
		tr181Params, tr181Err = parseTR181(f)
	})
	return tr181Params, tr181Err
}

var tr181Types = map[string]bool{"string": true, "unsignedInt": true, "int": true, "unsignedLong": true,
	"long": true, "boolean": true, "dateTime": true, "base64": true, "hexBinary": true}

func parseTR181(r io.Reader) ([]tr181Param, error) {
	dec := xml.NewDecoder(r)
	var out []tr181Param
	var inModel, inSyntax bool
	var object, param, typ string
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			attr := func(n string) string {
				for _, a := range tok.Attr {
					if a.Name.Local == n {
						return a.Value
					}
				}
				return ""
			}
			switch name := tok.Name.Local; {
			case name == "model":
				inModel = true
			case !inModel:
			case name == "object":
				object = strings.ReplaceAll(attr("name"), "{i}", "1")
			case name == "parameter":
				param, typ = attr("name"), ""
			case name == "syntax":
				inSyntax = true
			case inSyntax && typ == "" && tr181Types[name]:
				typ = name
			case inSyntax && typ == "" && name == "dataType":
				typ = "string"
			}
		case xml.EndElement:
			switch tok.Name.Local {
			case "model":
				inModel = false
			case "syntax":
				inSyntax = false
			case "parameter":
				if param != "" && typ != "" && object != "" {
					out = append(out, tr181Param{object + param, typ})
				}
				param = ""
			}
		}
	}
}

// benchParams returns n ParameterValueStructs with real TR-181 names and
// plausible values of their types.
func benchParams(n int) []ParameterValueStruct {
	params, err := loadTR181()
	if err != nil || len(params) == 0 {
		panic("load TR-181 parameters: " + errString(err))
	}
	out := make([]ParameterValueStruct, n)
	for i := range out {
		p := params[i%len(params)]
		name := p.name
		if i >= len(params) {
			name = strings.Replace(name, ".1.", "."+strconv.Itoa(i/len(params)+1)+".", 1)
		}
		var v string
		switch p.typ {
		case "boolean":
			v = []string{"true", "false", "1", "0"}[i%4]
		case "unsignedInt", "unsignedLong":
			v = strconv.Itoa(i * 7919 % 4000000)
		case "int", "long":
			v = strconv.Itoa(i%200 - 100)
		case "dateTime":
			v = "2024-03-05T14:07:31+01:00"
		case "base64":
			v = "R2F0ZXdhcmRlbiBiZW5jaA=="
		case "hexBinary":
			v = "00A0C9" + strconv.FormatInt(int64(i%256), 16)
		default:
			v = []string{"Up", "192.0.2." + strconv.Itoa(i%250+1), "Device.IP.Interface.1.", "GW-4200 & friends", ""}[i%5]
		}
		out[i] = ParameterValueStruct{Name: name, Value: v, Type: p.typ}
	}
	return out
}

func errString(err error) string {
	if err == nil {
		return "no parameters"
	}
	return err.Error()
}

func benchInform() *Envelope {
	return &Envelope{Namespace: NamespaceCWMP12, Header: Header{ID: "1", SessionTimeout: ptr(uint32(60)), SupportedCWMPVersions: "1.0,1.1,1.2,1.3,1.4"}, Body: &Inform{
		DeviceId:      DeviceIdStruct{Manufacturer: "Gatewarden Labs", OUI: "00D09E", ProductClass: "GW-4200", SerialNumber: "GW4200A1B2C3"},
		Event:         []EventStruct{{EventCode: EventBoot}, {EventCode: EventMReboot, CommandKey: "reboot-1"}},
		MaxEnvelopes:  1,
		CurrentTime:   "2024-03-05T14:07:31+01:00",
		ParameterList: tr181Values(),
	}}
}

func benchGPV800() *Envelope {
	return env12("acs-gpv", &GetParameterValuesResponse{ParameterList: benchParams(800)})
}

func benchEncode(b *testing.B, env *Envelope) {
	var buf bytes.Buffer
	if err := Encode(&buf, env); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(buf.Len()))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		buf.Reset()
		if err := Encode(&buf, env); err != nil {
			b.Fatal(err)
		}
	}
}

func benchDecode(b *testing.B, env *Envelope) {
	data, err := Marshal(env)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := Decode(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeInform(b *testing.B)         { benchDecode(b, benchInform()) }
func BenchmarkEncodeInform(b *testing.B)         { benchEncode(b, benchInform()) }
func BenchmarkDecodeGPVResponse800(b *testing.B) { benchDecode(b, benchGPV800()) }
func BenchmarkEncodeGPVResponse800(b *testing.B) { benchEncode(b, benchGPV800()) }

// TestBenchPayloadIsRealistic keeps the benchmark honest: 800 distinct
// TR-181 names of mixed types that survive a round trip.
func TestBenchPayloadIsRealistic(t *testing.T) {
	env := benchGPV800()
	pl := env.Body.(*GetParameterValuesResponse).ParameterList
	names, types := map[string]bool{}, map[string]bool{}
	for _, p := range pl {
		if !strings.HasPrefix(p.Name, "Device.") {
			t.Fatalf("not a TR-181 name: %s", p.Name)
		}
		names[p.Name], types[p.Type] = true, true
	}
	if len(names) != 800 || len(types) < 4 {
		t.Fatalf("%d distinct names, %d types", len(names), len(types))
	}
	out, err := Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Decode(out)
	if err != nil {
		t.Fatal(err)
	}
	eq(t, back, env)
}
