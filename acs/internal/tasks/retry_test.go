package tasks

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"gatewarden/acs/internal/store"
	"gatewarden/protocol/cwmp"
)

func setValue(name, value string) map[string]any {
	return map[string]any{"values": []map[string]string{{"name": name, "value": value}}}
}

// TestTransientFaultRetried: 9002 and 9004 queue the task again after a
// backoff; when its time comes it is sent again, with the same key.
func TestTransientFaultRetried(t *testing.T) {
	e := newEnv(t, nil, nil)
	d := e.device("SN-RETRY", "Device.")
	task := e.addTask(d, TypeSetParameterValues, store.PriorityOperator, setValue("Device.ManagementServer.PeriodicInformInterval", "300"))
	faults := []cwmp.FaultCode{cwmp.FaultInternalError, cwmp.FaultResourcesExceeded}
	d.Intercept = func(req cwmp.Body) (cwmp.Body, bool, bool) {
		if req.Method() == "SetParameterValues" && len(faults) > 0 {
			f := faults[0]
			faults = faults[1:]
			return cwmp.NewFault(f, ""), true, false
		}
		return nil, false, false
	}
	var keys []string
	for i, code := range []int{9002, 9004} {
		e.session(d)
		q := e.expectStatus(task.ID, store.StatusQueued)
		if q.Attempts != i+1 || q.Fault == nil || q.Fault.Code != code || !q.NotBefore.After(e.now()) {
			t.Fatalf("after %d: %+v", code, q)
		}
		keys = append(keys, q.Key)
		// Not before its time: the next session leaves it.
		e.session(d)
		e.expectStatus(task.ID, store.StatusQueued)
		e.advance(3 * time.Minute << i)
	}
	e.session(d)
	done := e.expectStatus(task.ID, store.StatusDone)
	if done.Attempts != 3 || keys[0] != keys[1] || keys[1] != done.Key {
		t.Errorf("attempts %d, keys %v / %s: want 3 attempts with one key", done.Attempts, keys, done.Key)
	}
	if len(e.store.AllFaults()) != 0 {
		t.Errorf("transient faults recorded as device faults: %+v", e.store.AllFaults())
	}
}

// TestPermanentFault: a fault that will not pass ends the task with it and
// is recorded for support staff, per-parameter detail included.
func TestPermanentFault(t *testing.T) {
	e := newEnv(t, nil, nil)
	d := e.device("SN-PERM", "Device.")
	task := e.addTask(d, TypeSetParameterValues, store.PriorityOperator, setValue("Device.X_Vendor.Missing", "1"))
	e.session(d)
	f := e.expectStatus(task.ID, store.StatusFault)
	if f.Fault == nil || f.Fault.Code != 9003 || !strings.Contains(f.Fault.Message, "Device.X_Vendor.Missing 9005") {
		t.Errorf("fault %+v", f.Fault)
	}
	rec := e.store.AllFaults()
	if len(rec) != 1 || rec[0].Task != task.ID || rec[0].RPC != "SetParameterValues" || rec[0].Code != 9003 {
		t.Errorf("recorded %+v", rec)
	}
	if f.Completed.IsZero() {
		t.Error("no completion time")
	}
}

// TestGiveUpAfterMaxAttempts: a fault that keeps passing for transient is
// given up on after MaxAttempts sends.
func TestGiveUpAfterMaxAttempts(t *testing.T) {
	e := newEnv(t, nil, func(c *Config) { c.MaxAttempts = 3 })
	d := e.device("SN-GIVEUP", "Device.")
	task := e.addTask(d, TypeGetParameterValues, store.PriorityOperator, map[string]any{"parameters": []string{"Device.DeviceInfo."}})
	d.Intercept = func(req cwmp.Body) (cwmp.Body, bool, bool) {
		if req.Method() == "GetParameterValues" {
			return cwmp.NewFault(cwmp.FaultInternalError, "flash busy"), true, false
		}
		return nil, false, false
	}
	for range 3 {
		e.session(d)
		e.advance(2 * time.Hour)
	}
	f := e.expectStatus(task.ID, store.StatusFault)
	if f.Attempts != 3 || f.Fault.Code != 9002 || !strings.Contains(f.Fault.Message, "gave up after 3 attempts") {
		t.Errorf("task %+v fault %+v", f, f.Fault)
	}
	if n := count(d, "GetParameterValues"); n != 3 {
		t.Errorf("sent %d times, want 3", n)
	}
}

// TestInvalidTaskFails: a task whose payload cannot become an RPC fails at
// once with the fault the device would have given, and the session goes
// on with the next task.
func TestInvalidTaskFails(t *testing.T) {
	e := newEnv(t, nil, nil)
	d := e.device("SN-INVALID", "Device.")
	bad := e.addTask(d, TypeSetParameterValues, store.PrioritySupport, setValue("Device.ManagementServer.PeriodicInformInterval", "0"))
	ro := e.addTask(d, TypeSetParameterValues, store.PrioritySupport, setValue("Device.DeviceInfo.SoftwareVersion", "9"))
	good := e.addTask(d, TypeGetParameterValues, store.PriorityOperator, map[string]any{"parameters": []string{"Device.DeviceInfo."}})
	e.session(d)
	if f := e.expectStatus(bad.ID, store.StatusFault).Fault; f.Code != 9007 {
		t.Errorf("out of range: fault %+v, want 9007", f)
	}
	if f := e.expectStatus(ro.ID, store.StatusFault).Fault; f.Code != 9008 {
		t.Errorf("read-only: fault %+v, want 9008", f)
	}
	e.expectStatus(good.ID, store.StatusDone)
	if count(d, "SetParameterValues") != 1 { // the first session's credentials only
		t.Errorf("invalid tasks reached the device: %v", d.ReceivedMethods())
	}
}

