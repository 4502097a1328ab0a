package session

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"gatewarden/cpe-agent/internal/acstest"
	"gatewarden/protocol/cwmp"
)

var (
	reSupported      = regexp.MustCompile(`<(\w+:)?SupportedCWMPVersions\b[^>]*>([^<]*)<`)
	reMustUnderstand = regexp.MustCompile(`mustUnderstand="([01])"`)
	reSessionTimeout = regexp.MustCompile(`<(\w+:)?SessionTimeout\b`)
	reArrayType      = regexp.MustCompile(`arrayType="[\w-]+:(\w+)\[(\d+)\]"`)
	reValue          = regexp.MustCompile(`<Value\b[^>]*>`)
)

// TestCase16VersionHeaders — §8 case 16: A 1.4 CPE sends
// SupportedCWMPVersions with mustUnderstand=0 in the Inform only, and uses
// namespace urn:dslforum-org:cwmp-1-2. After that the session speaks the
// ACS's namespace.
func TestCase16VersionHeaders(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	owe(t, h.st, "v", 0)
	h.start()
	s, ex, _ := h.inform()
	if ex.Envelope.Namespace != cwmp.NamespaceCWMP12 {
		t.Fatalf("Inform namespace %q", ex.Envelope.Namespace)
	}
	if ex.Envelope.Header.SupportedCWMPVersions != "1.0,1.1,1.2,1.3,1.4" {
		t.Fatalf("SupportedCWMPVersions %q", ex.Envelope.Header.SupportedCWMPVersions)
	}
	m := reSupported.FindSubmatch(ex.Body)
	if m == nil {
		t.Fatalf("no SupportedCWMPVersions element in\n%s", ex.Body)
	}
	if mu := reMustUnderstand.FindSubmatch(m[0]); mu == nil || string(mu[1]) != "0" {
		t.Fatalf("SupportedCWMPVersions element %s: want mustUnderstand=\"0\"", m[0])
	}
	if st := ex.Envelope.Header.SessionTimeout; st == nil || *st < 30 {
		t.Fatalf("SessionTimeout %v, want at least 30", st)
	}

	// The ACS answers in cwmp-1-0: the rest of the session follows it.
	ex.Reply(acstest.InformResponse().WithNamespace(cwmp.NamespaceCWMP10))
	tc, _, err := acstest.Expect[*cwmp.TransferComplete](h.ctx(), s)
	if err != nil {
		t.Fatal(err)
	}
	if tc.Envelope.Namespace != cwmp.NamespaceCWMP10 {
		t.Fatalf("TransferComplete in %q, want the ACS's cwmp-1-0", tc.Envelope.Namespace)
	}
	tc.Reply(acstest.Respond(&cwmp.TransferCompleteResponse{}))
	empty, err := s.ExpectEmpty(h.ctx())
	if err != nil {
		t.Fatal(err)
	}
	ans, err := s.CallWith(h.ctx(), empty, acstest.Request(&cwmp.GetParameterValues{ParameterNames: []string{"Device.DeviceInfo.UpTime"}}).WithNamespace(cwmp.NamespaceCWMP10))
	if err != nil {
		t.Fatal(err)
	}
	if ans.Envelope.Namespace != cwmp.NamespaceCWMP10 {
		t.Fatalf("response in %q, want cwmp-1-0", ans.Envelope.Namespace)
	}
	// A cwmp-1-0 ACS cannot call methods of later schemas, so
	// GetRPCMethods lists only what it can call.
	ans, rpcs, err := acstest.CallFor[*cwmp.GetRPCMethodsResponse](h.ctx(), s, ans, &cwmp.GetRPCMethods{})
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(rpcs.MethodList, "GetAllQueuedTransfers") || slices.Contains(rpcs.MethodList, "ScheduleDownload") {
		t.Fatalf("cwmp-1-0 GetRPCMethodsResponse lists later methods: %v", rpcs.MethodList)
	}
	ans.Reply(acstest.Empty())
	h.result()
	for _, r := range s.Records()[1:] {
		if reSupported.Match(r.Body) || reSessionTimeout.Match(r.Body) {
			t.Errorf("%s carries an Inform-only header:\n%s", r.RPC(), r.Body)
		}
	}

	// UseCWMPVersion 1.4 in cwmp-1-2.
	h.client.ConnectionRequest()
	s, ex, _ = h.inform()
	ex.Reply(acstest.InformResponse().WithUseVersion("1.4"))
	empty, err = s.ExpectEmpty(h.ctx())
	if err != nil {
		t.Fatal(err)
	}
	_, rpcs, err = acstest.CallFor[*cwmp.GetRPCMethodsResponse](h.ctx(), s, empty, &cwmp.GetRPCMethods{})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"GetRPCMethods", "GetParameterValues", "Download", "Reboot", "ScheduleDownload", "CancelTransfer", "GetAllQueuedTransfers"} {
		if !slices.Contains(rpcs.MethodList, want) {
			t.Errorf("GetRPCMethodsResponse %v lacks %s", rpcs.MethodList, want)
		}
	}
	if slices.Contains(rpcs.MethodList, "ChangeDUState") || slices.Contains(rpcs.MethodList, "SetVouchers") {
		t.Errorf("GetRPCMethodsResponse lists unsupported methods: %v", rpcs.MethodList)
	}
	h.finish(s, s.Pending())
}

