package api

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzTaskRequest feeds task bodies through decoding and validation: no
// input may panic, and an accepted request must survive its own round
// trip as the stored payload.
func FuzzTaskRequest(f *testing.F) {
	for _, s := range []string{
		`{"type":"reboot"}`,
		`{"type":"getParameterValues","parameters":["Device.DeviceInfo.","Device.WiFi.SSID.1.SSID"]}`,
		`{"type":"setParameterValues","values":[{"name":"Device.WiFi.SSID.1.SSID","value":"x"},{"name":"Device.ManagementServer.PeriodicInformInterval","value":"60","type":"xsd:unsignedInt"}]}`,
		`{"type":"setParameterValues","values":[{"name":"Device.X_V_Foo","value":"1","type":"int"}]}`,
		`{"type":"addObject","object":"Device.IP.Interface."}`,
		`{"type":"deleteObject","object":"Device.IP.Interface.[wan]."}`,
		`{"type":"download","file":"fw.bin","fileType":"X 00D09E Config"}`,
		`{"type":"refresh","prefix":""}`,
		`{"type":"setParameterAttributes","attributes":[{"name":"Device.WiFi.","notification":1}]}`,
		`{"type":"getParameterValues","parameters":["Device.IP.Interface.{i}."]}`,
		`{"type":"setParameterValues","values":[{"name":"Device.WiFi.AccessPoint.1.Security.KeyPassphrase","value":"short"}]}`,
		`{"type":"reboot"}{}`, `[]`, `null`, `{"type":1}`,
	} {
		f.Add([]byte(s), "Device.")
	}
	f.Add([]byte(`{"type":"getParameterValues","parameters":["InternetGatewayDevice."]}`), "InternetGatewayDevice.")
	f.Fuzz(func(t *testing.T, body []byte, root string) {
		var req taskRequest
		if err := decodeJSON(body, &req); err != nil {
			return
		}
		if err := req.validate(root); err != nil {
			if _, ok := err.(*apiError); !ok {
				t.Fatalf("validation error of type %T", err)
			}
			return
		}
		_ = req.summary()
		payload, err := json.Marshal(req)
		if err != nil {
			t.Fatal(err)
		}
		var again taskRequest
		if err := decodeJSON(payload, &again); err != nil {
			t.Fatalf("stored payload %s does not decode: %v", payload, err)
		}
		if err := again.validate(root); err != nil {
			t.Fatalf("stored payload %s fails validation: %v", payload, err)
		}
	})
}

// FuzzMaskResult: masking never panics, is idempotent, and never lets a
// secret parameter's value through to a non-admin.
func FuzzMaskResult(f *testing.F) {
	for _, s := range []string{
		`{"values":[{"name":"Device.WiFi.AccessPoint.1.Security.KeyPassphrase","value":"k","type":"xsd:string"}]}`,
		`{"values":[{"name":"Device.WiFi.SSID.1.SSID","value":"home"}]}`,
		`{"instanceNumber":2}`, `null`, `[]`, `"x"`, `{"values":null}`, `{"values":[null]}`,
		`{"parameters":[{"name":"Device.X_Password","value":"p"}],"values":[]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		out := maskResult(raw, false)
		if out == nil {
			return
		}
		if again := maskResult(out, false); string(again) != string(out) {
			t.Fatalf("not idempotent: %s then %s", out, again)
		}
		var top map[string]json.RawMessage
		if json.Unmarshal(out, &top) != nil {
			return
		}
		for _, val := range top {
			var list []struct {
				Name  string          `json:"name"`
				Value json.RawMessage `json:"value"`
			}
			if json.Unmarshal(val, &list) != nil {
				continue
			}
			for _, item := range list {
				if secretParam(item.Name) && strings.TrimSpace(string(item.Value)) != `""` && len(item.Value) > 0 {
					t.Fatalf("secret %s passed with value %s", item.Name, item.Value)
				}
			}
		}
	})
}
