package session

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"gatewarden/cpe-agent/internal/clock"
	"gatewarden/cpe-agent/internal/store"
	"gatewarden/protocol/cwmp"
)

// FuzzACSMessage feeds arbitrary ACS messages to the request handling:
// whatever decodes as a request must be answered, with its cwmp:ID, in
// its namespace, by an envelope the codec can write and read back, with a
// response of the matching method or a CPE fault. It must never panic.
func FuzzACSMessage(f *testing.F) {
	seeds := []cwmp.Body{
		&cwmp.GetRPCMethods{},
		&cwmp.GetParameterValues{ParameterNames: []string{"Device.DeviceInfo.", "Device.Nope"}},
		&cwmp.SetParameterValues{ParameterList: []cwmp.ParameterValueStruct{{Name: "Device.WiFi.SSID.1.SSID", Value: "x"}}, ParameterKey: "k"},
		&cwmp.GetParameterNames{ParameterPath: "Device.", NextLevel: true},
		&cwmp.AddObject{ObjectName: "Device.IP.Interface."},
		&cwmp.Reboot{CommandKey: strings.Repeat("r", 40)},
		&cwmp.ScheduleInform{DelaySeconds: 0, CommandKey: "s"},
		&cwmp.ScheduleInform{DelaySeconds: 4294967295, CommandKey: "s"},
		&cwmp.Download{CommandKey: "d", FileType: "X 00D09E thing", URL: "https://u:p@h/x", DelaySeconds: 4294967295},
		&cwmp.Download{FileType: cwmp.FileTypeFirmwareUpgradeImage, URL: "http://[::1]:80/%zz"},
		&cwmp.Upload{FileType: "4 Vendor Log File 99999999999999999999", URL: "https://h/x"},
		&cwmp.ScheduleDownload{FileType: cwmp.FileTypeWebContent, URL: "https://h/x",
			TimeWindowList: []cwmp.TimeWindowStruct{{WindowStart: 4294967290, WindowEnd: 4294967295, WindowMode: "X 00D09E y"}}},
		&cwmp.CancelTransfer{CommandKey: "d"},
		&cwmp.GetAllQueuedTransfers{},
		&cwmp.ChangeDUState{CommandKey: "c", Operations: []cwmp.Operation{&cwmp.InstallOpStruct{URL: "https://h/du"}}},
	}
	for _, ns := range []string{cwmp.NamespaceCWMP12, cwmp.NamespaceCWMP10} {
		for _, b := range seeds {
			raw, err := cwmp.Marshal(&cwmp.Envelope{Namespace: ns, Header: cwmp.Header{ID: "fz"}, Body: b})
			if err == nil {
				f.Add(raw)
			}
		}
	}
	f.Add([]byte(`<Envelope xmlns="http://schemas.xmlsoap.org/soap/envelope/"><Body><Reboot xmlns="urn:dslforum-org:cwmp-1-4"><CommandKey> k </CommandKey></Reboot></Body></Envelope>`))

	st, err := store.Open(filepath.Join(f.TempDir(), "state.db"), store.Options{})
	if err != nil {
		f.Fatal(err)
	}
	defer st.Close()
	clk := clock.NewFake(epoch)
	model := newFakeModel("http://127.0.0.1:1/cwmp")
	c, err := New(Options{Model: model, Store: st, Platform: &fakePlatform{}, Clock: clk,
		BootID: func() (string, error) { return "b", nil }, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		f.Fatal(err)
	}
	runs := 0
	f.Fuzz(func(t *testing.T, data []byte) {
		env, err := cwmp.Decode(data)
		if err != nil || isResponse(env.Body) {
			return
		}
		if runs++; runs%200 == 0 {
			st.Wipe(nil) // keep the queues from filling the file
		}
		s := &run{c: c, log: c.log, ns: env.Namespace}
		out, _ := s.answer(context.Background(), env)
		raw, err := cwmp.Marshal(out)
		if err != nil {
			t.Fatalf("answer to %s does not encode: %v", env.Body.Method(), err)
		}
		back, err := cwmp.Decode(raw)
		if err != nil {
			t.Fatalf("answer to %s does not decode: %v\n%s", env.Body.Method(), err, raw)
		}
		if back.Header.ID != env.Header.ID || back.Namespace != env.Namespace {
			t.Fatalf("answer ID %q ns %q, request ID %q ns %q", back.Header.ID, back.Namespace, env.Header.ID, env.Namespace)
		}
		switch b := back.Body.(type) {
		case *cwmp.Fault:
			if !b.FaultCode.IsCPE() || b.FaultCode == cwmp.FaultUnsupportedProtocol && !isTransfer(env.Body) {
				t.Fatalf("fault %d to %s", b.FaultCode, env.Body.Method())
			}
		default:
			if b.Method() != env.Body.Method()+"Response" {
				t.Fatalf("%s answered with %s", env.Body.Method(), b.Method())
			}
		}
	})
}

func isTransfer(b cwmp.Body) bool {
	switch b.(type) {
	case *cwmp.Download, *cwmp.Upload, *cwmp.ScheduleDownload:
		return true
	}
	return false
}

func isResponse(b cwmp.Body) bool {
	return b.Method() == "Fault" || strings.HasSuffix(b.Method(), "Response")
}