// TestCase20ArraysAndTypes — §8 case 20 (C side): Every array carries
// soap-enc:arrayType with the right count, and every Value carries
// xsi:type.
func TestCase20ArraysAndTypes(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.start()
	s, ex, inf := h.inform()
	checkArrays(t, ex.Body, map[string]int{
		"EventStruct":          len(inf.Event),
		"ParameterValueStruct": len(inf.ParameterList),
	})
	ex.Reply(acstest.InformResponse())
	empty, err := s.ExpectEmpty(h.ctx())
	if err != nil {
		t.Fatal(err)
	}
	ans, gpv, err := acstest.CallFor[*cwmp.GetParameterValuesResponse](h.ctx(), s, empty, &cwmp.GetParameterValues{ParameterNames: []string{"Device.DeviceInfo."}})
	if err != nil {
		t.Fatal(err)
	}
	checkArrays(t, ans.Body, map[string]int{"ParameterValueStruct": len(gpv.ParameterList)})
	h.finish(s, ans)
}

func checkArrays(t *testing.T, body []byte, want map[string]int) {
	t.Helper()
	found := map[string]int{}
	for _, m := range reArrayType.FindAllSubmatch(body, -1) {
		n, _ := strconv.Atoi(string(m[2]))
		found[string(m[1])] = n
	}
	for typ, n := range want {
		got, ok := found[typ]
		if !ok || got != n {
			t.Errorf("arrayType %s[%d] (present %v), want [%d]\n%s", typ, got, ok, n, body)
		}
	}
	values := reValue.FindAll(body, -1)
	if len(values) == 0 {
		t.Fatalf("no Value elements in\n%s", body)
	}
	for _, v := range values {
		if !strings.Contains(string(v), ":type=") {
			t.Errorf("Value without xsi:type: %s", v)
		}
	}
}

// TestCase21BootstrapAndBoot — §8 case 21: A factory-fresh boot sends
// 0 BOOTSTRAP + 1 BOOT. A later ordinary reboot sends only 1 BOOT; a
// restart of the agent alone sends nothing.
func TestCase21BootstrapAndBoot(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.start()
	s, ex, inf := h.inform()
	wantEvents(t, inf, "0 BOOTSTRAP", "1 BOOT")
	h.finish(s, ex)
	h.result()

	h.restart("") // same boot id: the agent restarted, the device did not
	h.noSession()
	if evs := storedEvents(t, h.st); len(evs) != 0 {
		t.Fatalf("queue after an agent restart: %v", evs)
	}

	h.restart("boot-2")
	s, ex, inf = h.inform()
	wantEvents(t, inf, "1 BOOT")
	h.finish(s, ex)
}

