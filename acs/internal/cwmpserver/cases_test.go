package cwmpserver

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"gatewarden/protocol/cwmp"
)

// TestCase03EmptyQueue204 — §8 case 3: An ACS with an empty queue answers
// the CPE's empty POST with 204 and no body. The CPE then closes the
// connection.
func TestCase03EmptyQueue204(t *testing.T) {
	h := newHarness(t, nil)
	c := h.cpe("SN-CASE3")
	h.provision(c)
	ctx := context.Background()

	r := h.must(c.Send(ctx, c.Inform(cwmp.EventStruct{EventCode: cwmp.EventPeriodic})))
	h.expectMethod(r, "InformResponse")
	if got := r.Env.Body.(*cwmp.InformResponse).MaxEnvelopes; got != 1 {
		t.Errorf("InformResponse MaxEnvelopes = %d, want 1", got)
	}
	if r.Env.Header.ID == "" {
		t.Errorf("InformResponse does not echo the cwmp:ID")
	}
	r = h.must(c.SendEmpty(ctx))
	h.expectStatus(r, http.StatusNoContent)
	if len(r.Body) != 0 {
		t.Errorf("204 carries a body: %q", r.Body)
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		t.Errorf("204 carries Content-Type %q", ct)
	}
	h.expectLeaseFree(devIDOf(c.DeviceId))
	if n := h.srv.Stats().Sessions; n != 0 {
		t.Errorf("%d sessions open after 204", n)
	}
	if n := h.obs.endedCount(OutcomeOK); n != 2 {
		t.Errorf("%d sessions ended ok, want 2", n)
	}
}

// TestInformResponseEchoesID: the InformResponse carries the Inform's
// cwmp:ID (TR069-DIGEST §1.4).
func TestInformResponseEchoesID(t *testing.T) {
	h := newHarness(t, nil)
	c := h.cpe("SN-ID")
	env := c.Inform(cwmp.EventStruct{EventCode: cwmp.EventBoot})
	env.Header.ID = "id-4711"
	r := h.must(c.Send(context.Background(), env))
	h.expectMethod(r, "InformResponse")
	if r.Env.Header.ID != "id-4711" {
		t.Errorf("InformResponse ID = %q, want id-4711", r.Env.Header.ID)
	}
}

var useVersionRE = regexp.MustCompile(`<[A-Za-z0-9_-]+:UseCWMPVersion [A-Za-z0-9_-]+:mustUnderstand="1">([^<]*)<`)

// TestCase17UseCWMPVersion — §8 case 17: Given
// SupportedCWMPVersions="1.0,1.1,1.2,1.3,1.4", the ACS replies with
// UseCWMPVersion=1.4, mustUnderstand=1.
func TestCase17UseCWMPVersion(t *testing.T) {
	h := newHarness(t, nil)
	for i, tc := range []struct {
		ns, supported string
		wantUse       string
		wantFault     cwmp.FaultCode
	}{
		{cwmp.NamespaceCWMP12, "1.0,1.1,1.2,1.3,1.4", "1.4", 0},
		{cwmp.NamespaceCWMP12, "1.0, 1.1, 1.2", "1.2", 0}, // icwmp's spacing
		{cwmp.NamespaceCWMP14, "1.0,1.1,1.2,1.3,1.4", "1.4", 0},
		{cwmp.NamespaceCWMP12, "1.4,1.9", "1.4", 0},
		{cwmp.NamespaceCWMP12, "1.5,2.0", "", cwmp.FaultACSVersionIncompatible},
	} {
		t.Run(tc.supported, func(t *testing.T) {
			h := h.with(t)
			c := h.cpe("SN-CASE17-" + strconv.Itoa(i))
			c.Namespace = tc.ns
			env := c.Inform(cwmp.EventStruct{EventCode: cwmp.EventBoot})
			env.Header.SupportedCWMPVersions = tc.supported
			r := h.must(c.Send(context.Background(), env))
			if tc.wantFault != 0 {
				h.expectFault(r, tc.wantFault)
				if n := h.store.Calls("RecordInform"); n != i {
					t.Errorf("RecordInform called %d times, want %d: an incompatible CPE is not recorded", n, i)
				}
				return
			}
			h.expectMethod(r, "InformResponse")
			if r.Env.Namespace != tc.ns {
				t.Errorf("answered in %s, want the CPE's %s", r.Env.Namespace, tc.ns)
			}
			m := useVersionRE.FindSubmatch(r.Body)
			if m == nil || string(m[1]) != tc.wantUse {
				t.Errorf("no UseCWMPVersion %s with mustUnderstand=1 in\n%s", tc.wantUse, r.Body)
			}
			dev, err := h.store.Device(context.Background(), devIDOf(c.DeviceId))
			if err != nil || dev.CWMPVersion != tc.wantUse {
				t.Errorf("device CWMPVersion = %q (%v), want %s", dev.CWMPVersion, err, tc.wantUse)
			}
		})
	}
}

