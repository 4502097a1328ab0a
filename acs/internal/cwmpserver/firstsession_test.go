package cwmpserver

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"gatewarden/acs/internal/cpeauth"
	"gatewarden/acs/internal/cwmpserver/cwmptest"
	"gatewarden/protocol/cwmp"
)

func (h *harness) simDevice(serial, root string) *cwmptest.SimDevice {
	d := cwmptest.NewSimDevice(h.ts.URL+"/cwmp", testDeviceID(serial), serial, cpeauth.Password(testSecret, serial), root)
	h.t.Cleanup(d.Transport.CloseIdleConnections)
	return d
}

// TestFirstSessionCredentials: in its first session a device gets random
// connection-request credentials with a ParameterKey of their own; the
// store keeps exactly what the device has, and later sessions leave them.
func TestFirstSessionCredentials(t *testing.T) {
	for _, root := range []string{"Device.", "InternetGatewayDevice."} {
		t.Run(root, func(t *testing.T) {
			h := newHarness(t, nil)
			ctx := context.Background()
			d := h.simDevice("SN-CREDS", root)
			if err := d.RunSession(ctx); err != nil {
				t.Fatal(err)
			}
			if got := d.ReceivedMethods(); len(got) != 1 || got[0] != "SetParameterValues" {
				t.Fatalf("first session requests %v, want one SetParameterValues", got)
			}
			dev, err := h.store.Device(ctx, devIDOf(d.DeviceId))
			if err != nil {
				t.Fatal(err)
			}
			user, _ := d.Value(root + "ManagementServer.ConnectionRequestUsername")
			pass, _ := d.Value(root + "ManagementServer.ConnectionRequestPassword")
			if !dev.Provisioned || dev.ConnReqUsername == "" || len(dev.ConnReqPassword) < 20 {
				t.Fatalf("device not provisioned with strong credentials: %+v", dev)
			}
			if user != dev.ConnReqUsername || pass != dev.ConnReqPassword {
				t.Errorf("device has %q/%q, store %q/%q", user, pass, dev.ConnReqUsername, dev.ConnReqPassword)
			}
			key, _ := d.Value(root + "ManagementServer.ParameterKey")
			if key == "" || len(key) > 32 || key == user || key == pass {
				t.Errorf("ParameterKey %q: want a key of its own, at most 32 characters, revealing nothing", key)
			}
			if dev.Root != root {
				t.Errorf("device root %q, want %q", dev.Root, root)
			}
			if err := d.RunSession(ctx); err != nil {
				t.Fatal(err)
			}
			if n := len(d.Received()); n != 1 {
				t.Errorf("second session sent requests again: %v", d.ReceivedMethods())
			}
			// A second device gets different credentials.
			d2 := h.simDevice("SN-CREDS-2", root)
			if err := d2.RunSession(ctx); err != nil {
				t.Fatal(err)
			}
			dev2, _ := h.store.Device(ctx, devIDOf(d2.DeviceId))
			if dev2.ConnReqUsername == dev.ConnReqUsername || dev2.ConnReqPassword == dev.ConnReqPassword {
				t.Error("two devices got the same credentials")
			}
		})
	}
}

