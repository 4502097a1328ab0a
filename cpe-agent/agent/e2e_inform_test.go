package agent_test

import (
	"strconv"
	"testing"
	"time"

	"gatewarden/cpe-agent/internal/acstest"
	"gatewarden/protocol/cwmp"
)

// TestE2ECase22URLChange — §8 case 22: Changing ManagementServer.URL leads
// to a 0 BOOTSTRAP Inform to the new URL.
func TestE2ECase22URLChange(t *testing.T) {
	d := newDevice(t, deviceOpts{})
	s, _ := d.bootstrap()
	other, err := acstest.Start(acstest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	callOK[*cwmp.SetParameterValuesResponse](d, s, spv("move", "Device.ManagementServer.URL", other.URL()))
	d.end(s)

	s, err = other.NextSession(d.ctx())
	if err != nil {
		t.Fatal(err)
	}
	ex, inf, err := s.ExpectInform(d.ctx())
	if err != nil {
		t.Fatal(err)
	}
	wantEvents(t, inf, "0 BOOTSTRAP")
	if _, err := s.Finish(d.ctx(), ex); err != nil {
		t.Fatal(err)
	}
	d.result()
	// Bootstrapped with the new ACS: a restart does not repeat it.
	d.restart()
	if err := other.ExpectNoSession(d.ctx(), 300*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	d.noSession()
}

// TestE2ECase24ForcedInformParameters — §8 case 24: Every Inform contains
// the 7 forced-inform parameters of TR-181.
func TestE2ECase24ForcedInformParameters(t *testing.T) {
	forced := []string{
		"Device.RootDataModelVersion",
		"Device.DeviceInfo.HardwareVersion",
		"Device.DeviceInfo.SoftwareVersion",
		"Device.DeviceInfo.ProvisioningCode",
		"Device.ManagementServer.ParameterKey",
		"Device.ManagementServer.ConnectionRequestURL",
		"Device.ManagementServer.AliasBasedAddressing",
	}
	check := func(inf *cwmp.Inform, when string) {
		t.Helper()
		got := values(inf.ParameterList)
		for _, p := range forced {
			if _, ok := got[p]; !ok {
				t.Errorf("%s: Inform lacks %s", when, p)
			}
		}
		if len(got) != len(inf.ParameterList) {
			t.Errorf("%s: duplicate names in the ParameterList", when)
		}
	}
	d := newDevice(t, deviceOpts{})
	s, inf := d.bootstrap()
	check(inf, "bootstrap")
	if got := values(inf.ParameterList); got["Device.DeviceInfo.SoftwareVersion"] != "1.0.0-e2e" || got["Device.ManagementServer.ConnectionRequestURL"] != d.connReqURL() {
		t.Errorf("bootstrap Inform values: %v", got)
	}
	d.end(s)
	s, inf = d.kick()
	check(inf, "connection request")
	d.end(s)
	d.clk.Advance(d.cfg.PeriodicInformInterval)
	s, ex, inf := d.inform()
	check(inf, "periodic")
	d.finish(s, ex)
}

// TestE2ECase26ScheduleInform — §8 case 26: ScheduleInform(DelaySeconds=30,
// "s1") gives a session about 30 s later with 3 SCHEDULED +
// M ScheduleInform/s1. With DelaySeconds=0, the reply is 9003. (Fake
// clock.)
func TestE2ECase26ScheduleInform(t *testing.T) {
	d := newDevice(t, deviceOpts{})
	s, _ := d.bootstrap()
	wantFault(t, d.callFault(s, &cwmp.ScheduleInform{DelaySeconds: 0, CommandKey: "s0"}), cwmp.FaultInvalidArguments)
	callOK[*cwmp.ScheduleInformResponse](d, s, &cwmp.ScheduleInform{DelaySeconds: 30, CommandKey: "s1"})
	d.end(s)

	d.clk.Advance(29 * time.Second)
	d.noSession()
	d.clk.Advance(time.Second)
	s, ex, inf := d.inform()
	wantEvents(t, inf, "3 SCHEDULED", "M ScheduleInform/s1")
	if at := s.Records()[0].Time; at.Sub(epoch) != 30*time.Second {
		t.Errorf("scheduled Inform at +%v, want +30s", at.Sub(epoch))
	}
	d.finish(s, ex)
	d.noSession()
}

// TestE2ECase27InformParameterEventList — §8 case 27: An
// InformParameter.{i} with an empty EventList adds its parameter to a
// PERIODIC Inform. One whose EventList is "2 PERIODIC" does not add it to
// a BOOT-only Inform.
func TestE2ECase27InformParameterEventList(t *testing.T) {
	d := newDevice(t, deviceOpts{})
	s, _ := d.bootstrap()
	addIP := func(param, events string) {
		t.Helper()
		n := callOK[*cwmp.AddObjectResponse](d, s, &cwmp.AddObject{ObjectName: "Device.ManagementServer.InformParameter.", ParameterKey: "ip"}).InstanceNumber
		base := "Device.ManagementServer.InformParameter." + strconv.Itoa(int(n)) + "."
		callOK[*cwmp.SetParameterValuesResponse](d, s, spv("ip",
			base+"Enable", "true", base+"ParameterName", param, base+"EventList", events))
	}
	addIP("Device.DeviceInfo.UpTime", "")
	addIP("Device.WiFi.SSID.1.SSID", "2 PERIODIC")
	d.end(s)

	d.clk.Advance(d.cfg.PeriodicInformInterval)
	s, ex, inf := d.inform()
	wantEvents(t, inf, "2 PERIODIC")
	got := values(inf.ParameterList)
	for _, p := range []string{"Device.DeviceInfo.UpTime", "Device.WiFi.SSID.1.SSID"} {
		if _, ok := got[p]; !ok {
			t.Errorf("periodic Inform lacks %s", p)
		}
	}
	d.open(s, ex)
	callOK[*cwmp.RebootResponse](d, s, &cwmp.Reboot{CommandKey: "r27"})
	d.end(s)

	s, ex, inf = d.inform()
	wantEvents(t, inf, "1 BOOT", "M Reboot/r27")
	got = values(inf.ParameterList)
	if _, ok := got["Device.DeviceInfo.UpTime"]; !ok {
		t.Error("BOOT Inform lacks the parameter with an empty EventList")
	}
	if _, ok := got["Device.WiFi.SSID.1.SSID"]; ok {
		t.Error("BOOT Inform carries the parameter whose EventList is 2 PERIODIC")
	}
	d.finish(s, ex)
}