// TestCase18CWMP10 — §8 case 18: With a cwmp-1-0 Inform and no version
// header, the ACS answers in cwmp-1-0 without UseCWMPVersion. The rest of
// the session stays in cwmp-1-0.
func TestCase18CWMP10(t *testing.T) {
	h := newHarness(t, nil)
	c := h.cpe("SN-CASE18")
	c.Namespace = cwmp.NamespaceCWMP10
	h.provision(c)
	h.work.push(&cwmp.GetParameterValues{ParameterNames: []string{"Device.DeviceInfo."}})
	ctx := context.Background()

	r := h.must(c.Send(ctx, c.Inform(cwmp.EventStruct{EventCode: cwmp.EventPeriodic})))
	h.expectMethod(r, "InformResponse")
	if r.Env.Namespace != cwmp.NamespaceCWMP10 {
		t.Errorf("InformResponse in %s, want cwmp-1-0", r.Env.Namespace)
	}
	if r.Env.Header.UseCWMPVersion != "" || bytes.Contains(r.Body, []byte("UseCWMPVersion")) {
		t.Errorf("UseCWMPVersion sent to a 1.0 CPE:\n%s", r.Body)
	}
	if !bytes.Contains(r.Body, []byte(`"urn:dslforum-org:cwmp-1-0"`)) || bytes.Contains(r.Body, []byte("cwmp-1-2")) {
		t.Errorf("InformResponse namespaces wrong:\n%s", r.Body)
	}
	r = h.must(c.SendEmpty(ctx))
	h.expectMethod(r, "GetParameterValues")
	if r.Env.Namespace != cwmp.NamespaceCWMP10 {
		t.Errorf("GetParameterValues in %s, want cwmp-1-0", r.Env.Namespace)
	}
	dev, _ := h.store.Device(ctx, devIDOf(c.DeviceId))
	if dev.CWMPVersion != "1.0" {
		t.Errorf("device CWMPVersion = %q, want 1.0", dev.CWMPVersion)
	}

	// cwmp-1-2 with SessionTimeout and no SupportedCWMPVersions is 1.3.
	c13 := h.cpe("SN-CASE18-13")
	env := c13.Inform(cwmp.EventStruct{EventCode: cwmp.EventBoot})
	timeout := uint32(60)
	env.Header.SessionTimeout = &timeout
	r = h.must(c13.Send(ctx, env))
	h.expectMethod(r, "InformResponse")
	if r.Env.Header.UseCWMPVersion != "" {
		t.Errorf("UseCWMPVersion %q sent without SupportedCWMPVersions", r.Env.Header.UseCWMPVersion)
	}
	dev, _ = h.store.Device(ctx, devIDOf(c13.DeviceId))
	if dev.CWMPVersion != "1.3" {
		t.Errorf("cwmp-1-2 + SessionTimeout: CWMPVersion = %q, want 1.3", dev.CWMPVersion)
	}
}

