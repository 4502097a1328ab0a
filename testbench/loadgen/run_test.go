package loadgen

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"testing"
	"time"

	"gatewarden/protocol/cwmp"
)

// testPassword stands in for the fleet derivation: any function of the
// serial number does for the fake ACS.
func testPassword(serial string) string {
	h := sha256.Sum256([]byte("test fleet\x00" + serial))
	return hex.EncodeToString(h[:12])
}

func mustRun(t *testing.T, cfg Config) *Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if cfg.RequestTimeout == 0 {
		cfg.RequestTimeout = 5 * time.Second
	}
	res, err := Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestPeriodicWithDigestOneConnectionPerSession(t *testing.T) {
	f := newFakeACS(t, testPassword)
	res := mustRun(t, Config{Scenario: Periodic, ACS: f.url(), Devices: 50, Concurrency: 8,
		Duration: 300 * time.Millisecond, Password: testPassword})
	f.checkClean()
	if res.Sessions == 0 || res.Errors != 0 || res.Rejected != 0 {
		t.Fatalf("sessions %d, errors %d %v, rejected %d", res.Sessions, res.Errors, res.ErrorKinds, res.Rejected)
	}
	if got := f.ended.Load(); got != res.Sessions {
		t.Errorf("client counted %d sessions, the ACS ended %d", res.Sessions, got)
	}
	if got := f.ln.accepted.Load(); got != res.Sessions {
		t.Errorf("%d sessions used %d TCP connections", res.Sessions, got)
	}
	// A fresh challenge each session, answered on the same connection.
	if res.AuthChallenges != res.Sessions {
		t.Errorf("%d challenges for %d sessions, want one each", res.AuthChallenges, res.Sessions)
	}
	if res.SessionsPerSec <= 0 || res.P50Ms <= 0 || res.P99Ms < res.P50Ms || res.MaxMs < res.P99Ms {
		t.Errorf("implausible figures: %+v", res)
	}
	// Periodic sessions went round the whole fleet, more than once.
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.serials) != 50 {
		t.Errorf("%d of 50 devices had a session", len(f.serials))
	}
	if res.Sessions <= 50 {
		t.Errorf("only %d sessions in 300ms", res.Sessions)
	}
}

func TestReuseNonceSkipsChallenges(t *testing.T) {
	f := newFakeACS(t, testPassword)
	res := mustRun(t, Config{Scenario: Periodic, ACS: f.url(), Devices: 4, Concurrency: 2,
		Duration: 200 * time.Millisecond, Password: testPassword, ReuseNonce: true})
	f.checkClean()
	if res.Errors != 0 || res.Sessions < 8 {
		t.Fatalf("sessions %d, errors %d %v", res.Sessions, res.Errors, res.ErrorKinds)
	}
	// One challenge per device; later sessions answer its nonce up front.
	if res.AuthChallenges != 4 {
		t.Errorf("%d challenges for 4 devices over %d sessions", res.AuthChallenges, res.Sessions)
	}
	if got := f.ln.accepted.Load(); got != res.Sessions {
		t.Errorf("%d sessions used %d TCP connections", res.Sessions, got)
	}
}

func TestWithoutCredentialsAChallengeIsAnError(t *testing.T) {
	f := newFakeACS(t, testPassword)
	res := mustRun(t, Config{Scenario: Periodic, ACS: f.url(), Devices: 3, Concurrency: 2})
	if res.Sessions != 0 || res.Errors != 3 || res.ErrorKinds["unauthorized"] != 3 {
		t.Fatalf("sessions %d, errors %d %v", res.Sessions, res.Errors, res.ErrorKinds)
	}
}

func TestWrongPasswordIsAnAuthError(t *testing.T) {
	f := newFakeACS(t, testPassword)
	res := mustRun(t, Config{Scenario: Periodic, ACS: f.url(), Devices: 3, Concurrency: 1,
		Password: func(string) string { return "wrong" }})
	if res.Sessions != 0 || res.ErrorKinds["auth"] != 3 {
		t.Fatalf("sessions %d, errors %v", res.Sessions, res.ErrorKinds)
	}
}

