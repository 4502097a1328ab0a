package agent_test

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"gatewarden/cpe-agent/internal/acstest"
	"gatewarden/protocol/cwmp"
)

// TestE2ECase01InformFirst — §8 case 1: The first POST of every session is
// an Inform. No other RPC is sent before InformResponse arrives.
//
// The agent owes a TransferComplete (a Download it cannot install) when
// the session opens, so it has a request of its own it could be tempted
// to send early.
func TestE2ECase01InformFirst(t *testing.T) {
	d := newDevice(t, deviceOpts{})
	s, _ := d.bootstrap()
	resp := callOK[*cwmp.DownloadResponse](d, s, download("dl-1"))
	if resp.Status != 1 {
		t.Fatalf("DownloadResponse status %d, want 1", resp.Status)
	}
	d.end(s)

	s, ex, inf := d.inform()
	wantEvents(t, inf, "7 TRANSFER COMPLETE", "M Download/dl-1")
	// Hold the InformResponse back: nothing else may arrive meanwhile,
	// on this connection or another.
	before := len(d.acs.Records())
	time.Sleep(200 * time.Millisecond)
	if n := len(d.acs.Records()); n != before {
		t.Fatalf("%d requests arrived before the InformResponse: %v", n-before, d.acs.Records()[before:])
	}
	if err := ex.Reply(acstest.InformResponse()); err != nil {
		t.Fatal(err)
	}
	if _, _, err := acstest.Expect[*cwmp.TransferComplete](d.ctx(), s); err != nil {
		t.Fatal(err)
	}
	d.finish(s, s.Pending())

	// A connection-request session too, and every session so far opened
	// with an Inform.
	s, _ = d.kick()
	d.end(s)
	for i, r := range sessionFirsts(d.acs.Records()) {
		if r != "Inform" {
			t.Errorf("session %d opened with %s", i+1, r)
		}
	}
}

// sessionFirsts returns the RPC of each session's first accepted POST.
func sessionFirsts(recs []acstest.Record) []string {
	var out []string
	prevEnded := true
	for _, r := range recs {
		if prevEnded {
			out = append(out, r.RPC())
		}
		// An empty POST answered with 204 ends the session.
		prevEnded = r.Empty() && r.Status == http.StatusNoContent
	}
	return out
}

// TestE2ECase02EmptyPost — §8 case 2: After InformResponse, a CPE with
// nothing to send sends a zero-length POST with no Content-Type or
// SOAPAction.
func TestE2ECase02EmptyPost(t *testing.T) {
	d := newDevice(t, deviceOpts{})
	d.start()
	s, ex, _ := d.inform()
	if err := ex.Reply(acstest.InformResponse()); err != nil {
		t.Fatal(err)
	}
	// ExpectEmpty checks the body, Content-Type, SOAPAction and
	// Content-Length.
	empty, err := s.ExpectEmpty(d.ctx())
	if err != nil {
		t.Fatal(err)
	}
	if empty.Method != http.MethodPost {
		t.Fatalf("empty message sent with %s", empty.Method)
	}
	d.end(s)
	// The 204 ended the session: the connection is not used again.
	if recs := s.Records(); len(recs) != 2 {
		t.Fatalf("session has %d requests, want Inform and the empty POST", len(recs))
	}
}

// TestE2ECase05ResponseEchoesID — §8 case 5: The CPE replies to an ACS
// request in its very next POST, and the cwmp:ID of the response equals
// the request's.
func TestE2ECase05ResponseEchoesID(t *testing.T) {
	d := newDevice(t, deviceOpts{})
	s, _ := d.bootstrap()
	reqs := []cwmp.Body{
		&cwmp.GetRPCMethods{},
		gpv("Device.DeviceInfo.SerialNumber"),
		&cwmp.GetParameterNames{ParameterPath: "Device.ManagementServer.", NextLevel: true},
		gpv("Device.Nonexistent."), // a fault echoes the ID too
	}
	for i, req := range reqs {
		id := "odd id <" + string(rune('a'+i)) + "> & more"
		pending := s.Pending()
		ans, err := s.CallWith(d.ctx(), pending, acstest.Request(req).WithID(id))
		if err != nil {
			t.Fatal(err) // CallWith checks "the very next POST" and the ID
		}
		if ans.ID() != id {
			t.Fatalf("%s answered with ID %q, want %q", req.Method(), ans.ID(), id)
		}
	}
	if f := s.Pending().Fault(); f == nil || f.FaultCode != cwmp.FaultInvalidParameterName {
		t.Fatalf("GPV of a nonexistent path: %v", s.Pending().RPC())
	}
	d.end(s)
}