// TestCase19CPEHeaders — §8 case 19: HoldRequests sent by a CPE, or
// SessionTimeout on a non-Inform, is rejected with fault 8003. So are
// UseCWMPVersion from a CPE and SupportedCWMPVersions on a non-Inform
// (TR069-DIGEST §1.2).
func TestCase19CPEHeaders(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	yes := true
	timeout := uint32(30)

	t.Run("on Inform", func(t *testing.T) {
		h := h.with(t)
		for name, set := range map[string]func(*cwmp.Header){
			"HoldRequests":   func(h *cwmp.Header) { h.HoldRequests = &yes },
			"UseCWMPVersion": func(h *cwmp.Header) { h.UseCWMPVersion = "1.4" },
		} {
			c := h.cpe("SN-CASE19-" + name)
			env := c.Inform(cwmp.EventStruct{EventCode: cwmp.EventBoot})
			set(&env.Header)
			env.Header.ID = "inf-" + name
			r := h.must(c.Send(ctx, env))
			h.expectFault(r, cwmp.FaultACSInvalidArguments)
			if f := r.Fault(); f.SOAPFaultCode != cwmp.SOAPClient {
				t.Errorf("%s: SOAP faultcode %q, want Client", name, f.SOAPFaultCode)
			}
			if r.Env.Header.ID != "inf-"+name {
				t.Errorf("%s: fault ID %q does not echo the Inform's", name, r.Env.Header.ID)
			}
			if _, err := h.store.Device(ctx, devIDOf(c.DeviceId)); err == nil {
				t.Errorf("%s: the device was recorded despite the fault", name)
			}
			h.expectLeaseFree(devIDOf(c.DeviceId))
		}
	})

	t.Run("in session", func(t *testing.T) {
		h := h.with(t)
		for name, tc := range map[string]struct {
			set  func(*cwmp.Header)
			body cwmp.Body
		}{
			"SessionTimeout on TransferComplete": {func(h *cwmp.Header) { h.SessionTimeout = &timeout },
				&cwmp.TransferComplete{CommandKey: "k", StartTime: cwmp.UnknownTime, CompleteTime: cwmp.UnknownTime}},
			"SupportedCWMPVersions on GetRPCMethods": {func(h *cwmp.Header) { h.SupportedCWMPVersions = "1.0,1.4" }, &cwmp.GetRPCMethods{}},
			"HoldRequests on GetRPCMethods":          {func(h *cwmp.Header) { h.HoldRequests = &yes }, &cwmp.GetRPCMethods{}},
			"UseCWMPVersion on TransferComplete": {func(h *cwmp.Header) { h.UseCWMPVersion = "1.4" },
				&cwmp.TransferComplete{CommandKey: "k", StartTime: cwmp.UnknownTime, CompleteTime: cwmp.UnknownTime}},
		} {
			c := h.cpe("SN-CASE19-S-" + strings.ReplaceAll(name, " ", ""))
			h.provision(c)
			r := h.must(c.Send(ctx, c.Inform(cwmp.EventStruct{EventCode: cwmp.EventPeriodic})))
			h.expectMethod(r, "InformResponse")
			env := &cwmp.Envelope{Body: tc.body}
			tc.set(&env.Header)
			r = h.must(c.Send(ctx, env))
			h.expectFault(r, cwmp.FaultACSInvalidArguments)
			// The session goes on and ends normally.
			r = h.must(c.SendEmpty(ctx))
			h.expectStatus(r, http.StatusNoContent)
			h.expectLeaseFree(devIDOf(c.DeviceId))
		}
		if _, reports := h.work.snapshot(); len(reports) != 0 {
			t.Errorf("refused requests reached Work.Report: %v", reports)
		}
	})
}

// TestCase20ArraysAndTypes — §8 case 20: Every array carries
// soap-enc:arrayType with the right count, and every Value carries
// xsi:type. Checked on every message the ACS sends in a session with
// arrays of each kind.
func TestCase20ArraysAndTypes(t *testing.T) {
	h := newHarness(t, nil)
	c := h.cpe("SN-CASE20")
	h.work.push(
		&cwmp.GetParameterValues{ParameterNames: []string{"Device.DeviceInfo.", "Device.ManagementServer.URL"}},
		&cwmp.SetParameterValues{ParameterList: []cwmp.ParameterValueStruct{
			{Name: "Device.ManagementServer.PeriodicInformInterval", Value: "600", Type: "unsignedInt"},
			{Name: "Device.ManagementServer.PeriodicInformEnable", Value: "1", Type: "boolean"},
			{Name: "Device.X_Vendor.Note", Value: "untyped"}, // no type given: still typed on the wire
		}, ParameterKey: "k20"},
		&cwmp.SetParameterAttributes{ParameterList: []cwmp.SetParameterAttributesStruct{
			{Name: "Device.WiFi.SSID.1.SSID", NotificationChange: true, Notification: 2, AccessListChange: true, AccessList: []string{"Subscriber"}},
		}},
	)
	ctx := context.Background()
	var acsMessages [][]byte
	r := h.must(c.Send(ctx, c.Inform(cwmp.EventStruct{EventCode: cwmp.EventBootstrap})))
	h.expectMethod(r, "InformResponse")
	r = h.must(c.Send(ctx, &cwmp.Envelope{Body: &cwmp.GetRPCMethods{}}))
	h.expectMethod(r, "GetRPCMethodsResponse")
	acsMessages = append(acsMessages, r.Body)
	r = h.must(c.SendEmpty(ctx))
	for r.Status == http.StatusOK {
		acsMessages = append(acsMessages, r.Body)
		var resp cwmp.Body
		switch r.Method() {
		case "SetParameterValues":
			resp = &cwmp.SetParameterValuesResponse{}
		case "GetParameterValues":
			resp = &cwmp.GetParameterValuesResponse{}
		case "SetParameterAttributes":
			resp = &cwmp.SetParameterAttributesResponse{}
		default:
			t.Fatalf("unexpected %s", r.Method())
		}
		r = h.must(c.Answer(ctx, r, resp))
	}
	h.expectStatus(r, http.StatusNoContent)
	// GetRPCMethodsResponse, credentials SPV, GPV, SPV, SPA.
	if len(acsMessages) != 5 {
		t.Fatalf("got %d ACS messages, want 5", len(acsMessages))
	}
	arrays, values := 0, 0
	for _, m := range acsMessages {
		a, v, err := checkArraysAndTypes(m)
		if err != nil {
			t.Errorf("%v in\n%s", err, m)
		}
		arrays, values = arrays+a, values+v
	}
	if arrays < 6 || values < 5 {
		t.Errorf("checked only %d arrays and %d values", arrays, values)
	}
}