// TestFirstSessionCredentialsAnswerLost: the device applies the
// credentials but its answer never arrives. The next Inform's
// ParameterKey shows they took effect: the ACS marks the device done
// without sending them again, and its stored credentials are the device's.
func TestFirstSessionCredentialsAnswerLost(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	d := h.simDevice("SN-CREDS-LOST", "Device.")
	d.Intercept = func(req cwmp.Body) (cwmp.Body, bool, bool) { return nil, false, true } // apply, then vanish
	if err := d.RunSession(ctx); err != cwmptest.ErrDropped {
		t.Fatalf("session: %v", err)
	}
	d.Intercept = nil
	dev, _ := h.store.Device(ctx, devIDOf(d.DeviceId))
	if dev.Provisioned {
		t.Fatal("provisioned without an answer")
	}
	if err := d.RunSession(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(d.Received()); n != 1 {
		t.Errorf("credentials sent again: %v", d.ReceivedMethods())
	}
	dev, _ = h.store.Device(ctx, devIDOf(d.DeviceId))
	user, _ := d.Value("Device.ManagementServer.ConnectionRequestUsername")
	if !dev.Provisioned || dev.ConnReqUsername != user {
		t.Errorf("after recovery: provisioned=%v, store user %q, device user %q", dev.Provisioned, dev.ConnReqUsername, user)
	}
}

// TestFirstSessionCredentialsRefusedThenBootstrap: a device that faults
// the credentials gets them again next session (the fault is recorded);
// after a factory reset (0 BOOTSTRAP) they are sent again.
func TestFirstSessionCredentialsRefusedThenBootstrap(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	d := h.simDevice("SN-CREDS-FR", "Device.")
	d.Intercept = func(req cwmp.Body) (cwmp.Body, bool, bool) {
		return cwmp.NewFault(cwmp.FaultInternalError, "busy"), true, false
	}
	if err := d.RunSession(ctx); err != nil {
		t.Fatal(err)
	}
	if faults := h.store.AllFaults(); len(faults) != 1 || faults[0].Code != 9002 {
		t.Errorf("faults %+v, want one 9002", faults)
	}
	d.Intercept = nil
	if err := d.RunSession(ctx); err != nil {
		t.Fatal(err)
	}
	dev, _ := h.store.Device(ctx, devIDOf(d.DeviceId))
	if !dev.Provisioned {
		t.Fatal("not provisioned after the second session")
	}
	first := dev.ConnReqPassword

	// Factory reset: the device forgets them; BOOTSTRAP brings them back.
	d.QueueEvent(cwmp.EventBootstrap, "")
	d.Set("Device.ManagementServer.ConnectionRequestPassword", "", "string")
	if err := d.RunSession(ctx); err != nil {
		t.Fatal(err)
	}
	pass, _ := d.Value("Device.ManagementServer.ConnectionRequestPassword")
	if pass != first {
		t.Errorf("after BOOTSTRAP the device has %q, want the stored %q", pass, first)
	}
	if got := d.ReceivedMethods(); len(got) != 3 {
		t.Errorf("requests %v, want the credentials three times", got)
	}
}

// TestTR098Inform: a real TR-098 device's Inform (Huawei BM632w, cwmp-1-0,
// 784 parameters, 1 BOOT + M Reboot) is recorded under
// InternetGatewayDevice. and answered in its namespace; its first session
// sets credentials under its root.
func TestTR098Inform(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	body, err := os.ReadFile(filepath.Join(repoRoot(t), "protocol/cwmp/testdata/quirks/tr098-huawei-inform-boot-reboot.xml"))
	if err != nil {
		t.Fatal(err)
	}
	env, err := cwmp.Decode(body)
	if err != nil {
		t.Fatal(err)
	}
	id := env.Body.(*cwmp.Inform).DeviceId
	c := cwmptest.NewCPE(h.ts.URL+"/cwmp", id, id.SerialNumber, cpeauth.Password(testSecret, id.SerialNumber))
	r := h.must(c.SendRaw(ctx, body, http.Header{"Content-Type": {"text/xml"}}))
	h.expectMethod(r, "InformResponse")
	if r.Env.Namespace != cwmp.NamespaceCWMP10 || r.Env.Header.ID != "1404712" {
		t.Errorf("answered in %s with ID %q, want cwmp-1-0 and 1404712", r.Env.Namespace, r.Env.Header.ID)
	}
	devID := "202BC1-BM632w-8KA8WA1151100043"
	dev, err := h.store.Device(ctx, devID)
	if err != nil {
		t.Fatalf("device %s not recorded: %v", devID, err)
	}
	if dev.Root != "InternetGatewayDevice." || dev.SoftwareVersion != "V100R001IRQC56B017" ||
		dev.HardwareVersion != "40501" || dev.CWMPVersion != "1.0" || dev.LastBoot.IsZero() {
		t.Errorf("recorded %+v", dev)
	}
	params, _ := h.store.Params(ctx, devID, "InternetGatewayDevice.")
	if len(params) != 784 {
		t.Errorf("%d parameters cached, want 784", len(params))
	}
	events := h.store.Events(devID)
	if len(events) != 2 || events[1].Code != "M Reboot" || events[1].CommandKey != "reboot-20130816" {
		t.Errorf("events %+v", events)
	}
	r = h.must(c.SendEmpty(ctx))
	h.expectMethod(r, "SetParameterValues")
	if r.Env.Namespace != cwmp.NamespaceCWMP10 {
		t.Errorf("SetParameterValues in %s, want cwmp-1-0", r.Env.Namespace)
	}
	spv := r.Env.Body.(*cwmp.SetParameterValues)
	if spv.ParameterList[0].Name != "InternetGatewayDevice.ManagementServer.ConnectionRequestUsername" {
		t.Errorf("credentials set at %s", spv.ParameterList[0].Name)
	}
	h.expectStatus(h.must(c.Answer(ctx, r, &cwmp.SetParameterValuesResponse{})), http.StatusNoContent)
}

// TestIdentityMismatch: a CPE authenticated as one serial number cannot
// inform as another device; nothing is recorded.
func TestIdentityMismatch(t *testing.T) {
	h := newHarness(t, nil)
	c := cwmptest.NewCPE(h.ts.URL+"/cwmp", testDeviceID("SN-VICTIM"), "SN-MALLORY", cpeauth.Password(testSecret, "SN-MALLORY"))
	c.Params = tr181Params("")
	r := h.must(c.Send(context.Background(), c.Inform(cwmp.EventStruct{EventCode: cwmp.EventBoot})))
	h.expectStatus(r, http.StatusForbidden)
	if h.store.Calls("RecordInform") != 0 || h.store.Calls("AcquireLease") != 0 {
		t.Error("the store was touched for an impostor")
	}
	// A device-ID username must name the very device.
	c2 := cwmptest.NewCPE(h.ts.URL+"/cwmp", testDeviceID("SN-VICTIM"), "AAAAAA-GW%2D1-SN%2DVICTIM", cpeauth.Password(testSecret, "SN-VICTIM"))
	c2.Params = tr181Params("")
	h.expectStatus(h.must(c2.Send(context.Background(), c2.Inform(cwmp.EventStruct{EventCode: cwmp.EventBoot}))), http.StatusForbidden)
	c3 := cwmptest.NewCPE(h.ts.URL+"/cwmp", testDeviceID("SN-VICTIM"), "00D09E-GW%2D1-SN%2DVICTIM", cpeauth.Password(testSecret, "SN-VICTIM"))
	c3.Params = tr181Params("")
	h.expectMethod(h.must(c3.Send(context.Background(), c3.Inform(cwmp.EventStruct{EventCode: cwmp.EventBoot}))), "InformResponse")
}

// TestInsecureCPEAuth: with authentication off any CPE gets in.
func TestInsecureCPEAuth(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.InsecureCPEAuth = true; c.FleetSecret = nil })
	c := cwmptest.NewCPE(h.ts.URL+"/cwmp", testDeviceID("SN-LAB"), "", "")
	c.Params = tr181Params("")
	h.expectMethod(h.must(c.Send(context.Background(), c.Inform(cwmp.EventStruct{EventCode: cwmp.EventBoot}))), "InformResponse")
}
