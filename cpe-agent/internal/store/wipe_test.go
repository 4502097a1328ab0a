package store

import (
	"strings"
	"testing"
)

func TestWipeKeepsOnlyWhatItShould(t *testing.T) {
	s, _ := openTemp(t)
	lastEvent, _ := s.AppendEvent(Event{Code: "7 TRANSFER COMPLETE"})
	must(t, s.SaveValues(map[string]string{
		"Device.ManagementServer.URL":      "https://factory-acs/cwmp",
		"Device.ManagementServer.Username": "factory",
		"Device.WiFi.SSID.1.SSID":          "customer",
	}))
	_, err := s.AddInstance("Device.IP.Interface.")
	must(t, err)
	must(t, s.SaveAttributes(map[string]Attributes{"Device.WiFi.SSID.1.SSID": {Notification: 2}}))
	lastTransfer, _ := s.SaveTransfer(Transfer{Kind: KindDownload})
	lastSched, _ := s.AddScheduledInform(t0, "k")
	must(t, s.SetBootID("boot-9"))
	must(t, s.SetBootstrap(BootstrapState{Done: true, ACSURL: "x"}))
	must(t, s.SetRetryCount(4))
	must(t, s.SetConnReqCredentials(Credentials{Username: "u", Password: "p"}))
	must(t, s.SetLastSession(SessionResult{OK: true}))

	must(t, s.Wipe(func(name string) bool { return strings.HasPrefix(name, "Device.ManagementServer.") }))
	s = reopen(t, s)

	if ev, _ := s.Events(); len(ev) != 0 {
		t.Errorf("events survived: %v", ev)
	}
	vals, _ := s.Values()
	if len(vals) != 2 || vals["Device.ManagementServer.URL"] != "https://factory-acs/cwmp" {
		t.Errorf("values = %v", vals)
	}
	if inst, _ := s.Instances(); len(inst) != 0 {
		t.Errorf("instances survived: %v", inst)
	}
	if n, _ := s.NextInstance("Device.IP.Interface."); n != 1 {
		t.Errorf("instance counter survived: next = %d", n)
	}
	if a, _ := s.Attributes(); len(a) != 0 {
		t.Errorf("attributes survived: %v", a)
	}
	if tr, _ := s.Transfers(); len(tr) != 0 {
		t.Errorf("transfers survived: %v", tr)
	}
	if si, _ := s.ScheduledInforms(); len(si) != 0 {
		t.Errorf("scheduled informs survived: %v", si)
	}
	if b, _ := s.Bootstrap(); b.Done {
		t.Error("bootstrap flag survived: the next session must send 0 BOOTSTRAP")
	}
	if n, _ := s.RetryCount(); n != 0 {
		t.Errorf("retry count = %d", n)
	}
	if _, ok, _ := s.ConnReqCredentials(); ok {
		t.Error("connection-request credentials survived")
	}
	if _, ok, _ := s.LastSession(); ok {
		t.Error("last session survived")
	}
	if id, _ := s.BootID(); id != "boot-9" {
		t.Errorf("boot id = %q, want it kept", id)
	}
	if v, _, err := s.SchemaVersion(); err != nil || v != baseSchema {
		t.Errorf("schema after wipe = %d, %v", v, err)
	}
	// Numbers handed out before the wipe are not handed out again.
	if seq, _ := s.AppendEvent(Event{Code: "0 BOOTSTRAP"}); seq <= lastEvent {
		t.Errorf("event seq %d reused (last before wipe %d)", seq, lastEvent)
	}
	if id, _ := s.SaveTransfer(Transfer{Kind: KindDownload}); id <= lastTransfer {
		t.Errorf("transfer id %d reused", id)
	}
	if id, _ := s.AddScheduledInform(t0, "k"); id <= lastSched {
		t.Errorf("scheduled id %d reused", id)
	}

	must(t, s.Wipe(nil))
	if vals, _ := s.Values(); len(vals) != 0 {
		t.Errorf("Wipe(nil) kept values: %v", vals)
	}
}
