package cwmp

import (
	"bytes"
	"os"
	"testing"

	"gatewarden/protocol/cwmp/internal/xsdgen"
)

// TestGeneratedCodesAreCurrent regenerates codes_gen.go from the schemas
// beside the repository and compares: the constants never drift from the
// XSDs. Regenerate with `go generate ./protocol/cwmp`.
func TestGeneratedCodesAreCurrent(t *testing.T) {
	dir, err := xsdgen.SharedDir(".", "datamodels")
	if err != nil {
		t.Fatal(err)
	}
	want, err := xsdgen.Generate(dir)
	if err != nil {
		t.Fatalf("generate: %v", err)
	}
	got, err := os.ReadFile("codes_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("codes_gen.go is stale: run go generate ./protocol/cwmp")
	}
}

func TestCodesCoverTheSpec(t *testing.T) {
	for c := FaultCode(8000); c <= 8006; c++ {
		if c.xsdText() == "" {
			t.Errorf("ACS fault %d has no schema text", c)
		}
	}
	for c := FaultCode(9000); c <= 9032; c++ {
		if c.xsdText() == "" {
			t.Errorf("CPE fault %d has no schema text", c)
		}
	}
	for n := NotificationOff; n <= NotificationPassiveWithActiveLightweight; n++ {
		if n.Description() == "" {
			t.Errorf("notification %d undocumented", n)
		}
	}
	events := []EventCode{EventBootstrap, EventBoot, EventPeriodic, EventScheduled, EventValueChange, EventKicked,
		EventConnectionRequest, EventTransferComplete, EventDiagnosticsComplete, EventRequestDownload,
		EventAutonomousTransferComplete, EventDUStateChangeComplete, EventAutonomousDUStateChangeComplete,
		EventWakeup, EventHeartbeat}
	for i, e := range events {
		if want := itoa(i) + " "; string(e)[:len(want)] != want || e.IsMethod() {
			t.Errorf("event %d is %q", i, e)
		}
	}
	for _, m := range []string{"Reboot", "ScheduleInform", "Download", "ScheduleDownload", "Upload", "ChangeDUState"} {
		if e := MethodEvent(m); !e.IsMethod() {
			t.Errorf("%s is not a method event", e)
		}
	}
	if MethodEvent("Reboot") != EventMReboot || MethodEvent("ChangeDUState") != EventMChangeDUState {
		t.Error("MethodEvent disagrees with the generated constants")
	}
	if UploadFileTypeVendorLogFileInstance(2) != "4 Vendor Log File 2" {
		t.Error("vendor log file type")
	}
}
