package tasks

import (
	"errors"
	"testing"

	"gatewarden/protocol/cwmp"
)

// FuzzBuildRPC feeds arbitrary task payloads to the RPC builder: it must
// either refuse them with ErrInvalidTask or build an RPC that encodes into
// a valid CWMP message and decodes back to the same method.
func FuzzBuildRPC(f *testing.F) {
	for _, s := range []struct{ typ, payload string }{
		{TypeGetParameterValues, `{"parameters":["Device.DeviceInfo.","Device.ManagementServer.URL"]}`},
		{TypeSetParameterValues, `{"values":[{"name":"Device.ManagementServer.PeriodicInformInterval","value":"60"},{"name":"Device.X_V.A","value":"<&>","type":"xsd:boolean"}]}`},
		{TypeSetParameterValues, `{"values":[{"name":"InternetGatewayDevice.LANDevice.1.WLANConfiguration.1.SSID","value":"home"}]}`},
		{TypeAddObject, `{"object":"Device.IP.Interface."}`},
		{TypeDeleteObject, `{"object":"Device.IP.Interface.[wan]."}`},
		{TypeReboot, ``},
		{TypeFactoryReset, `{}`},
		{TypeDownload, `{"url":"https://h/fw.bin","fileType":"1 Firmware Upgrade Image","fileSize":10}`},
		{TypeRefresh, `{"prefix":""}`},
		{TypeSetParameterAttributes, `{"attributes":[{"name":"Device.WiFi.","notification":6}]}`},
		{"x", `{`},
	} {
		f.Add(s.typ, []byte(s.payload), "Device.")
	}
	f.Fuzz(func(t *testing.T, typ string, payload []byte, root string) {
		rpc, err := buildRPC(typ, payload, root, "t-key")
		if err != nil {
			if !errors.Is(err, ErrInvalidTask) {
				t.Fatalf("error %v does not wrap ErrInvalidTask", err)
			}
			return
		}
		b, err := cwmp.Marshal(&cwmp.Envelope{Namespace: cwmp.NamespaceCWMP12, Header: cwmp.Header{ID: "1"}, Body: rpc})
		if err != nil {
			t.Fatalf("built %T that does not encode: %v", rpc, err)
		}
		env, err := cwmp.Decode(b)
		if err != nil {
			t.Fatalf("built %T that does not decode: %v\n%s", rpc, err, b)
		}
		if env.Body.Method() != rpc.Method() {
			t.Fatalf("%s decoded as %s", rpc.Method(), env.Body.Method())
		}
	})
}