func TestOneSessionPerDeviceWhenDurationIsZero(t *testing.T) {
	f := newFakeACS(t, nil)
	res := mustRun(t, Config{Scenario: Periodic, ACS: f.url(), Devices: 37, Concurrency: 5, FirstDevice: 101})
	f.checkClean()
	if res.Sessions != 37 || res.Errors != 0 {
		t.Fatalf("sessions %d, errors %v", res.Sessions, res.ErrorKinds)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := 101; i < 138; i++ {
		if n := f.serials[Serial(i)]; n != 1 {
			t.Errorf("%s did %d sessions", Serial(i), n)
		}
	}
	if len(f.serials) != 37 {
		t.Errorf("%d serials seen", len(f.serials))
	}
}

func TestRejectedAreCountedApart(t *testing.T) {
	f := newFakeACS(t, nil)
	f.inform = func(n int64) int {
		if n%3 == 0 {
			return http.StatusServiceUnavailable
		}
		return 0
	}
	res := mustRun(t, Config{Scenario: Periodic, ACS: f.url(), Devices: 30, Concurrency: 4})
	f.checkClean()
	if res.Rejected != f.refused.Load() || res.Rejected != 10 {
		t.Errorf("rejected %d, the ACS sent %d 503s", res.Rejected, f.refused.Load())
	}
	if res.Sessions != 20 || res.Errors != 0 {
		t.Errorf("sessions %d, errors %d %v", res.Sessions, res.Errors, res.ErrorKinds)
	}
	if got := f.ln.accepted.Load(); got != 30 {
		t.Errorf("30 attempts used %d connections", got)
	}
}

func TestFailuresAreErrorsByKind(t *testing.T) {
	f := newFakeACS(t, nil)
	f.inform = func(n int64) int {
		if n%2 == 0 {
			return http.StatusInternalServerError
		}
		return 0
	}
	res := mustRun(t, Config{Scenario: BootStorm, ACS: f.url(), Devices: 10, Concurrency: 3})
	if res.Sessions != 5 || res.Errors != 5 || res.ErrorKinds["http_500"] != 5 || res.Rejected != 0 {
		t.Fatalf("sessions %d, errors %d %v, rejected %d", res.Sessions, res.Errors, res.ErrorKinds, res.Rejected)
	}
}

func TestBrokenACSConnectionsAreErrors(t *testing.T) {
	ln := loopbackListener(t)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close() // drop every connection unanswered
		}
	}()
	t.Cleanup(func() { ln.Close() })
	res := mustRun(t, Config{Scenario: BootStorm, ACS: "http://" + ln.Addr().String() + "/cwmp", Devices: 6, Concurrency: 2})
	if res.Sessions != 0 || res.Errors != 6 || res.ErrorKinds["closed"] != 6 {
		t.Fatalf("sessions %d, errors %d %v", res.Sessions, res.Errors, res.ErrorKinds)
	}
}

func TestNothingListeningIsAConnectError(t *testing.T) {
	ln := loopbackListener(t)
	addr := ln.Addr().String()
	ln.Close()
	res := mustRun(t, Config{Scenario: BootStorm, ACS: "http://" + addr + "/cwmp", Devices: 3, Concurrency: 1})
	if res.Errors != 3 || res.ErrorKinds["connect"] != 3 {
		t.Fatalf("errors %d %v", res.Errors, res.ErrorKinds)
	}
}

func TestSlowACSTimesOut(t *testing.T) {
	ln := loopbackListener(t)
	hold := make(chan struct{})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { <-hold; c.Close() }()
		}
	}()
	t.Cleanup(func() { close(hold); ln.Close() })
	start := time.Now()
	res := mustRun(t, Config{Scenario: BootStorm, ACS: "http://" + ln.Addr().String() + "/cwmp", Devices: 2,
		Concurrency: 2, RequestTimeout: 100 * time.Millisecond})
	if res.ErrorKinds["timeout"] != 2 {
		t.Fatalf("errors %v", res.ErrorKinds)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("run took %v with a 100ms request timeout", d)
	}
}

func TestCancelStopsTheRun(t *testing.T) {
	ln := loopbackListener(t)
	hold := make(chan struct{})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { <-hold; c.Close() }()
		}
	}()
	t.Cleanup(func() { close(hold); ln.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	start := time.Now()
	res, err := Run(ctx, Config{Scenario: BootStorm, ACS: "http://" + ln.Addr().String() + "/cwmp", Devices: 4, Concurrency: 4})
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("cancelled run took %v", d)
	}
	if res.Errors != 0 || res.Sessions != 0 {
		t.Errorf("cancelled sessions were counted: %+v", res)
	}
}