// checkArraysAndTypes walks a message: every element with child elements
// that is a SOAP array must state soap-enc:arrayType with its member
// count, and every Value must carry xsi:type.
func checkArraysAndTypes(msg []byte) (arrays, values int, err error) {
	type frame struct {
		name     xml.Name
		declared int // -1: not an array
		children int
	}
	dec := xml.NewDecoder(bytes.NewReader(msg))
	var stack []*frame
	for {
		tok, terr := dec.Token()
		if terr == io.EOF {
			return arrays, values, nil
		}
		if terr != nil {
			return arrays, values, terr
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if len(stack) > 0 {
				stack[len(stack)-1].children++
			}
			f := &frame{name: tok.Name, declared: -1}
			hasType := false
			for _, a := range tok.Attr {
				if a.Name.Space == cwmp.NamespaceSOAPEncoding && a.Name.Local == "arrayType" {
					i, j := strings.LastIndex(a.Value, "["), strings.LastIndex(a.Value, "]")
					n, perr := strconv.Atoi(a.Value[i+1 : j])
					if i < 0 || j < i || perr != nil {
						return arrays, values, fmt.Errorf("bad arrayType %q", a.Value)
					}
					f.declared = n
				}
				if a.Name.Space == cwmp.NamespaceXSI && a.Name.Local == "type" {
					hasType = true
				}
			}
			if tok.Name.Local == "Value" {
				values++
				if !hasType {
					return arrays, values, fmt.Errorf("Value without xsi:type")
				}
			}
			if isArrayElement(tok.Name.Local) && f.declared < 0 {
				return arrays, values, fmt.Errorf("array %s without soap-enc:arrayType", tok.Name.Local)
			}
			stack = append(stack, f)
		case xml.EndElement:
			f := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if f.declared >= 0 {
				arrays++
				if f.declared != f.children {
					return arrays, values, fmt.Errorf("%s declares %d members, has %d", f.name.Local, f.declared, f.children)
				}
			}
		}
	}
}

// isArrayElement names the CWMP arguments that are soap-enc arrays in the
// messages an ACS sends.
func isArrayElement(local string) bool {
	switch local {
	case "ParameterList", "ParameterNames", "MethodList", "AccessList":
		return true
	}
	return false
}

// TestSessionAcrossConnections: a session survives a new TCP connection;
// the cookie carries it (TR069-DIGEST §1.1).
func TestSessionAcrossConnections(t *testing.T) {
	h := newHarness(t, nil)
	c := h.cpe("SN-RECONNECT")
	h.provision(c)
	h.work.push(&cwmp.GetParameterValues{ParameterNames: []string{"Device.DeviceInfo."}})
	ctx := context.Background()
	h.expectMethod(h.must(c.Send(ctx, c.Inform(cwmp.EventStruct{EventCode: cwmp.EventPeriodic}))), "InformResponse")
	c.Transport.CloseIdleConnections() // the cookie stays, the connection goes
	r := h.must(c.SendEmpty(ctx))
	h.expectMethod(r, "GetParameterValues")
	c.Transport.CloseIdleConnections()
	h.expectStatus(h.must(c.Answer(ctx, r, &cwmp.GetParameterValuesResponse{})), http.StatusNoContent)
	if answers, _ := h.work.snapshot(); len(answers) != 1 || answers[0] == nil {
		t.Errorf("Work.Done got %v, want the response", answers)
	}
}