// TestE2ECase21BootstrapAndBoot — §8 case 21: A factory-fresh boot sends
// 0 BOOTSTRAP + 1 BOOT. A later ordinary reboot sends only 1 BOOT. (An
// agent restart without a reboot is no boot at all.)
func TestE2ECase21BootstrapAndBoot(t *testing.T) {
	d := newDevice(t, deviceOpts{})
	d.booted() // checks 0 BOOTSTRAP + 1 BOOT

	// The agent alone restarts: nothing to report.
	d.restart()
	d.noSession()

	// Power cycle: the device boots again, then the agent starts.
	d.stop()
	if err := d.sim().Reboot(d.ctx()); err != nil {
		t.Fatal(err)
	}
	d.start()
	s, ex, inf := d.inform()
	wantEvents(t, inf, "1 BOOT")
	d.finish(s, ex)
}

// TestE2ECase23Reboot — §8 case 23: Reboot(CommandKey="k1") sends the
// response, ends the session, reboots, and then sends 1 BOOT + M Reboot
// with CommandKey k1. On the sim the agent restarts in-process.
func TestE2ECase23Reboot(t *testing.T) {
	d := newDevice(t, deviceOpts{})
	s, _ := d.bootstrap()
	oldBoot, err := d.sim().BootID()
	if err != nil {
		t.Fatal(err)
	}
	// Ten minutes of uptime (the periodic Inform, an hour apart with a
	// random phase pinned to the middle, is not due yet).
	d.clk.Advance(10 * time.Minute)
	up := values(callOK[*cwmp.GetParameterValuesResponse](d, s, gpv("Device.DeviceInfo.UpTime")).ParameterList)
	if up["Device.DeviceInfo.UpTime"] != "600" {
		t.Fatalf("UpTime %q before the reboot, want 600", up["Device.DeviceInfo.UpTime"])
	}
	callOK[*cwmp.RebootResponse](d, s, &cwmp.Reboot{CommandKey: "k1"})
	// Still the same boot while the session runs.
	if n := d.boots(); n != 1 {
		t.Fatalf("rebooted before the session ended (%d boots)", n)
	}
	d.end(s)

	s, ex, inf := d.inform()
	wantEvents(t, inf, "1 BOOT", "M Reboot/k1")
	if n := d.boots(); n != 2 {
		t.Fatalf("%d boots, want 2", n)
	}
	newBoot, err := d.sim().BootID()
	if err != nil {
		t.Fatal(err)
	}
	if newBoot == oldBoot {
		t.Fatalf("boot id %q unchanged by the reboot", newBoot)
	}
	d.open(s, ex)
	// The uptime starts again with the new boot.
	up = values(callOK[*cwmp.GetParameterValuesResponse](d, s, gpv("Device.DeviceInfo.UpTime")).ParameterList)
	if up["Device.DeviceInfo.UpTime"] != "0" {
		t.Fatalf("UpTime %q after the reboot", up["Device.DeviceInfo.UpTime"])
	}
	d.end(s)
	d.noSession()
}