func TestBootStormAnswersACSRequests(t *testing.T) {
	f := newFakeACS(t, testPassword)
	f.plan = func(in *cwmp.Inform) []cwmp.Body {
		for _, e := range in.Event {
			if e.EventCode != cwmp.EventBoot {
				return nil // a later periodic session: nothing to do
			}
		}
		return []cwmp.Body{
			&cwmp.GetParameterValues{ParameterNames: []string{"Device.DeviceInfo.SerialNumber", "Device.ManagementServer."}},
			&cwmp.SetParameterValues{ParameterKey: "key-1", ParameterList: []cwmp.ParameterValueStruct{
				{Name: "Device.ManagementServer.ConnectionRequestUsername", Value: "u-" + in.DeviceId.SerialNumber, Type: "string"},
			}},
			&cwmp.GetParameterValues{ParameterNames: []string{"Device.ManagementServer.ConnectionRequestUsername"}},
			&cwmp.GetParameterValues{ParameterNames: []string{"Device.NoSuchThing"}},
			&cwmp.Download{CommandKey: "fw", FileType: cwmp.FileTypeFirmwareUpgradeImage, URL: "http://127.0.0.1:9/fw"},
			&cwmp.GetRPCMethods{},
		}
	}
	res := mustRun(t, Config{Scenario: BootStorm, ACS: f.url(), Devices: 5, Concurrency: 5, Password: testPassword})
	f.checkClean()
	if res.Sessions != 5 || res.Errors != 0 {
		t.Fatalf("sessions %d, errors %v", res.Sessions, res.ErrorKinds)
	}
	if res.ACSRequests != 30 || res.CPEFaults != 10 {
		t.Errorf("acs requests %d, cpe faults %d; want 30 and 10", res.ACSRequests, res.CPEFaults)
	}
	if got := f.ln.accepted.Load(); got != 5 {
		t.Errorf("5 sessions with 7 round trips each used %d connections", got)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, in := range f.informed {
		if len(in.Event) != 1 || in.Event[0].EventCode != cwmp.EventBoot {
			t.Errorf("boot storm events %v", in.Event)
		}
	}
	for _, s := range f.sessions {
		checkDumbCPEReplies(t, s)
	}
}

func checkDumbCPEReplies(t *testing.T, s *fakeSession) {
	t.Helper()
	if len(s.replies) != 6 {
		t.Fatalf("%s: %d replies", s.serial, len(s.replies))
	}
	gpv, ok := s.replies[0].(*cwmp.GetParameterValuesResponse)
	if !ok {
		t.Fatalf("%s: %T to GetParameterValues", s.serial, s.replies[0])
	}
	vals := map[string]string{}
	for _, p := range gpv.ParameterList {
		vals[p.Name] = p.Value
	}
	if vals["Device.DeviceInfo.SerialNumber"] != s.serial || vals["Device.ManagementServer.ConnectionRequestURL"] != connReqURL(s.serial) {
		t.Errorf("%s: values %v", s.serial, vals)
	}
	if spv, ok := s.replies[1].(*cwmp.SetParameterValuesResponse); !ok || spv.Status != 0 {
		t.Errorf("%s: %#v to SetParameterValues", s.serial, s.replies[1])
	}
	if back, ok := s.replies[2].(*cwmp.GetParameterValuesResponse); !ok || len(back.ParameterList) != 1 || back.ParameterList[0].Value != "u-"+s.serial {
		t.Errorf("%s: written value read back as %#v", s.serial, s.replies[2])
	}
	if fl, ok := s.replies[3].(*cwmp.Fault); !ok || fl.FaultCode != cwmp.FaultInvalidParameterName {
		t.Errorf("%s: %#v to an unknown name", s.serial, s.replies[3])
	}
	if fl, ok := s.replies[4].(*cwmp.Fault); !ok || fl.FaultCode != cwmp.FaultMethodNotSupported {
		t.Errorf("%s: %#v to Download", s.serial, s.replies[4])
	}
	if m, ok := s.replies[5].(*cwmp.GetRPCMethodsResponse); !ok || len(m.MethodList) == 0 {
		t.Errorf("%s: %#v to GetRPCMethods", s.serial, s.replies[5])
	}
}

func TestWrittenParameterKeyReachesLaterInforms(t *testing.T) {
	f := newFakeACS(t, nil)
	f.plan = func(in *cwmp.Inform) []cwmp.Body {
		for _, p := range in.ParameterList {
			if p.Name == "Device.ManagementServer.ParameterKey" && p.Value == "" {
				return []cwmp.Body{&cwmp.SetParameterValues{ParameterKey: "pk-" + in.DeviceId.SerialNumber,
					ParameterList: []cwmp.ParameterValueStruct{{Name: "Device.DeviceInfo.ProvisioningCode", Value: "PC<&>", Type: "string"}}}}
			}
		}
		return nil
	}
	res := mustRun(t, Config{Scenario: Periodic, ACS: f.url(), Devices: 2, Concurrency: 1, Duration: 100 * time.Millisecond})
	f.checkClean()
	if res.Errors != 0 || res.Sessions < 4 {
		t.Fatalf("sessions %d, errors %v", res.Sessions, res.ErrorKinds)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	seen := map[string]int{}
	for _, in := range f.informed {
		sn := in.DeviceId.SerialNumber
		seen[sn]++
		vals := map[string]string{}
		for _, p := range in.ParameterList {
			vals[p.Name] = p.Value
		}
		wantKey, wantCode := "pk-"+sn, "PC<&>"
		if seen[sn] == 1 {
			wantKey, wantCode = "", ""
		}
		if vals["Device.ManagementServer.ParameterKey"] != wantKey || vals["Device.DeviceInfo.ProvisioningCode"] != wantCode {
			t.Fatalf("inform %d of %s: key %q code %q", seen[sn], sn,
				vals["Device.ManagementServer.ParameterKey"], vals["Device.DeviceInfo.ProvisioningCode"])
		}
	}
	if res.ACSRequests != 2 {
		t.Errorf("%d writes answered, want one per device", res.ACSRequests)
	}
}

func TestEndlessACSIsCutOff(t *testing.T) {
	f := newFakeACS(t, nil)
	f.plan = func(*cwmp.Inform) []cwmp.Body {
		out := make([]cwmp.Body, maxACSRequests+10)
		for i := range out {
			out[i] = &cwmp.GetRPCMethods{}
		}
		return out
	}
	res := mustRun(t, Config{Scenario: BootStorm, ACS: f.url(), Devices: 1, Concurrency: 1})
	if res.ErrorKinds["too_many_requests"] != 1 {
		t.Fatalf("errors %v", res.ErrorKinds)
	}
}

func TestBaselineServesTheSameRoundTrips(t *testing.T) {
	ln := loopbackListener(t)
	b, err := ServeBaseline(ln)
	if err != nil {
		t.Fatal(err)
	}
	res := mustRun(t, Config{Scenario: Periodic, ACS: b.URL(), Devices: 100, Concurrency: 8,
		Duration: 300 * time.Millisecond, Password: testPassword})
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if res.Sessions == 0 || res.Errors != 0 || res.AuthChallenges != 0 {
		t.Fatalf("sessions %d, errors %v, challenges %d", res.Sessions, res.ErrorKinds, res.AuthChallenges)
	}
	if got := ln.accepted.Load(); got != res.Sessions {
		t.Errorf("%d sessions used %d connections", res.Sessions, got)
	}
}

func TestConfigIsChecked(t *testing.T) {
	bad := []Config{
		{Scenario: "stampede", ACS: "http://127.0.0.1:1/", Devices: 1},
		{Scenario: Periodic, ACS: "http://127.0.0.1:1/", Devices: 0},
		{Scenario: Periodic, ACS: "http://127.0.0.1:1/", Devices: 1, Concurrency: -1},
		{Scenario: Periodic, ACS: "http://127.0.0.1:1/", Devices: 1, Duration: -time.Second},
		{Scenario: Periodic, ACS: "http://192.0.2.1/cwmp", Devices: 1},
		{Scenario: Periodic, ACS: "ftp://127.0.0.1/", Devices: 1},
	}
	for _, c := range bad {
		if _, err := Run(context.Background(), c); err == nil {
			t.Errorf("accepted %+v", c)
		}
	}
}

func TestHTTPSTarget(t *testing.T) {
	f := startFakeACS(t, testPassword, true)
	tr := f.srv.Client().Transport.(*http.Transport)
	res := mustRun(t, Config{Scenario: BootStorm, ACS: f.url(), Devices: 6, Concurrency: 3,
		Password: testPassword, TLS: tr.TLSClientConfig})
	f.checkClean()
	if res.Sessions != 6 || res.Errors != 0 {
		t.Fatalf("sessions %d, errors %v", res.Sessions, res.ErrorKinds)
	}
	if got := f.ln.accepted.Load(); got != 6 {
		t.Errorf("6 sessions used %d connections", got)
	}
	// Without the test CA the certificate is refused.
	res = mustRun(t, Config{Scenario: BootStorm, ACS: f.url(), Devices: 1, Concurrency: 1, Password: testPassword})
	if res.Sessions != 0 || res.ErrorKinds["tls"] != 1 {
		t.Errorf("untrusted certificate: sessions %d, errors %v", res.Sessions, res.ErrorKinds)
	}
}