// TestNewBootDiscardsEvents: the events a reboot discards go, atomically
// with the new 1 BOOT; the others survive.
func TestNewBootDiscardsEvents(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.boot()
	h.stop()
	for _, code := range []cwmp.EventCode{cwmp.EventValueChange, cwmp.EventDiagnosticsComplete, cwmp.EventBoot, cwmp.EventPeriodic} {
		if _, err := h.client.appendEvent(code, ""); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := h.client.appendEvent(cwmp.EventMReboot, "rk"); err != nil {
		t.Fatal(err)
	}
	var newBoots atomic.Int32
	h.mod = func(o *Options) {
		o.OnNewBoot = func(context.Context) error { newBoots.Add(1); return nil }
	}
	h.restart("boot-2")
	s, ex, inf := h.inform()
	wantEvents(t, inf, "1 BOOT", "2 PERIODIC", "M Reboot/rk")
	h.finish(s, ex)
	if n := newBoots.Load(); n != 1 {
		t.Fatalf("OnNewBoot ran %d times, want 1", n)
	}
}

// TestCase22URLChange — §8 case 22: Changing ManagementServer.URL leads to
// a 0 BOOTSTRAP Inform to the new URL — whether the change is local or the
// ACS's own SetParameterValues.
func TestCase22URLChange(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	acs2, err := acstest.Start(acstest.Options{Path: "/acs2"})
	if err != nil {
		t.Fatal(err)
	}
	defer acs2.Close()
	h.boot()

	h.model.set(map[string]string{paramURL: acs2.URL()}, false)
	s, err := acs2.NextSession(h.ctx())
	if err != nil {
		t.Fatal(err)
	}
	ex, inf, err := s.ExpectInform(h.ctx())
	if err != nil {
		t.Fatal(err)
	}
	wantEvents(t, inf, "0 BOOTSTRAP")
	ex.Reply(acstest.InformResponse())
	empty, err := s.ExpectEmpty(h.ctx())
	if err != nil {
		t.Fatal(err)
	}
	// This ACS hands the device back to the first one.
	ans, _, err := acstest.CallFor[*cwmp.SetParameterValuesResponse](h.ctx(), s, empty, &cwmp.SetParameterValues{
		ParameterList: []cwmp.ParameterValueStruct{{Name: paramURL, Value: h.acs.URL(), Type: "string"}},
		ParameterKey:  "move-back",
	})
	if err != nil {
		t.Fatal(err)
	}
	ans.Reply(acstest.Empty())
	if r := h.result(); r.Err != nil {
		t.Fatal(r.Err)
	}
	s, ex, inf = h.inform() // on the first ACS
	wantEvents(t, inf, "0 BOOTSTRAP")
	h.finish(s, ex)
	h.result()
	if bs, _ := h.st.Bootstrap(); !bs.Done || bs.ACSURL != h.acs.URL() {
		t.Fatalf("bootstrap record %+v", bs)
	}
}

// TestCase23Reboot — §8 case 23: Reboot(CommandKey="k1") sends the
// response, ends the session, reboots, and then sends 1 BOOT + M Reboot
// with CommandKey k1.
func TestCase23Reboot(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.boot()
	var s *acstest.Session
	sessionOver := false
	h.plat.onReboot = func() {
		recs := s.Records()
		sessionOver = recs[len(recs)-1].Status == http.StatusNoContent
	}
	h.client.ConnectionRequest()
	s, ex, _ := h.inform()
	ex.Reply(acstest.InformResponse())
	empty, err := s.ExpectEmpty(h.ctx())
	if err != nil {
		t.Fatal(err)
	}
	ans, _, err := acstest.CallFor[*cwmp.RebootResponse](h.ctx(), s, empty, &cwmp.Reboot{CommandKey: "k1"})
	if err != nil {
		t.Fatal(err)
	}
	if reboots, _ := h.plat.counts(); reboots != 0 {
		t.Fatal("rebooted before the session ended")
	}
	ans.Reply(acstest.Empty())
	if err := h.exited(); !errors.Is(err, ErrRebooted) {
		t.Fatalf("Run returned %v, want ErrRebooted", err)
	}
	if reboots, _ := h.plat.counts(); reboots != 1 || !sessionOver {
		t.Fatalf("reboots %d, session over at the time %v", reboots, sessionOver)
	}
	if evs := storedEvents(t, h.st); !slices.Equal(evs, []string{"M Reboot/k1"}) {
		t.Fatalf("queued before the reboot: %v", evs)
	}
	h.restart("boot-2")
	s, ex, inf := h.inform()
	wantEvents(t, inf, "1 BOOT", "M Reboot/k1")
	h.finish(s, ex)
	h.result()
	if evs := storedEvents(t, h.st); len(evs) != 0 {
		t.Fatalf("queue after delivery: %v", evs)
	}
}

// TestCase24ForcedInformParameters — §8 case 24: Every Inform contains the 7
// forced-inform parameters of TR-181, e.g.
// Device.ManagementServer.ConnectionRequestURL and
// Device.DeviceInfo.SoftwareVersion. (The list itself is the model's; the
// session must carry what the model gives for the Inform's events.)
func TestCase24ForcedInformParameters(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.start()
	for i := 0; i < 2; i++ {
		if i > 0 {
			h.client.ConnectionRequest()
		}
		s, ex, inf := h.inform()
		names := paramNames(inf)
		for _, want := range forcedInform {
			if !slices.Contains(names, want) {
				t.Errorf("Inform %d lacks %s (has %v)", i+1, want, names)
			}
		}
		if !slices.Equal(h.model.lastInformEvents, cwmpCodes(inf)) {
			t.Errorf("model asked for events %v, Inform carries %v", h.model.lastInformEvents, cwmpCodes(inf))
		}
		h.finish(s, ex)
		h.result()
	}
}

func cwmpCodes(inf *cwmp.Inform) []cwmp.EventCode {
	var out []cwmp.EventCode
	for _, e := range inf.Event {
		out = append(out, e.EventCode)
	}
	return out
}

// TestCase25EventRetention — §8 case 25: If a session with only
// 6 CONNECTION REQUEST fails, that event is not resent. A pending
// 7 TRANSFER COMPLETE is resent until TransferCompleteResponse arrives, even
// across a reboot.
func TestCase25EventRetention(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.boot()

	h.client.ConnectionRequest()
	inf := h.failInform(acstest.Fault(cwmp.FaultACSInternalError))
	wantEvents(t, inf, "6 CONNECTION REQUEST")
	if r := h.result(); r.Err == nil || r.RetryIn != 0 {
		t.Fatalf("6-only session: %+v, want a failure with no retry", r)
	}
	h.noSession()
	if n, _ := h.st.RetryCount(); n != 0 {
		t.Fatalf("RetryCount %d after a session that is not retried", n)
	}
	if err := h.client.AddEvent(cwmp.EventDiagnosticsComplete, ""); err != nil {
		t.Fatal(err)
	}
	s, ex, inf := h.inform()
	wantEvents(t, inf, "8 DIAGNOSTICS COMPLETE") // no 6 again
	ex.Reply(acstest.InformResponse())
	empty, err := s.ExpectEmpty(h.ctx())
	if err != nil {
		t.Fatal(err)
	}
	// A download this device has no installer for.
	ans, err := s.Call(h.ctx(), empty, &cwmp.Download{CommandKey: "dl25", FileType: cwmp.FileTypeWebContent, URL: "http://files.example/w.tgz"})
	if err != nil {
		t.Fatal(err)
	}
	ans.Reply(acstest.Empty())
	h.result()

	// Its TransferComplete: the ACS refuses it, so it stays owed.
	s, ex, inf = h.inform()
	wantEvents(t, inf, "7 TRANSFER COMPLETE", "M Download/dl25")
	ex.Reply(acstest.InformResponse())
	tc, body, err := acstest.Expect[*cwmp.TransferComplete](h.ctx(), s)
	if err != nil {
		t.Fatal(err)
	}
	if body.FaultStruct.FaultCode != cwmp.FaultDownloadFailure || body.FaultStruct.FaultString == "" {
		t.Fatalf("TransferComplete fault %+v, want 9010 with a message", body.FaultStruct)
	}
	tc.Reply(acstest.Fault(cwmp.FaultACSInternalError))
	empty, err = s.ExpectEmpty(h.ctx()) // no loop on the refused request
	if err != nil {
		t.Fatal(err)
	}
	empty.Reply(acstest.Empty())
	h.result()

	// A reboot: 1 BOOT comes with the still-owed transfer.
	h.restart("boot-2")
	s, ex, inf = h.inform()
	wantEvents(t, inf, "1 BOOT", "7 TRANSFER COMPLETE", "M Download/dl25")
	ex.Reply(acstest.InformResponse())
	tc, body, err = acstest.Expect[*cwmp.TransferComplete](h.ctx(), s)
	if err != nil {
		t.Fatal(err)
	}
	if body.CommandKey != "dl25" {
		t.Fatalf("TransferComplete %q", body.CommandKey)
	}
	h.finish(s, tc) // TransferCompleteResponse this time
	h.result()

	h.client.ConnectionRequest()
	s, ex, inf = h.inform()
	wantEvents(t, inf, "6 CONNECTION REQUEST")
	h.finish(s, ex)
}

// TestCase26ScheduleInform — §8 case 26: ScheduleInform(DelaySeconds=30,
// "s1") gives a session about 30 s later with 3 SCHEDULED + M
// ScheduleInform/s1. With DelaySeconds=0, the reply is 9003.
func TestCase26ScheduleInform(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.start()
	s, ex, _ := h.inform()
	ex.Reply(acstest.InformResponse())
	empty, err := s.ExpectEmpty(h.ctx())
	if err != nil {
		t.Fatal(err)
	}
	ans, _, err := acstest.CallFor[*cwmp.ScheduleInformResponse](h.ctx(), s, empty, &cwmp.ScheduleInform{DelaySeconds: 30, CommandKey: "s1"})
	if err != nil {
		t.Fatal(err)
	}
	ans, err = s.Call(h.ctx(), ans, &cwmp.ScheduleInform{DelaySeconds: 0, CommandKey: "s0"})
	if err != nil {
		t.Fatal(err)
	}
	if code := faultCode(t, ans); code != cwmp.FaultInvalidArguments {
		t.Fatalf("DelaySeconds=0: fault %d, want 9003", code)
	}
	ans.Reply(acstest.Empty())
	h.result()

	h.waitTimers(1)
	h.clk.Advance(30*time.Second - time.Millisecond)
	h.noSession()
	h.clk.Advance(time.Millisecond)
	s, ex, inf := h.inform()
	wantEvents(t, inf, "3 SCHEDULED", "M ScheduleInform/s1")
	h.finish(s, ex)
	h.result()
	if list, _ := h.st.ScheduledInforms(); len(list) != 0 {
		t.Fatalf("scheduled informs left: %v", list)
	}
}

// TestCase27InformParameterEventList — §8 case 27: An InformParameter.{i}
// with an empty EventList adds its parameter to a PERIODIC Inform. One
// whose EventList is "2 PERIODIC" does not add it to a BOOT-only Inform.
// (Matching is the model's; the session must hand it the Inform's events.)
func TestCase27InformParameterEventList(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.model.extras = []informExtra{
		{name: "Device.DeviceInfo.UpTime"},
		{name: "Device.WiFi.SSID.1.SSID", events: []cwmp.EventCode{cwmp.EventPeriodic}},
	}
	h.boot()
	h.restart("boot-2")
	s, ex, inf := h.inform()
	wantEvents(t, inf, "1 BOOT")
	names := paramNames(inf)
	if !slices.Contains(names, "Device.DeviceInfo.UpTime") || slices.Contains(names, "Device.WiFi.SSID.1.SSID") {
		t.Fatalf("BOOT-only Inform parameters %v", names)
	}
	h.finish(s, ex)
	h.result()

	h.model.set(map[string]string{
		paramPeriodicEnable:   "true",
		paramPeriodicInterval: "60",
		paramPeriodicTime:     epoch.Format(time.RFC3339),
	}, false)
	h.waitTimers(1)
	h.clk.Advance(time.Minute)
	s, ex, inf = h.inform()
	wantEvents(t, inf, "2 PERIODIC")
	names = paramNames(inf)
	if !slices.Contains(names, "Device.DeviceInfo.UpTime") || !slices.Contains(names, "Device.WiFi.SSID.1.SSID") {
		t.Fatalf("PERIODIC Inform parameters %v", names)
	}
	h.finish(s, ex)
}