// TestLostAnswerBlocksSession: when the answer to a request that changes
// the device goes missing (the CPE sends an empty POST instead), nothing
// more is sent in that session, and the next session settles it.
func TestLostAnswerBlocksSession(t *testing.T) {
	e := newEnv(t, nil, nil)
	d := e.device("SN-LOSTANS", "Device.")
	first := e.addTask(d, TypeSetParameterValues, store.PriorityOperator, setValue("Device.ManagementServer.PeriodicInformInterval", "700"))
	second := e.addTask(d, TypeReboot, store.PriorityOperator, nil)
	// Make the device lose its answer: an empty POST in its place.
	ctx := context.Background()
	d.EndSession()
	r, err := d.Send(ctx, d.Inform(cwmp.EventStruct{EventCode: cwmp.EventPeriodic}))
	if err != nil || r.Method() != "InformResponse" {
		t.Fatalf("inform: %v %v", r, err)
	}
	r, err = d.SendEmpty(ctx)
	if err != nil || r.Method() != "SetParameterValues" {
		t.Fatalf("want SetParameterValues, got %v %v", r, err)
	}
	r, err = d.SendEmpty(ctx)
	if err != nil || r.Status != 204 {
		t.Fatalf("after a lost answer the ACS sent %d %s, want 204", r.Status, r.Method())
	}
	e.expectStatus(first.ID, store.StatusRunning)
	e.expectStatus(second.ID, store.StatusQueued)
	e.session(d) // ParameterKey is not the task's: sent again, then the reboot
	e.expectStatus(first.ID, store.StatusDone)
	e.expectStatus(second.ID, store.StatusDone)
}

// TestValidate checks payloads as the API would before queueing.
func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		typ, payload string
		ok           bool
	}{
		{TypeGetParameterValues, `{"parameters":["Device.DeviceInfo.","Device.ManagementServer.URL"]}`, true},
		{TypeGetParameterValues, `{"parameters":[]}`, false},
		{TypeGetParameterValues, `{"parameters":["Device..Bad"]}`, false},
		{TypeSetParameterValues, `{"type":"setParameterValues","values":[{"name":"Device.ManagementServer.PeriodicInformInterval","value":"60"}]}`, true},
		{TypeSetParameterValues, `{"values":[{"name":"Device.ManagementServer.PeriodicInformInterval","value":"sixty"}]}`, false},
		{TypeSetParameterValues, `{"values":[{"name":"Device.ManagementServer.PeriodicInformInterval","value":"60","type":"boolean"}]}`, false},
		{TypeSetParameterValues, `{"values":[{"name":"Device.X_ACME_Thing","value":"anything","type":"xsd:int"}]}`, true},
		{TypeSetParameterValues, `{"values":[{"name":"Device.X_ACME_Thing","value":"1","type":"float"}]}`, false},
		{TypeSetParameterValues, `{"values":[{"name":"Device.DeviceInfo.","value":"1"}]}`, false},
		{TypeSetParameterValues, `{"values":[{"name":"Device.X_A","value":"1"},{"name":"Device.X_A","value":"2"}]}`, false},
		{TypeSetParameterValues, `{"values":[{"name":"InternetGatewayDevice.ManagementServer.PeriodicInformInterval","value":"0"}]}`, false},
		{TypeAddObject, `{"object":"Device.IP.Interface."}`, true},
		{TypeAddObject, `{"object":"Device.IP.Interface.3."}`, false},
		{TypeAddObject, `{"object":"Device.IP.Interface"}`, false},
		{TypeDeleteObject, `{"object":"Device.IP.Interface.3."}`, true},
		{TypeDeleteObject, `{"object":"Device.IP.Interface.[wan]."}`, true},
		{TypeDeleteObject, `{"object":"Device.IP.Interface."}`, false},
		{TypeDeleteObject, `{}`, false},
		{TypeReboot, ``, true},
		{TypeReboot, `{"type":"reboot"}`, true},
		{TypeFactoryReset, `null`, true},
		{TypeDownload, `{"url":"https://files.example/fw.bin","fileType":"1 Firmware Upgrade Image"}`, true},
		{TypeDownload, `{"url":"tftp://files.example/fw.bin"}`, false},
		{TypeDownload, `{"url":"https://user:pw@files.example/fw.bin"}`, false},
		{TypeDownload, `{"file":"fw-2.1.bin"}`, false},
		{TypeRefresh, `{"prefix":"Device.WiFi."}`, true},
		{TypeRefresh, `{}`, true},
		{TypeSetParameterAttributes, `{"attributes":[{"name":"Device.WiFi.SSID.1.SSID","notification":2}]}`, true},
		{TypeSetParameterAttributes, `{"attributes":[{"name":"Device.WiFi.SSID.1.SSID","notification":7}]}`, false},
		{"frobnicate", `{}`, false},
		{TypeGetParameterValues, `[1,2]`, false},
	} {
		err := Validate(tc.typ, []byte(tc.payload), "Device.")
		if (err == nil) != tc.ok {
			t.Errorf("Validate(%s, %s) = %v, want ok=%v", tc.typ, tc.payload, err, tc.ok)
		}
		if err != nil && !errors.Is(err, ErrInvalidTask) {
			t.Errorf("Validate(%s, %s): %v does not wrap ErrInvalidTask", tc.typ, tc.payload, err)
		}
	}
}