// TestNoncesAcrossNodes: two nodes with the same fleet secret accept each
// other's Digest nonces, so a load balancer may move a CPE between them
// without a new challenge.
func TestNoncesAcrossNodes(t *testing.T) {
	a := newHarness(t, nil)
	b := newHarness(t, nil)
	c := a.cpe("SN-CLUSTER")
	a.provision(c) // the CPE now holds a challenge from node a
	c.URL = b.ts.URL + "/cwmp"
	r := b.must(c.Send(context.Background(), c.Inform(cwmp.EventStruct{EventCode: cwmp.EventPeriodic})))
	b.expectMethod(r, "InformResponse")
	if n := b.obs.rejectedCount(RejectChallenge) + b.obs.rejectedCount(RejectUnauthorized); n != 0 {
		t.Errorf("node b challenged %d times a nonce node a issued", n)
	}
}

// TestCPERequests: GetRPCMethods lists what this ACS handles; completion
// reports reach Work.Report and are acknowledged; RequestDownload and
// Kicked are not supported (8000); a request only an ACS sends is 8000.
func TestCPERequests(t *testing.T) {
	h := newHarness(t, nil)
	c := h.cpe("SN-REQS")
	h.provision(c)
	ctx := context.Background()
	h.expectMethod(h.must(c.Send(ctx, c.Inform(cwmp.EventStruct{EventCode: cwmp.EventPeriodic}))), "InformResponse")
	r := h.must(c.Send(ctx, &cwmp.Envelope{Body: &cwmp.GetRPCMethods{}}))
	h.expectMethod(r, "GetRPCMethodsResponse")
	if got := r.Env.Body.(*cwmp.GetRPCMethodsResponse).MethodList; len(got) != len(acsMethods) || got[2] != "TransferComplete" {
		t.Errorf("MethodList %v", got)
	}
	reports := []cwmp.Body{
		&cwmp.TransferComplete{CommandKey: "k", StartTime: cwmp.UnknownTime, CompleteTime: cwmp.UnknownTime},
		&cwmp.AutonomousTransferComplete{StartTime: cwmp.UnknownTime, CompleteTime: cwmp.UnknownTime},
		&cwmp.DUStateChangeComplete{Results: []cwmp.OpResultStruct{{UUID: "u", CurrentState: cwmp.DUStateInstalled, StartTime: cwmp.UnknownTime, CompleteTime: cwmp.UnknownTime}}},
		&cwmp.AutonomousDUStateChangeComplete{Results: []cwmp.AutonOpResultStruct{{OpResultStruct: cwmp.OpResultStruct{UUID: "u", CurrentState: cwmp.DUStateInstalled, StartTime: cwmp.UnknownTime, CompleteTime: cwmp.UnknownTime}, OperationPerformed: cwmp.DUOperationInstall}}},
	}
	for _, req := range reports {
		h.expectMethod(h.must(c.Send(ctx, &cwmp.Envelope{Body: req})), req.Method()+"Response")
	}
	h.expectFault(h.must(c.Send(ctx, &cwmp.Envelope{Body: &cwmp.RequestDownload{FileType: cwmp.FileTypeFirmwareUpgradeImage}})), cwmp.FaultACSMethodNotSupported)
	h.expectFault(h.must(c.Send(ctx, &cwmp.Envelope{Body: &cwmp.Kicked{Command: "c"}})), cwmp.FaultACSMethodNotSupported)
	h.expectFault(h.must(c.Send(ctx, &cwmp.Envelope{Body: &cwmp.Reboot{CommandKey: "x"}})), cwmp.FaultACSMethodNotSupported)
	h.expectStatus(h.must(c.SendEmpty(ctx)), http.StatusNoContent)
	if _, got := h.work.snapshot(); len(got) != len(reports) {
		t.Errorf("Work.Report got %d reports, want %d", len(got), len(reports))
	}

	// A report that cannot be recorded is answered 8005: send it again.
	h.work.mu.Lock()
	h.work.reports = nil
	h.work.mu.Unlock()
	failing := &reportFailWork{fakeWork: h.work}
	h2 := newHarness(t, func(cfg *Config) { cfg.Work = failing })
	c2 := h2.cpe("SN-REQS-2")
	h2.provision(c2)
	h2.expectMethod(h2.must(c2.Send(ctx, c2.Inform(cwmp.EventStruct{EventCode: cwmp.EventTransferComplete}))), "InformResponse")
	h2.expectFault(h2.must(c2.Send(ctx, &cwmp.Envelope{Body: reports[0]})), cwmp.FaultACSRetryRequest)
}

type reportFailWork struct{ *fakeWork }

func (reportFailWork) Report(context.Context, *Session, cwmp.Body) error { return errInjected }