// TestE2ECase25EventRetention — §8 case 25: If a session with only
// 6 CONNECTION REQUEST fails, that event is not resent. A pending
// 7 TRANSFER COMPLETE is resent until TransferCompleteResponse arrives,
// even across a reboot.
func TestE2ECase25EventRetention(t *testing.T) {
	d := newDevice(t, deviceOpts{})
	d.booted()

	if code := d.connectionRequest(crUser, crPass); code != http.StatusOK {
		t.Fatalf("connection request: %d", code)
	}
	s, ex, inf := d.inform()
	wantEvents(t, inf, "6 CONNECTION REQUEST")
	if err := ex.Reply(acstest.Status(http.StatusInternalServerError)); err != nil {
		t.Fatal(err)
	}
	if r := d.result(); r.Err == nil || r.RetryIn != 0 {
		t.Fatalf("failed connection-request session: err %v, retry in %v (want a failure and no retry)", r.Err, r.RetryIn)
	}
	// Well past any retry wait: still nothing.
	d.clk.Advance(10 * time.Minute)
	d.noSession()

	// A Download the device cannot install ends in a TransferComplete
	// fault, owed until the ACS acknowledges it.
	s, _ = d.kick()
	callOK[*cwmp.DownloadResponse](d, s, download("dl-25"))
	d.end(s)

	s, ex, inf = d.inform()
	wantEvents(t, inf, "7 TRANSFER COMPLETE", "M Download/dl-25")
	ex.Reply(acstest.InformResponse())
	tc, _, err := acstest.Expect[*cwmp.TransferComplete](d.ctx(), s)
	if err != nil {
		t.Fatal(err)
	}
	// The ACS refuses the TransferComplete (not 8005): it stays owed. The
	// ACS then reboots the device in the same session.
	if err := tc.Reply(acstest.Fault(cwmp.FaultACSInternalError)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ExpectEmpty(d.ctx()); err != nil {
		t.Fatal(err)
	}
	callOK[*cwmp.RebootResponse](d, s, &cwmp.Reboot{CommandKey: "after-tc"})
	d.end(s)

	// After the reboot the TransferComplete is still owed.
	s, ex, inf = d.inform()
	wantEvents(t, inf, "1 BOOT", "M Reboot/after-tc", "7 TRANSFER COMPLETE", "M Download/dl-25")
	ex.Reply(acstest.InformResponse())
	tc, body, err := acstest.Expect[*cwmp.TransferComplete](d.ctx(), s)
	if err != nil {
		t.Fatal(err)
	}
	if body.CommandKey != "dl-25" {
		t.Fatalf("TransferComplete for %q", body.CommandKey)
	}
	tc.Reply(acstest.Respond(&cwmp.TransferCompleteResponse{}))
	d.finish(s, nil)

	// Acknowledged: gone for good, across a restart too.
	s, inf = d.kick()
	wantEvents(t, inf, "6 CONNECTION REQUEST")
	d.end(s)
	d.restart()
	d.noSession()
}

// TestE2ECase49ConnectionRequest — §8 case 49: An unauthenticated GET to
// ConnectionRequestURL gets 401 Digest. The correct Digest gets 200/204
// with an empty body before the Inform, and the Inform carries
// 6 CONNECTION REQUEST. Wrong credentials start no session.
//
// The listener is the agent's own, and the credentials are the ones the
// scripted ACS set by SPV in the first session; they survive a restart.
func TestE2ECase49ConnectionRequest(t *testing.T) {
	d := newDevice(t, deviceOpts{})
	s, inf := d.bootstrap()
	published := values(inf.ParameterList)["Device.ManagementServer.ConnectionRequestURL"]
	if published == "" || published != d.connReqURL() {
		t.Fatalf("Inform's ConnectionRequestURL %q, listener at %q", published, d.connReqURL())
	}
	d.end(s)

	resp, err := http.Get(published)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || !slices.ContainsFunc(resp.Header.Values("WWW-Authenticate"), func(v string) bool {
		return len(v) > 7 && v[:7] == "Digest "
	}) {
		t.Fatalf("unauthenticated GET: %d %q", resp.StatusCode, resp.Header.Values("WWW-Authenticate"))
	}
	if code := d.connectionRequest(crUser, "wrong"); code != http.StatusUnauthorized {
		t.Fatalf("wrong password: %d", code)
	}
	if code := d.connectionRequest("nobody", crPass); code != http.StatusUnauthorized {
		t.Fatalf("wrong user: %d", code)
	}
	d.noSession()

	answered := time.Now()
	if code := d.connectionRequest(crUser, crPass); code != http.StatusOK && code != http.StatusNoContent {
		t.Fatalf("authenticated GET: %d", code)
	}
	s, ex, inf := d.inform()
	wantEvents(t, inf, "6 CONNECTION REQUEST")
	if ex.Arrived.Before(answered) {
		t.Fatal("the Inform arrived before the connection request was answered")
	}
	d.finish(s, ex)

	d.restart()
	s, inf = d.kick()
	wantEvents(t, inf, "6 CONNECTION REQUEST")
	d.end(s)
}

// TestE2EDownloadWithoutInstaller — §8 case 45's failure path on a device
// with no installer yet: the Download is accepted (Status 1, Unknown
// Times), and a later session carries 7 TRANSFER COMPLETE + M Download and
// a TransferComplete with a 9010-9019 fault and the same CommandKey.
func TestE2EDownloadWithoutInstaller(t *testing.T) {
	d := newDevice(t, deviceOpts{})
	s, _ := d.bootstrap()
	resp := callOK[*cwmp.DownloadResponse](d, s, download("fw-7"))
	if resp.Status != 1 || !resp.StartTime.IsUnknown() || !resp.CompleteTime.IsUnknown() {
		t.Fatalf("DownloadResponse %+v, want Status 1 with Unknown Times", resp)
	}
	d.end(s)

	s, ex, inf := d.inform()
	wantEvents(t, inf, "7 TRANSFER COMPLETE", "M Download/fw-7")
	ex.Reply(acstest.InformResponse())
	tc, body, err := acstest.Expect[*cwmp.TransferComplete](d.ctx(), s)
	if err != nil {
		t.Fatal(err)
	}
	if body.CommandKey != "fw-7" {
		t.Fatalf("TransferComplete CommandKey %q", body.CommandKey)
	}
	if c := body.FaultStruct.FaultCode; c < cwmp.FaultDownloadFailure || c > cwmp.FaultFileAuthFailure || c == cwmp.FaultUnsupportedProtocol {
		t.Fatalf("TransferComplete fault %d %q, want 9010-9019 but not 9013", c, body.FaultStruct.FaultString)
	}
	tc.Reply(acstest.Respond(&cwmp.TransferCompleteResponse{}))
	d.finish(s, nil)
	d.noSession()
}

func download(key string) *cwmp.Download {
	return &cwmp.Download{
		CommandKey: key,
		FileType:   cwmp.FileTypeFirmwareUpgradeImage,
		URL:        "https://firmware.example.net/gw1-2.0.bin",
		FileSize:   4 << 20,
	}
}

// TestE2ECase50ConnectionRequestBurst — §8 case 50: A burst of Connection
// Requests beyond the rate limit gets 503 without Retry-After. A request
// during a session does not abort the session. (The limit's window runs
// on the agent's clock, here the fake one.)
func TestE2ECase50ConnectionRequestBurst(t *testing.T) {
	d := newDevice(t, deviceOpts{})
	d.booted()
	s, _ := d.kick()

	url := d.connReqURL()
	var refused int
	for range 60 {
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		switch resp.StatusCode {
		case http.StatusUnauthorized:
		case http.StatusServiceUnavailable:
			refused++
			if ra := resp.Header.Get("Retry-After"); ra != "" {
				t.Fatalf("503 with Retry-After %q", ra)
			}
		default:
			t.Fatalf("unauthenticated GET: %d", resp.StatusCode)
		}
	}
	if refused == 0 {
		t.Fatal("no 503 in a burst of 60 requests")
	}
	// An accepted request during the session: the session goes on, and
	// one more follows it.
	d.clk.Advance(10 * time.Second)
	if code := d.connectionRequest(crUser, crPass); code != http.StatusOK {
		t.Fatalf("connection request during the session: %d", code)
	}
	up := values(callOK[*cwmp.GetParameterValuesResponse](d, s, gpv("Device.DeviceInfo.UpTime")).ParameterList)
	if up["Device.DeviceInfo.UpTime"] == "" {
		t.Fatal("no UpTime")
	}
	if r := d.end(s); r.Err != nil {
		t.Fatalf("the session was disturbed: %v", r.Err)
	}
	s, ex, inf := d.inform()
	wantEvents(t, inf, "6 CONNECTION REQUEST")
	d.finish(s, ex)
}
